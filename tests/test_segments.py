"""Several exercises in a row (issue 18, segments): committed pose tracks joined one after the
other, rests between them, split into segments each analysed with its own rule (no pose model
needed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck import segmented
from formcheck.analysis import AnalysisSettings, Outputs
from formcheck.cli import main
from formcheck.engine import ExerciseEngine
from formcheck.people import PersonSelector
from formcheck.pipeline import run
from formcheck.pose import PoseFrame
from formcheck.recognition.choose import known_exercises
from formcheck.recognition.features import frame_features, stack_poses
from formcheck.recognition.recognise import NOT_SURE
from formcheck.recognition.rulefit import thin
from formcheck.recognition.segments import Segment, active_stretches, still_standing, viterbi
from formcheck.segmented import OneExercise, analyze_auto, frames_of, run_segments, split
from formcheck.track import PoseTrack

REPO = Path(__file__).resolve().parent.parent
TRACKS = REPO / "samples" / "tracks"
sys.path.insert(0, str(REPO / "samples" / "recognition"))
from dataset import joined  # noqa: E402


def frames(stem: str) -> list[PoseFrame]:
    return list(PoseTrack.load(TRACKS / f"{stem}.track.npz"))


def standing() -> PoseFrame:
    """Someone standing upright, still (the first frame of a front squat, before it starts)."""
    return frames("squat--front-good")[0]


def alone(stem: str) -> tuple[int, int]:
    """(reps, holds) of the track analysed by itself with its own rule."""
    rule = known_exercises()[stem.split("--")[0]]
    result = run(((None, f) for f in frames(stem)), ExerciseEngine(rule), selector=PersonSelector()).result
    return int(result.reps.get("total") or 0), len(result.holds)


def seen_span(stream: list[PoseFrame], span: tuple[float, float]) -> tuple[float, float]:
    ts = [f.t_ms / 1000 for f in stream if span[0] <= f.t_ms / 1000 <= span[1] and f.poses]
    return ts[0], ts[-1]


@pytest.mark.parametrize(
    ("stems", "rest_s", "rest"),
    [
        (("lunge--forward-home", "glute-bridge--home"), 5.0, "unseen"),
        (("squat--eti-front-gym-man", "glute-bridge--home", "lunge--forward-home"), 4.0, "unseen"),
        (("clamshell--band-studio", "step-up--bench-home", "wall-squat--wall-sit-studio"), 8.0, "unseen"),
        (("lunge--forward-home", "glute-bridge--home", "step-up--bench-home"), 7.0, "standing"),
    ],
)
def test_joined_tracks_split_into_their_exercises(stems: tuple[str, ...], rest_s: float, rest: str) -> None:
    stream, spans = joined([frames(s) for s in stems], [rest_s] * (len(stems) - 1),
                           filler=standing() if rest == "standing" else None)  # fmt: skip
    rules = known_exercises()
    segments = split(stream, "auto", rules)
    assert [s.exercise for s in segments] == [s.split("--")[0] for s in stems]
    runs = run_segments(stream, segments, rules)
    for stem, span, r in zip(stems, spans, runs, strict=True):
        start, end = seen_span(stream, span)
        assert abs(r.segment.start_s - start) <= 2.0 and abs(r.segment.end_s - end) <= 2.0, stem
        assert r.result is not None
        assert (int(r.result.reps.get("total") or 0), len(r.result.holds)) == alone(stem), stem


@pytest.mark.parametrize(
    "stem",
    ["lunge--forward-home", "glute-bridge--home", "squat--front-20-reps-counter",
     "wall-squat--wall-sit-studio", "step-up--pwa-renforcement-liveleantv-bench",
     "squat--eti-front-crossfit-slow"],
)  # fmt: skip
def test_one_exercise_is_one_segment_and_analysed_as_before(
    stem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    segments = split(frames(stem), "auto", known_exercises())
    assert [s.exercise for s in segments] == [stem.split("--")[0]]
    path = TRACKS / f"{stem}.track.npz"
    judged: list[int] = []
    real_judge = segmented.judge_parts
    monkeypatch.setattr(segmented, "judge_parts", lambda p, **kw: judged.append(1) or real_judge(p, **kw))
    auto = analyze_auto(path, outputs=Outputs(json=tmp_path / "r.json"), settings=AnalysisSettings())
    assert isinstance(auto, OneExercise)
    assert not judged  # one part: recognised once, by the caller that chooses its rule, not here too
    assert auto.track is not None and len(auto.track) == len(PoseTrack.load(path))  # its poses, passed on
    assert not (tmp_path / "r.json").exists()  # left to the one-exercise path


def _features(stream: list[PoseFrame]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    selector = PersonSelector()
    fr, poses = thin(stream, [selector.select(f) for f in stream], max_frames=None)
    t, px, world = stack_poses(fr, poses)
    return t, frame_features(px, world), np.array([p is not None for p in poses])


@pytest.mark.parametrize(
    ("stem", "still_share"),
    [
        ("wall-squat--wall-sit-studio", (0.0, 0.5)),  # a wall sit holds still, knees bent: no rest
        ("glute-bridge--home", (0.0, 0.0)),  # lying
        ("lunge--forward-home", (0.0, 0.2)),  # stands between lunges, but briefly
        ("calf-raise--home", (0.0, 0.5)),  # upright, but the heels lift
    ],
)
def test_still_standing_is_a_neutral_stance_not_a_hold(stem: str, still_share: tuple[float, float]) -> None:
    t, feats, seen = _features(frames(stem))
    share = float(still_standing(t, feats).mean())
    assert still_share[0] <= share <= still_share[1]
    assert len(active_stretches(t, feats, seen)) == 1  # never cut by a rest


@pytest.mark.parametrize(
    ("rest_s", "rest", "stretches"),
    [
        (1.0, "unseen", 1),  # a tracker's dropout: not a rest
        (4.0, "unseen", 2),
        (3.5, "standing", 1),  # a pause at the start position: not a rest
        (6.0, "standing", 2),
    ],
)
def test_rests_need_their_length(rest_s: float, rest: str, stretches: int) -> None:
    stream, _ = joined([frames("glute-bridge--home"), frames("lunge--forward-home")], [rest_s],
                       filler=standing() if rest == "standing" else None)  # fmt: skip
    assert len(active_stretches(*_features(stream))) == stretches


@pytest.mark.parametrize(
    ("rows", "penalty", "labels"),
    [
        ([[0, -5]] * 4 + [[-5, 0]] * 4, 3.0, [0] * 4 + [1] * 4),  # a clear change pays its cost
        ([[0, -5]] * 4 + [[-5, 0]] + [[0, -5]] * 3, 6.0, [0] * 8),  # one odd window does not
        ([[0, -1]] * 3 + [[np.nan, np.nan]] * 2 + [[0, -1]] * 3, 1.0, [0] * 8),  # nothing seen: no say
        ([[-5, 0]] * 2 + [[0, -5]] * 6, 20.0, [0] * 8),  # too short a part to pay a high cost
    ],
)
def test_viterbi_switches_only_when_worth_it(
    rows: list[list[float]], penalty: float, labels: list[int]
) -> None:
    assert viterbi(np.array(rows, dtype=float), penalty).tolist() == labels


def test_a_short_or_unclear_segment_is_not_sure_and_counts_nothing() -> None:
    bit = [f for f in frames("lunge--forward-home") if f.t_ms < 2000]  # 2 s: less than recognition needs
    stream, _ = joined([frames("glute-bridge--home"), bit, frames("step-up--bench-home")], [5.0, 5.0])
    rules = known_exercises()
    segments = split(stream, "auto", rules)
    assert [s.exercise for s in segments] == ["glute-bridge", None, "step-up"]
    runs = run_segments(stream, segments, rules)
    assert runs[1].result is None
    assert runs[1].to_dict()["exercise"] is None and "reps" not in runs[1].to_dict()


def test_segment_frames_are_taken_at_the_input_rate() -> None:
    stream = frames("lunge--forward-home")
    seg = Segment(2.0, 4.0, NOT_SURE)
    inside = frames_of(stream, seg)
    assert inside[0].t_ms <= 2000 and inside[-1].t_ms >= 4000
    assert len(inside) > 55  # 30 fps, not the recogniser's 15


def _joined_track(tmp_path: Path) -> tuple[Path, list[str]]:
    stems = ["lunge--forward-home", "glute-bridge--home", "calf-raise--home"]  # same camera and size
    tracks = [PoseTrack.load(TRACKS / f"{s}.track.npz") for s in stems]
    stream, _ = joined([list(t) for t in tracks], [5.0, 6.0])
    path = PoseTrack.from_frames(stream, tracks[0].meta).save(tmp_path / "three.track.npz")
    return path, [s.split("--")[0] for s in stems]


def test_cli_writes_one_result_per_segment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, ids = _joined_track(tmp_path)
    out, report = tmp_path / "r.json", tmp_path / "r.html"
    assert main(["analyze", str(path), "-e", "auto", "--json", str(out), "--report", str(report), "--csv",
                 str(tmp_path / "r.csv")]) == 0  # fmt: skip
    data = json.loads(out.read_text())
    assert data["format"] == "formcheck.segments/1" and "reps" not in data
    assert [s["exercise"] for s in data["segments"]] == ids
    for s in data["segments"]:
        assert s["format"] == "formcheck.session/1"
        assert s["start_s"] < s["end_s"] and s["recognition"]["id"] == s["exercise"]
        assert all(s["start_s"] - 0.1 <= r["t_s"] <= s["end_s"] + 0.1 for r in s["rep_events"])
    printed = capsys.readouterr().out
    assert "3 segments" in printed and "segment 2" in printed and "Glute bridge" in printed
    page = report.read_text()
    for k in (1, 2, 3):
        assert f'href="r.seg{k}.html"' in page
        assert (tmp_path / f"r.seg{k}.html").is_file() and (tmp_path / f"r.seg{k}.csv").is_file()


def _page_texts(pdf: Path) -> list[str]:
    """The text of each page of ``pdf`` (poppler's pdftotext; a form feed ends each page)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


@pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("pdftotext")),
    reason="needs chromium and poppler-utils",
)
def test_a_pdf_report_binds_the_segment_list_and_each_segments_report(tmp_path: Path) -> None:
    path, _ids = _joined_track(tmp_path)
    pdf = tmp_path / "r.pdf"
    assert main(["analyze", str(path), "-e", "auto", "-q", "--report", str(pdf), "--patient", "Ann Lee"]) == 0
    pages = _page_texts(pdf)
    assert "3 segments" in pages[0] and "Ann Lee" in pages[0]
    # Each segment's report starts a page of its own, in the input's order, for the same patient.
    starts = [next((i for i, text in enumerate(pages) if text.lstrip().startswith(name)), None)
              for name in ("Lunge", "Glute bridge", "Calf raise")]  # fmt: skip
    assert None not in starts and starts == sorted(starts) and starts[0] > 0, starts
    assert all("Ann Lee" in pages[i] for i in starts if i is not None)
    # One document: no page per segment beside it, but each segment's rep table.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("r.")) == [
        "r.pdf", "r.seg1.reps.csv", "r.seg2.reps.csv", "r.seg3.reps.csv"
    ]  # fmt: skip


def test_a_pdf_report_of_segments_without_a_browser_is_refused_before_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ids = _joined_track(tmp_path)
    monkeypatch.setenv("FORMCHECK_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert main(["analyze", str(path), "-e", "auto", "-q", "--report", str(tmp_path / "r.pdf"),
                 "--json", str(tmp_path / "r.json")]) == 2  # fmt: skip
    assert "a PDF report needs Chromium" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_each_segments_report_shows_its_exercise_trend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ids = _joined_track(tmp_path)
    db = tmp_path / "history.db"
    auto = ["analyze", str(path), "-e", "auto", "-q", "--history", str(db)]
    assert main([*auto, "--save"]) == 0
    report = tmp_path / "r.html"
    assert main([*auto, "--report", str(report)]) == 0
    capsys.readouterr()
    for k, words in ((1, "knee bend"), (2, "hip bend"), (3, "heel lift")):
        page = (tmp_path / f"r.seg{k}.html").read_text()
        # the one stored session and this one, of this segment's exercise (its own measure)
        assert re.search(rf"Over 2 sessions since [0-9-]+: {words} ", page), k
    assert "Over 2 sessions" not in report.read_text()  # the list of segments has no trend of its own


def test_cli_on_one_exercise_keeps_todays_json(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert (
        main(["analyze", str(TRACKS / "lunge--forward-home.track.npz"), "-e", "auto", "--json", str(out)])
        == 0
    )
    data = json.loads(out.read_text())
    assert "segments" not in data and data["exercise"] == "lunge" and data["recognition"]["id"] == "lunge"


def test_save_stores_one_session_with_a_set_per_segment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids = _joined_track(tmp_path)
    db = tmp_path / "history.db"
    assert main(["analyze", str(path), "-e", "auto", "--save", "--history", str(db)]) == 0
    capsys.readouterr()
    assert main(["history", "--history", str(db), "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["kind"] == "analyze" and sorted(listed["exercises"]) == sorted(ids)
