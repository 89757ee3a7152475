"""The HTML report renders in headless Chromium: charts and tables visible, no console errors,
no network requests. Skips when Chromium is not installed (Debian package: chromium)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from test_render_report import render, result_for, squat_session

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
    # Any request that tried to leave the machine would fail and be logged.
    "--host-resolver-rules=MAP * ~NOTFOUND",
]  # fmt: skip


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    steps = squat_session(3, images=True, fault_on_rep=2)
    fault = {"id": "knee_valgus", "side": None, "start_s": 2.5, "end_s": 3.4}
    render(site, steps, result_for(steps, faults=[fault]))
    page = (site / "report.html").as_uri()

    dom = chromium(tmp_path, "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == 2 and dom.stdout.count("<polyline") >= 2
    assert dom.stdout.count("<tr>") == 4
    log = dom.stderr
    assert "CONSOLE" not in log and "Uncaught" not in log, log[-2000:]
    assert "net::ERR" not in log and "Failed to load resource" not in log, log[-2000:]

    shot = tmp_path / "shot.png"
    res = chromium(tmp_path, "--window-size=1100,1600", f"--screenshot={shot}", page)
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    image = cv2.imread(str(shot))
    assert image is not None and image.shape[:2] == (1600, 1100)
    # Not blank: many distinct colours (text, chart lines, thumbnails), and the chart's blue line.
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 200
    blue = np.all(np.abs(image.astype(int) - (209, 111, 31)) < 40, axis=-1)  # BGR of #1f6fd1
    assert np.count_nonzero(blue) > 300
