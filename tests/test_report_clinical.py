"""The report's clinical parts, end to end from synthetic poses through the real engine and
rules: range of motion per side, tempo, the rep table CSV, patient fields, threshold labels
that neither collide nor call a gate a fault, a headline that says what was wrong, and the PDF."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.engine import ExerciseEngine
from formcheck.pipeline import run
from formcheck.pose import Pose
from formcheck.render.charts import LABEL_CHAR_PX, LABEL_HEIGHT_PX
from formcheck.render.report import HtmlReportSink, ReportDetails
from formcheck.rules import Exercise, load_exercise
from formcheck.synthetic import frames_from_motion, make_pose
from formcheck.track import PoseTrack
from test_clinical import PERIOD, squats

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFINFO = shutil.which("pdfinfo")


def report_of(
    tmp_path: Path, exercise: Exercise, motion: Callable[[float], Pose], duration_s: float, **kw: object
) -> Path:
    out = tmp_path / "report.html"
    sink = HtmlReportSink(out, exercise, source_name="synthetic", **kw)  # type: ignore[arg-type]
    frames = frames_from_motion(motion, duration_s, fps=30)
    run(((None, pf) for pf in frames), ExerciseEngine(exercise), sinks=[sink])
    return out


def test_squat_report_gives_range_of_motion_per_side_and_tempo(tmp_path: Path) -> None:
    out = report_of(tmp_path, load_exercise("squat"), squats(100, 80), 3 * PERIOD + 1)
    html = out.read_text()
    rom = html.split("<h2>Range of motion</h2>")[1].split("</table>")[0]
    knee = rom.split("Knee bend")[1].split("Trunk lean")[0]
    # left 100°, right 80°: medians of 3 reps each, 20% of the better (left) side
    assert re.search(r"<td>left</td><td class=\"num\">3</td>.*?<b>100°</b>", knee)
    assert re.search(r"<td>right</td><td class=\"num\">3</td>.*?<b>80°</b>", knee)
    assert '<span class="bad">20%</span>, right lower' in knee
    reps = html.split("<h2>Reps</h2>")[1].split("</table>")[0]
    assert reps.count("100° · 80°") == 3
    assert "Median tempo:" in html


def test_rep_table_csv_beside_the_report(tmp_path: Path) -> None:
    out = report_of(tmp_path, load_exercise("squat"), squats(100, 80), 3 * PERIOD + 1)
    rows = list(csv.DictReader((tmp_path / "report.reps.csv").open()))
    assert out.exists() and len(rows) == 3
    for row in rows:
        assert float(row["knee_flexion_left"]) == pytest.approx(100, abs=0.5)
        assert float(row["knee_flexion_right"]) == pytest.approx(80, abs=0.5)
        down, held, up = (float(row[k]) for k in ("down_s", "held_s", "up_s"))
        assert down + held + up == pytest.approx(float(row["duration_s"]), abs=0.01)
        assert row["good"] == "no" and row["faults"] == "not_deep_enough"  # 80° on the side it reads


def test_patient_clinician_and_note_are_printed_escaped(tmp_path: Path) -> None:
    details = ReportDetails("Ann <Smith>", "Dr Lee", "Week 3.\nPain 2/10 & improving")
    out = report_of(tmp_path, load_exercise("squat"), squats(95, 95, reps=1), PERIOD, details=details)
    html = out.read_text()
    assert "Ann &lt;Smith&gt;" in html and "Dr Lee" in html
    assert "<p>Week 3.</p><p>Pain 2/10 &amp; improving</p>" in html


def test_threshold_labels_do_not_collide_and_gates_are_not_faults(tmp_path: Path) -> None:
    """Squat knee chart: rest 35, peak 45 and the knee check's 55° gate, 10° apart."""
    html = report_of(tmp_path, load_exercise("squat"), squats(100, 100, reps=1), PERIOD).read_text()
    knee = html.split('<svg class="chart"')[1].split("</svg>")[0]
    labels = re.findall(
        r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="end" class="thlabel[^"]*"[^>]*>([^<]+)<', knee
    )
    texts = [t for _, _, t in labels]
    assert "knees cave in: judged from 55°" in texts  # a gate, not "knees cave in 55°"
    assert "knees cave in 55°" not in texts
    boxes = [(float(x) - LABEL_CHAR_PX * len(t), float(x), float(y)) for x, y, t in labels]
    for i, (l1, r1, y1) in enumerate(boxes):
        for l2, r2, y2 in boxes[i + 1 :]:
            assert abs(y1 - y2) >= LABEL_HEIGHT_PX or r1 <= l2 or r2 <= l1, (texts, boxes)


def test_wall_sit_done_too_deep_says_so_in_the_headline(tmp_path: Path) -> None:
    """Side-on: stands 1 s, slides down to a 95° knee bend and stays there (the rule wants 45°,
    then back up): no rep, and the report says the knees were past the too-deep limit."""

    def motion(t: float) -> Pose:
        return make_pose(
            yaw_deg=90,
            knee_flexion=10 + 85 * min(1.0, max(0.0, t - 1)),
            hip_flexion=80 * min(1, max(0, t - 1)),
        )

    html = report_of(tmp_path, load_exercise("wall-squat"), motion, 10).read_text()
    alert = html.split('<div class="alert alert-bad">')[1].split("</div>")[0]
    headline = alert.split("<b>")[1].split("</b>")[0]
    assert "past the rule's “too deep” limit of 55°" in headline
    assert "Too deep - stop at a 45° knee bend" in headline


def test_hold_too_short_is_explained(tmp_path: Path) -> None:
    """A wall squat whose holds at the bottom last 2 s of the 5 asked: the built-in fault has an
    explanation like the rule's own faults."""

    def motion(t: float) -> Pose:
        k = t % 6.0
        f = 0.0 if k < 1 else min(1.0, k - 1) if k < 2 else 1.0 if k < 4 else max(0.0, 1 - (k - 4))
        return make_pose(yaw_deg=90, knee_flexion=10 + 35 * f)

    html = report_of(tmp_path, load_exercise("wall-squat"), motion, 12.5).read_text()
    notes = html.split("<h2>Form faults</h2>")[1]
    assert "Hold the position for 5 s" in notes and "pause at the end of each rep" in notes
    assert "What to do: <b>hold it</b>" in notes


def test_patient_fields_need_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    track = Path(__file__).parent.parent / "samples" / "tracks" / "squat--front-good.track.npz"
    assert main(["analyze", str(track), "-e", "squat", "-q", "--patient", "Ann"]) == 2
    assert "formcheck: error: --patient, --clinician and --note go on the report" in capsys.readouterr().err


@pytest.mark.skipif(CHROMIUM is None or PDFINFO is None, reason="needs chromium and pdfinfo (poppler-utils)")
def test_pdf_report_of_a_squat_session_is_two_a4_pages(tmp_path: Path) -> None:
    track = Path(__file__).parent.parent / "samples" / "tracks" / "squat--front-20-reps-counter.track.npz"
    pdf = tmp_path / "squat.pdf"
    args = ["analyze", str(track), "-e", "squat", "-q", "--report", str(pdf), "--patient", "Ann"]
    assert main(args) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run([PDFINFO, str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+2\b", info), info
    assert re.search(r"Page size:.*\(A4\)", info), info
    assert (tmp_path / "squat.reps.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["squat.pdf", "squat.reps.csv"]


def test_pdf_without_a_browser_is_refused_before_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FORMCHECK_CHROMIUM", str(tmp_path / "no-such-browser"))
    track = Path(__file__).parent.parent / "samples" / "tracks" / "squat--front-good.track.npz"
    assert main(["analyze", str(track), "-e", "squat", "-q", "--report", str(tmp_path / "x.pdf")]) == 2
    assert "a PDF report needs Chromium" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert PoseTrack.load(track)  # the input was fine: only the printer was missing
