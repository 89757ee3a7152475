"""`formcheck analyze` end to end on a real sample clip: the JSON and CSV agree with the sample
suite's expectations, the MP4 is browser-playable H.264 with every frame, the HTML report
renders in headless Chromium without network or console errors."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml

from formcheck.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CLIP = "squat--front-good.mp4"


def _expected(clip: str) -> dict:
    spec = yaml.safe_load((SAMPLES / "expected.yaml").read_text())
    return next(e for e in spec["clips"] if e["clip"] == clip and not e.get("synthetic"))


@pytest.mark.model
def test_analyze_a_sample_clip_end_to_end(
    tmp_path: Path, model_dir: Path, shared_clip, monkeypatch: pytest.MonkeyPatch
) -> None:
    import av

    clip = shared_clip(CLIP)
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(model_dir))
    out = {k: tmp_path / f"out.{k}" for k in ("json", "csv", "mp4", "html")}
    outputs = ["--json", str(out["json"]), "--csv", str(out["csv"])]
    outputs += ["--video", str(out["mp4"]), "--report", str(out["html"])]
    rc = main(["analyze", str(clip), "-e", "squat", "-q", *outputs])
    assert rc == 0

    expected = _expected(CLIP)
    result = json.loads(out["json"].read_text())
    assert result["exercise"] == "squat" and result["partial"] is False
    assert abs(result["reps"]["total"] - expected["reps"]["total"]) <= expected["tolerance"]["reps"]
    assert result["pose_coverage"] > 0.9

    with av.open(str(clip)) as container:
        source_frames = sum(1 for _ in container.decode(video=0))
    rows = list(csv.DictReader(out["csv"].open()))
    assert len(rows) == source_frames == result["frames"]
    assert {"t_s", "phase", "reps_total"} <= set(rows[0])
    assert int(rows[-1]["reps_total"]) == result["reps"]["total"]
    rep_rows = [r for r in rows if "rep" in r["events"].split(";")[0:1] or r["events"].startswith("rep")]
    assert len(rep_rows) == result["reps"]["total"]

    with av.open(str(out["mp4"])) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        frames = sum(1 for _ in container.decode(stream))
        duration = float(container.duration or 0) / 1e6
    assert frames == source_frames
    assert abs(duration - result["duration_s"]) < 0.2

    html = out["html"].read_text()
    assert "<svg" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(""", html), "the report loads something"
    from test_report_browser import CHROMIUM, chromium

    if CHROMIUM is None:
        pytest.skip("chromium not installed: the report was written but not rendered")
    dom = chromium(tmp_path, "--dump-dom", out["html"].as_uri())
    assert dom.returncode == 0
    assert "<polyline" in dom.stdout and dom.stdout.count("<tr") >= 1 + result["reps"]["total"]
    assert "Uncaught" not in dom.stderr and "net::ERR" not in dom.stderr
    assert "CONSOLE" not in dom.stderr and "Failed to load resource" not in dom.stderr
    shot = tmp_path / "report.png"
    res = chromium(tmp_path, "--window-size=1000,1400", f"--screenshot={shot}", out["html"].as_uri())
    assert res.returncode == 0 and shot.is_file()
    import cv2

    image = cv2.imread(str(shot))
    assert image is not None and image.std() > 20  # rendered content, not a blank page
