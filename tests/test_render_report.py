"""The HTML report: one offline file with the summary, reps, charts and fault explanations."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from formcheck.pipeline import Step
from formcheck.pose import PoseFrame
from formcheck.render.charts import MAX_POINTS, decimate
from formcheck.render.report import HtmlReportSink
from formcheck.sources.base import Frame
from render_support import ActiveFault, Event, FakeResult, Notice, report, squat_exercise

FPS = 30


def squat_session(reps: int, *, images: bool, fault_on_rep: int | None = None) -> list[Step]:
    """Squats of 2 s each: knee flexion 10° → 90° → 10°, a rep event back at rest."""
    steps = []
    total = 0
    for i in range(reps * 2 * FPS + FPS):
        t_ms = round(i * 1000 / FPS)
        cycle = (i % (2 * FPS)) / (2 * FPS)
        in_reps = i < reps * 2 * FPS
        knee = 10 + 80 * math.sin(math.pi * cycle) if in_reps else 10.0
        phase = "moving" if in_reps and 0.05 < cycle < 0.95 else "rest"
        events: list[Event] = []
        if in_reps and i % (2 * FPS) == 2 * FPS - 1:
            total += 1
            events.append(Event("rep", t_ms / 1000, None, {"count": total}))
            phase = "rest"
        faults = []
        rep_no = i // (2 * FPS) + 1
        if fault_on_rep == rep_no and phase == "moving" and knee > 60:
            faults = [ActiveFault("knee_valgus", None, "warning", "knees cave in", "Push your knees out")]
        r = report(
            t_ms=t_ms,
            measures={"knee_flexion": knee, "trunk_lean": 12.0},
            phase=phase,
            reps={"total": total, "left": None, "right": None, "good": total, "faulty": 0},
            faults=faults,
            events=events,
        )
        frame = None
        if images:
            image = np.full((360, 640, 3), int(knee), np.uint8)  # brightness = knee angle
            frame = Frame(i, t_ms, image)
        steps.append(Step(frame, PoseFrame(i, t_ms, (640, 360), ()), r))
    return steps


def result_for(steps: list[Step], **extra: Any) -> FakeResult:
    last = steps[-1].report if steps else None
    data = {
        "exercise": "squat",
        "partial": False,
        "pose_coverage": 1.0,
        "reps": dict(last.reps) if last else {"total": 0},
        "holds": [],
        "faults": [],
        "notices": [],
        "view": {"required": "side", "detected": "side", "suited": True},
    }
    data.update(extra)
    return FakeResult(data)


def render(tmp_path: Path, steps: list[Step], result: FakeResult, **kw: Any) -> str:
    out = tmp_path / "report.html"
    sink = HtmlReportSink(out, squat_exercise(), source_name="squat.mp4")
    for step in steps:
        sink.write(step)
    sink.finish(result)
    sink.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["report.html", "report.reps.csv"], "the report, its rep table, no temporary files"
    return out.read_text(encoding="utf-8")


def test_report_is_self_contained(tmp_path: Path) -> None:
    steps = squat_session(3, images=True)
    html = render(tmp_path, steps, result_for(steps))
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html), "no external resources"
    assert "url(" not in html
    assert "@media print" in html


def test_rep_table_has_one_thumbnail_per_rep_at_its_peak(tmp_path: Path) -> None:
    import base64

    import cv2

    steps = squat_session(3, images=True)
    html = render(tmp_path, steps, result_for(steps))
    table = html.split('<table class="reps">')[1].split("</table>")[0]
    assert table.count("<tr>") == 4  # header + 3 reps
    thumbs = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', table)
    assert len(thumbs) == 3
    for b64 in thumbs:
        image = cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_COLOR)
        assert image.shape[0] <= 160
        assert image.mean() == pytest.approx(90, abs=3), "the frame kept is the one at the deepest point"
    assert table.count("90°") == 3


def test_replayed_track_omits_thumbnails(tmp_path: Path) -> None:
    steps = squat_session(2, images=False)
    html = render(tmp_path, steps, result_for(steps))
    assert "data:image" not in html
    assert "<th>Picture</th>" not in html
    assert "no pictures" in html


def test_charts_draw_measures_thresholds_and_rep_marks(tmp_path: Path) -> None:
    steps = squat_session(2, images=False)
    html = render(tmp_path, steps, result_for(steps))
    assert html.count('<svg class="chart"') == 2  # knee flexion and trunk lean
    knee_chart = html.split('<svg class="chart"')[1]
    assert "rep starts 20°" in knee_chart and "rep counts 80°" in knee_chart
    assert "knee valgus 100°" in knee_chart
    assert knee_chart.count('class="rep"') == 2


def test_fault_is_explained_in_plain_words(tmp_path: Path) -> None:
    steps = squat_session(2, images=False, fault_on_rep=2)
    fault = {"id": "knee_valgus", "side": None, "start_s": 2.5, "end_s": 3.4, "message": "knees cave in"}
    html = render(tmp_path, steps, result_for(steps, faults=[fault]))
    assert "Form faults" in html
    assert "kneecap is pulled sideways" in html
    assert "Push your knees out" in html
    # The fault's span is shaded on the chart of the measure it reads.
    assert "<title>knees cave in</title>" in html


@pytest.mark.parametrize(
    ("coverage", "phase", "expected"),
    [
        (0.0, "unknown", "Nobody was seen in this video"),
        (1.0, "waiting", "never reached the start position"),
        # what was wrong, in numbers: the knee never bent far enough to count
        (1.0, "rest", "The knee bend reached only 5°; a rep counts once it passes 80°"),
    ],
)
def test_a_run_without_reps_says_why_at_the_top(
    tmp_path: Path, coverage: float, phase: str, expected: str
) -> None:
    steps = []
    for i in range(60):
        r = report(
            t_ms=i * 33,
            pose=None if coverage == 0 else report().pose,
            phase=phase,
            reps={"total": 0, "left": None, "right": None, "good": 0, "faulty": 0},
            measures={"knee_flexion": None if coverage == 0 else 5.0, "trunk_lean": None},
            notices=[Notice("no_person", "step into view")] if coverage == 0 else [],
        )
        steps.append(Step(None, PoseFrame(i, i * 33, (640, 360), ()), r))
    html = render(tmp_path, steps, result_for(steps, pose_coverage=coverage))
    main = html.split("<main>")[1]
    assert main.index(expected) < main.index('class="cards"'), "the explanation comes before the numbers"


def test_partial_and_wrong_view_are_flagged(tmp_path: Path) -> None:
    steps = squat_session(1, images=False)
    view = {"required": "side", "detected": "front", "suited": False}
    html = render(tmp_path, steps, result_for(steps, partial=True, view=view))
    assert "Partial result" in html
    assert "seen mostly from the front" in html


def test_no_frames_at_all(tmp_path: Path) -> None:
    html = render(tmp_path, [], FakeResult({}))
    assert "Nothing was analysed" in html


def test_long_series_are_decimated_keeping_the_peaks() -> None:
    t = np.arange(100_000) / 30
    v = np.sin(t) * 50
    v[54_321] = 400.0
    tt, vv = decimate(t, v)
    assert len(tt) <= MAX_POINTS + 2
    assert vv.max() == 400.0 and np.all(np.diff(tt) >= 0)
