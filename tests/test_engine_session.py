"""The session result: its JSON form (formcheck.session/1) and the round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine_support import KNEE_BEND, SIDE, bend, play, reps_keys, write_rule
from formcheck.engine import SessionResult
from formcheck.errors import InputError
from formcheck.rules import load_exercise


def test_json_form_and_round_trip(tmp_path: Path) -> None:
    ex = write_rule(tmp_path, "knee-bend", KNEE_BEND)
    keys = [(0.0, None), (0.5, None)] + [(t + 0.55, p) for t, p in reps_keys(SIDE, [70, 95])]
    run = play(ex, keys)
    d = run.result.to_dict()
    assert list(d) == [
        "format", "exercise", "exercise_name", "partial", "duration_s", "frames", "pose_coverage",
        "view", "dose", "reps", "rep_events", "holds", "faults", "notices",
    ]  # fmt: skip
    assert d["format"] == "formcheck.session/1"
    assert (d["exercise"], d["exercise_name"], d["partial"]) == ("knee-bend", "Knee bend", False)
    assert d["reps"] == {"total": 2, "left": None, "right": None, "good": 1, "faulty": 1}
    assert d["dose"] == {"reps": 10, "hold_s": None, "sets": None, "per_side": False}
    assert [r["faults"] for r in d["rep_events"]] == [[], ["too_deep"]]
    assert set(d["rep_events"][0]) >= {"t_s", "start_s", "end_s", "side", "peak", "faults", "good"}
    assert d["faults"][0]["id"] == "too_deep" and d["faults"][0]["severity"] == "warning"
    assert d["notices"][0]["kind"] == "no_person"
    assert d["frames"] == len(run.reports)
    text = json.dumps(d)
    back = SessionResult.from_dict(json.loads(text))
    assert back.to_dict() == d


def test_finish_can_be_called_twice_and_marks_partial(tmp_path: Path) -> None:
    from engine_support import SIZE, make_pose
    from formcheck.engine import ExerciseEngine
    from formcheck.pose import PoseFrame

    engine = ExerciseEngine(write_rule(tmp_path, "knee-bend", KNEE_BEND))
    pose = make_pose(bend(SIDE, 0))
    for i in range(10):
        engine.update(PoseFrame(i, i * 100, SIZE, (pose,)), pose)
    first = engine.finish(partial=True)
    assert first.partial and first.duration_s == pytest.approx(0.9)
    assert engine.finish().to_dict() == {**first.to_dict(), "partial": False}


def test_empty_session() -> None:
    from formcheck.engine import ExerciseEngine

    d = ExerciseEngine(load_exercise("squat", [])).finish().to_dict()
    assert (d["frames"], d["pose_coverage"], d["reps"]["total"], d["view"]["detected"]) == (0, 0.0, 0, None)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"format": "other/1"}, "not a formcheck.session/1 session result (format: 'other/1')"),
        ([], "not a formcheck.session/1 session result (format: 'list')"),
        (
            {"format": "formcheck.session/1"},
            "malformed formcheck.session/1 session result: KeyError: 'exercise'",
        ),
    ],
)
def test_from_dict_rejects_bad_documents(doc: object, message: str) -> None:
    with pytest.raises(InputError) as info:
        SessionResult.from_dict(doc)  # type: ignore[arg-type]
    assert info.value.message == message
