"""The sample suite's scoring: pure functions over small hand-made tables."""

from __future__ import annotations

import math

import pytest

from formcheck.suite.metrics import (
    FaultScore,
    hold_error,
    judge,
    relative_rep_error,
    reported_holds,
    score_faults,
    summarize,
)
from formcheck.suite.spec import ClipSpec, RepCount, Span, Tolerance


def spec(**kw: object) -> ClipSpec:
    base: dict[str, object] = dict(key="c", clip="c.mp4", track="t.track.npz", exercise="squat")
    base.update(kw)
    return ClipSpec(**base)  # type: ignore[arg-type]


def result(total=0, left=None, right=None, holds=(), faults=(), rep_events=()):  # type: ignore[no-untyped-def]
    return {
        "reps": {"total": total, "left": left, "right": right},
        "holds": [{"side": s, "start_s": a, "end_s": b, "seconds": b - a} for s, a, b in holds],
        "faults": [{"id": i, "side": None, "start_s": a, "end_s": b} for i, a, b in faults],
        "rep_events": list(rep_events),
    }


@pytest.mark.parametrize(
    ("expected", "got", "tol", "ok"),
    [
        (RepCount(5), 5, 0, True),
        (RepCount(5), 4, 0, False),
        (RepCount(5), 6, 1, True),
        (RepCount(5), 7, 1, False),
        (RepCount(0), 0, 0, True),
        (RepCount(0), 1, 0, False),
    ],
)
def test_rep_total_against_tolerance(expected: RepCount, got: int, tol: int, ok: bool) -> None:
    j = judge(spec(reps=expected, tolerance=Tolerance(reps=tol)), result(got), ())
    assert j.ok is ok
    assert j.rep_error == got - expected.total


def test_sides_compared_only_when_both_count_them() -> None:
    want = spec(reps=RepCount(6, left=3, right=3))
    assert judge(want, result(6, 3, 3), ()).ok
    assert not judge(want, result(6, 6, 0), ()).ok  # right total, wrong sides
    assert judge(want, result(6, None, None), ()).ok  # rule not one-sided: sides not compared
    assert judge(spec(reps=RepCount(6)), result(6, 6, 0), ()).ok  # label has no sides


def test_hold_seconds_per_side_and_wrong_side_counts() -> None:
    want = spec(holds=(Span("right", 4.0, 8.0), Span("left", 9.5, 14.0)))
    good = judge(want, result(holds=[("right", 4.2, 8.1), ("left", 9.0, 13.0)]), ())
    assert good.ok and good.hold_error_s == pytest.approx(0.5)
    one_side = spec(holds=(Span("right", 4.0, 8.0),))
    swapped = judge(one_side, result(holds=[("left", 4.0, 8.0)]), ())
    assert not swapped.ok and swapped.hold_error_s == pytest.approx(4.0)
    missing = judge(want, result(holds=[("right", 4.0, 8.0)]), ())
    assert not missing.ok and missing.hold_error_s == pytest.approx(4.5)


def test_hold_without_side_is_both_and_rep_peak_holds_are_the_fallback() -> None:
    assert reported_holds(result(holds=[(None, 1.0, 3.0), ("both", 5.0, 6.0)])) == {"both": 3.0}
    events = [{"side": None, "hold_s": 1.5}, {"side": None, "hold_s": None}, {"side": None, "hold_s": 1.0}]
    assert reported_holds(result(rep_events=events)) == {"both": 2.5}
    assert hold_error({}, {}) == 0.0


def test_not_a_hold_clip_has_no_hold_error() -> None:
    j = judge(spec(reps=RepCount(1)), result(1, holds=[("both", 0.0, 9.0)]), ())
    assert j.hold_error_s is None and j.ok


@pytest.mark.parametrize(
    ("labelled", "reported", "checked", "score"),
    [
        ([], [], {"knee_valgus"}, FaultScore(0, 0, 0, 0)),
        (
            [Span("knee_valgus", 0.5, 2.0)],
            [Span("knee_valgus", 1.0, 1.5)],
            {"knee_valgus"},
            FaultScore(1, 1, 1, 1),
        ),
        # same id, no overlap (beyond the 0.5 s slack): a miss and a false report
        (
            [Span("knee_valgus", 0.5, 2.0)],
            [Span("knee_valgus", 3.0, 4.0)],
            {"knee_valgus"},
            FaultScore(1, 0, 1, 0),
        ),
        # overlap within the slack counts
        (
            [Span("knee_valgus", 0.5, 2.0)],
            [Span("knee_valgus", 2.4, 3.0)],
            {"knee_valgus"},
            FaultScore(1, 1, 1, 1),
        ),
        # an id the labels never look for is not scored for precision
        ([], [Span("heels_lift", 0.0, 1.0)], {"knee_valgus"}, FaultScore(0, 0, 0, 0)),
        # a wrong id does not match
        (
            [Span("trunk_lean", 0.0, 1.0)],
            [Span("knee_valgus", 0.0, 1.0)],
            {"trunk_lean", "knee_valgus"},
            FaultScore(1, 0, 1, 0),
        ),
        # two reports of one labelled span: both correct, one found
        (
            [Span("trunk_lean", 0.0, 9.0)],
            [Span("trunk_lean", 1, 2), Span("trunk_lean", 5, 6)],
            {"trunk_lean"},
            FaultScore(1, 1, 2, 2),
        ),
    ],
)
def test_fault_matching(
    labelled: list[Span], reported: list[Span], checked: set[str], score: FaultScore
) -> None:
    assert score_faults(labelled, reported, checked) == score


def test_fault_mismatch_fails_only_when_strict() -> None:
    labelled = (Span("knee_valgus", 0.5, 2.0),)
    strict = judge(spec(reps=RepCount(1), faults=labelled), result(1), {"knee_valgus"})
    assert not strict.ok and "missed fault knee_valgus" in strict.problems
    lenient = spec(reps=RepCount(1), faults=labelled, tolerance=Tolerance(faults_strict=False, reason="x"))
    assert judge(lenient, result(1), {"knee_valgus"}).ok
    false_alarm = judge(spec(reps=RepCount(1)), result(1, faults=[("knee_valgus", 0, 1)]), {"knee_valgus"})
    assert not false_alarm.ok and false_alarm.fault_score.reported == 1


def test_relative_rep_error_with_nothing_expected() -> None:
    assert relative_rep_error(4, 3) == 0.25
    assert relative_rep_error(0, 0) == 0.0
    assert relative_rep_error(0, 2) == 2.0


def test_summary_table() -> None:
    rows = [
        (10, 10, None, FaultScore()),  # exact
        (4, 5, None, FaultScore(1, 1, 2, 1)),  # off by one
        (2, 0, 1.0, FaultScore(1, 0, 0, 0)),  # off by two, and a hold clip
        (None, 3, 2.5, FaultScore()),  # hold clip only
        (None, 0, 0.5, FaultScore()),
    ]
    m = summarize(rows)
    assert (m.clips, m.rep_clips, m.exact, m.obo) == (5, 3, 1, 2)
    assert m.mae == pytest.approx((0 + 0.25 + 1.0) / 3)
    assert (m.hold_clips, m.hold_ok) == (3, 2)
    assert m.hold_err_s == 1.0
    assert m.fault_precision == 0.5 and m.fault_recall == 0.5
    assert m.line() == (
        "clips=5 rep_clips=3 exact=1 obo=2 mae=0.417 hold_clips=3 hold_ok=2 hold_err_s=1.00 "
        "fault_precision=0.500 fault_recall=0.500"
    )


def test_summary_with_nothing_to_average() -> None:
    m = summarize([])
    assert m.clips == 0 and math.isnan(m.mae) and math.isnan(m.hold_err_s)
    assert m.line() == (
        "clips=0 rep_clips=0 exact=0 obo=0 mae=nan hold_clips=0 hold_ok=0 hold_err_s=nan "
        "fault_precision=nan fault_recall=nan"
    )


def test_fault_aliases_rename_reported_ids() -> None:
    labelled = (Span("knee_valgus", 0.5, 2.0),)
    got = result(1, faults=[("knees_cave_in", 1.0, 1.5)])
    assert not judge(spec(reps=RepCount(1), faults=labelled), got, {"knee_valgus"}).ok
    j = judge(spec(reps=RepCount(1), faults=labelled), got, {"knee_valgus"}, {"knees_cave_in": "knee_valgus"})
    assert j.ok and j.faults_got == ("knee_valgus",)
