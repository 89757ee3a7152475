"""The live window under a virtual X server (Xvfb): what is shown, keys, snapshots, closing.

The test starts ``Xvfb :N`` itself. The real screen is grabbed with ``xwd -root`` (Debian
``x11-apps``) and keys are typed with ``xdotool``; CI installs xvfb, x11-apps and xdotool.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from formcheck.live.controls import Command
from shared_data import SHARED_SAMPLES

SAMPLES = SHARED_SAMPLES
MODEL_DIR = os.environ.get("FORMCHECK_MODEL_DIR", "")
# Two squats, front view, small frames (the model keeps up on a laptop CPU).
CLIP = SAMPLES / "clips" / "squat--wide-prenatal-front.mp4"
needs_x = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xwd") and shutil.which("xdotool")),
    reason="needs Xvfb, xwd (x11-apps) and xdotool",
)


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    for number in range(91, 120):
        if not Path(f"/tmp/.X{number}-lock").exists():
            break
    name = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", name, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.skip("Xvfb did not start")
        time.sleep(0.05)
    yield name
    server.terminate()
    server.wait(5)


def read_xwd(data: bytes) -> np.ndarray:
    """An ``xwd`` dump (ZPixmap, 24/32 bits per pixel) as a BGR image."""
    header = np.frombuffer(data[:100], dtype=">u4")
    header_size, width, height = int(header[0]), int(header[4]), int(header[5])
    bits_per_pixel, bytes_per_line, ncolors = int(header[11]), int(header[12]), int(header[19])
    assert bits_per_pixel in (24, 32), f"unsupported xwd depth {bits_per_pixel}"
    step = bits_per_pixel // 8
    start = header_size + ncolors * 12
    pixels = np.frombuffer(data[start : start + bytes_per_line * height], np.uint8)
    pixels = pixels.reshape(height, bytes_per_line)[:, : width * step].reshape(height, width, step)
    byte_order = int(header[7])  # 0: LSB first (B, G, R, x)
    return np.ascontiguousarray(
        pixels[:, :, :3] if byte_order == 0 else pixels[:, :, step - 1 : step - 4 : -1]
    )


def _lit(screen: np.ndarray) -> float:
    """The share of the screen that is not black (the root window is black under Xvfb)."""
    return float((screen.max(axis=2) > 16).mean())


@needs_x
@pytest.mark.model
@pytest.mark.skipif(not CLIP.is_file(), reason=f"sample clip {CLIP.name} not found")
@pytest.mark.skipif(
    not (MODEL_DIR and (Path(MODEL_DIR) / "pose_landmarker_full.task").is_file()),
    reason="needs FORMCHECK_MODEL_DIR with pose_landmarker_full.task",
)
def test_window_shows_the_overlay_snapshots_events_and_quits_on_q(display: str, tmp_path: Path) -> None:
    snaps = tmp_path / "snaps"
    out = tmp_path / "out.json"
    env = {**os.environ, "DISPLAY": display, "FORMCHECK_MODEL_DIR": MODEL_DIR}
    # Files, not pipes: Qt under Xvfb warns on every frame and would fill a pipe nobody reads.
    stdout_file, stderr_file = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with stdout_file.open("w") as so, stderr_file.open("w") as se:
        proc = subprocess.Popen(
            [sys.executable, "-m", "formcheck", "live", "-e", "squat", "--source", str(CLIP), "--no-voice",
             "--show-fps", "--snapshot-dir", str(snaps), "--json", str(out)],
            stdout=so, stderr=se, text=True, env=env,
        )  # fmt: skip
    try:
        # Grab the real screen just after the first rep is shown.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(snaps.glob("*rep*.png")):
            assert proc.poll() is None, stderr_file.read_text()[-2000:]
            time.sleep(0.1)
        # The snapshot is written by the loop; the window's first paint goes through the X
        # server and can lag behind it on a loaded machine: grab again until it shows (or 10 s).
        deadline = time.monotonic() + 10
        while True:
            screen = read_xwd(subprocess.run(["xwd", "-root", "-display", display], capture_output=True,
                                             check=True).stdout)  # fmt: skip
            if _lit(screen) > 0.2 or time.monotonic() > deadline or proc.poll() is not None:
                break
            time.sleep(0.2)
        # Wait for the second rep, then quit with q before the clip ends.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None and len(list(snaps.glob("*rep*.png"))) < 2:
            time.sleep(0.1)
        if proc.poll() is None:
            subprocess.run(["xdotool", "search", "--name", "formcheck", "key", "--window", "%1", "q"],
                           env=env, capture_output=True, check=False)  # fmt: skip
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    stdout, stderr = stdout_file.read_text(), stderr_file.read_text()
    assert proc.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    rep_shots = sorted(snaps.glob("*rep*.png"))
    assert rep_shots, stdout
    import cv2

    shot = cv2.imread(str(rep_shots[0]))
    # Not blank, and the overlay is on it: the exact displayed frame differs from the clip's
    # frame scaled the same way (skeleton, text panels) in a good share of pixels.
    assert shot is not None and shot.std() > 20
    # The real X screen shows the window: a large non-black area of the same picture.
    assert screen.shape[:2] == (800, 1280)
    lit = _lit(screen)
    assert lit > 0.2, f"only {lit:.0%} of the screen is lit"
    cv2.imwrite(str(tmp_path / "screen.png"), screen)
    saved = json.loads(out.read_text())
    assert saved["reps"]["total"] >= 1
    if os.environ.get("FORMCHECK_SAVE_LIVE_SCREENSHOT"):
        faults = sorted(snaps.glob("*fault*.png"))
        best = faults[0] if faults else rep_shots[0]
        cv2.imwrite(os.environ["FORMCHECK_SAVE_LIVE_SCREENSHOT"], cv2.imread(str(best)))
    print(stdout)


def test_closing_the_window_quits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A window closed with its title-bar button reports WND_PROP_VISIBLE < 1: that is a quit.

    (Xvfb has no window manager to click the button on, so cv2 is driven directly here.)
    """
    import cv2

    from formcheck.live import window as window_module

    calls: list[str] = []
    monkeypatch.setattr(cv2, "namedWindow", lambda *a: calls.append("named"))
    monkeypatch.setattr(cv2, "waitKeyEx", lambda ms: -1)
    visible = [1.0]
    monkeypatch.setattr(cv2, "getWindowProperty", lambda title, prop: visible[0])
    win = window_module.LiveWindow(title="t")
    assert win.poll() is None
    visible[0] = 0.0
    assert win.poll() is Command.QUIT
    visible[0] = 1.0
    monkeypatch.setattr(cv2, "waitKeyEx", lambda ms: ord(" "))
    assert win.poll() is Command.PAUSE


FAULT_CLIP = SAMPLES / "clips" / "squat--front-knees-cave-in.mp4"


@needs_x
@pytest.mark.model
@pytest.mark.skipif(not FAULT_CLIP.is_file(), reason=f"sample clip {FAULT_CLIP.name} not found")
@pytest.mark.skipif(
    not (MODEL_DIR and (Path(MODEL_DIR) / "pose_landmarker_full.task").is_file()),
    reason="needs FORMCHECK_MODEL_DIR with pose_landmarker_full.task",
)
def test_window_shows_a_fault_in_colour(display: str, tmp_path: Path) -> None:
    import cv2

    snaps = tmp_path / "snaps"
    out = tmp_path / "out.json"
    env = {**os.environ, "DISPLAY": display, "FORMCHECK_MODEL_DIR": MODEL_DIR}
    stderr_file = tmp_path / "stderr.txt"
    with stderr_file.open("w") as se:
        proc = subprocess.run(
            [sys.executable, "-m", "formcheck", "live", "-e", "squat", "--source", str(FAULT_CLIP),
             "--no-voice", "--snapshot-dir", str(snaps), "--json", str(out)],
            stdout=subprocess.DEVNULL, stderr=se, text=True, env=env, timeout=90, check=False,
        )  # fmt: skip
    stderr = stderr_file.read_text()
    assert proc.returncode == 0 and "Traceback" not in stderr, stderr[-2000:]
    saved = json.loads(out.read_text())
    fired = {f["id"] for f in saved["faults"]}
    assert fired & {"knee_valgus", "knees_cave_in"}, saved["faults"]
    shots = sorted(snaps.glob("*fault*.png"))
    assert shots, sorted(p.name for p in snaps.iterdir())
    shot = cv2.imread(str(shots[0]))
    assert shot is not None
    # The fault banner is drawn in a warning or stop colour (amber or red: high red channel,
    # low blue) across the top or the bottom of the frame, whichever is clear of the judged
    # joints (which fault is snapshotted first depends on the frames the live pace kept).
    band = int(shot.shape[0] * 0.1)
    warm_share = []
    for rows in (shot[:band], shot[-band:]):
        px = rows.reshape(-1, 3).astype(int)
        warm_share.append(float(((px[:, 2] > 150) & (px[:, 0] < 100)).mean()))
    assert max(warm_share) > 0.05, f"no warning colour in the top or bottom band ({warm_share})"
    if os.environ.get("FORMCHECK_SAVE_FAULT_SCREENSHOT"):
        cv2.imwrite(os.environ["FORMCHECK_SAVE_FAULT_SCREENSHOT"], shot)
