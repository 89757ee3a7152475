"""Rep counting, as sequence tables: key-framed motions in, counts and events out."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_support import KNEE_BEND, SIDE, Posture, bend, play, reps_keys, write_rule
from formcheck.rules import Exercise


@pytest.fixture
def knee_bend(tmp_path: Path) -> Exercise:
    return write_rule(tmp_path, "knee-bend", KNEE_BEND)


@pytest.mark.parametrize(
    ("name", "depths", "expected"),
    [
        ("three full reps", [70, 70, 70], 3),
        ("shallow dips never reach the peak", [40, 45, 48], 0),
        ("one shallow among full", [70, 40, 70], 2),
        ("deep reps count too", [95, 60], 2),
    ],
)
def test_rep_table(knee_bend: Exercise, name: str, depths: list[float], expected: int) -> None:
    run = play(knee_bend, reps_keys(SIDE, depths))
    assert run.result.reps["total"] == expected, name
    assert len(run.events("rep")) == expected


def test_rep_time_is_the_peak_and_spans_the_motion(knee_bend: Exercise) -> None:
    run = play(knee_bend, reps_keys(SIDE, [70, 70], start=1.0, down=0.8, up=0.8, pause=0.6))
    ev = run.result.rep_events
    assert [round(e.t_s, 1) for e in ev] == [1.8, 4.0]
    for e in ev:
        assert e.start_s < e.t_s < e.end_s
        assert e.peak["knee_flexion"] == pytest.approx(70, abs=6)  # smoothing rounds the tip
        assert e.side is None and e.good


def test_getting_into_position_is_not_a_rep(knee_bend: Exercise) -> None:
    # starts crouched (not the ready position), stands up, then does one rep
    keys = [(0.0, bend(SIDE, 70)), (1.0, bend(SIDE, 70)), (1.8, bend(SIDE, 0))]
    keys += [(t + 1.8, p) for t, p in reps_keys(SIDE, [70], start=1.0)]
    run = play(knee_bend, keys)
    assert run.result.reps["total"] == 1
    assert run.phases()[0] == "waiting"
    assert "rest" in run.phases()


def test_a_session_that_never_started_counting_says_why(knee_bend: Exercise) -> None:
    # pulses between 50° and 70° of knee bend, never standing up: no rep, and the summary says
    # counting waits for the start position; a session that counted gets no such notice
    pulses = [(t * 0.5, bend(SIDE, 50 if t % 2 else 70)) for t in range(20)]
    summary = {n.kind: n.message for n in play(knee_bend, pulses).result.notices}
    assert summary["not_started"] == (
        "no rep counted: counting starts once you hold the start position (Get into the start position)"
    )
    counted = play(knee_bend, reps_keys(SIDE, [70, 70]))
    assert counted.result.reps["total"] == 2
    assert "not_started" not in {n.kind for n in counted.result.notices}


def test_ready_needs_to_be_held(knee_bend: Exercise) -> None:
    # only 0.2 s standing before the first rep: not ready yet, so that rep does not count
    run = play(knee_bend, reps_keys(SIDE, [70, 70], start=0.2))
    assert run.result.reps["total"] == 1


def test_too_fast_rep_not_counted(knee_bend: Exercise) -> None:
    run = play(knee_bend, reps_keys(SIDE, [70, 70], down=0.2, up=0.2))  # 0.4 s < min 0.6 s
    assert run.result.reps["total"] == 0


def test_jitter_at_the_peak_counts_once(knee_bend: Exercise) -> None:
    keys = [(0.0, bend(SIDE, 0)), (1.0, bend(SIDE, 0)), (1.6, bend(SIDE, 52))]
    t = 1.6
    for _ in range(6):  # wobble across the peak level (50) and back
        keys += [(t + 0.15, bend(SIDE, 45)), (t + 0.3, bend(SIDE, 55))]
        t += 0.3
    keys += [(t + 0.8, bend(SIDE, 0)), (t + 1.5, bend(SIDE, 0))]
    run = play(knee_bend, keys)
    assert run.result.reps["total"] == 1


def test_lost_mid_rep_abandons_the_rep(knee_bend: Exercise) -> None:
    keys = [(0.0, bend(SIDE, 0)), (1.0, bend(SIDE, 0)), (1.8, bend(SIDE, 70)), (1.85, None), (3.0, None)]
    keys += [(3.05, bend(SIDE, 0)), (4.5, bend(SIDE, 0))]
    run = play(knee_bend, keys)
    assert run.result.reps["total"] == 0
    after = [r.phase for r in run.reports if r.t_ms > 3000]
    assert after[0] == "waiting" and after[-1] == "rest"  # ready needed again after the loss


def test_short_dropout_within_grace_keeps_the_rep(knee_bend: Exercise) -> None:
    keys = [(0.0, bend(SIDE, 0)), (1.0, bend(SIDE, 0)), (1.8, bend(SIDE, 70)), (1.85, None), (2.05, None)]
    keys += [(2.1, bend(SIDE, 65)), (2.8, bend(SIDE, 0)), (3.5, bend(SIDE, 0))]
    run = play(knee_bend, keys)
    assert run.result.reps["total"] == 1


def test_hidden_joint_counts_nothing(knee_bend: Exercise) -> None:
    hidden = frozenset({"left_ankle", "right_ankle"})
    keys = [
        (t, Posture(yaw=p.yaw, knee_flexion=p.knee_flexion, hidden=hidden))
        for t, p in reps_keys(SIDE, [70, 70])
    ]  # type: ignore[union-attr]
    run = play(knee_bend, keys)
    assert run.result.reps["total"] == 0
    # in the picture but not seen (behind something): turning helps, stepping back would not;
    # the rule reads the nearer (left) leg, so that is the foot it asks for
    assert "the camera cannot see your left foot: turn so nothing hides it" in run.notices()
    assert set(run.phases()) <= {"waiting", "unknown"}


@pytest.mark.parametrize(
    ("hidden", "rise", "message"),
    [
        ({"left_ankle"}, 0.0, "the camera cannot see your left foot: turn so nothing hides it"),
        (
            {"left_knee", "left_ankle", "right_ankle"},
            0.0,
            "the camera cannot see your left foot and knee: turn so nothing hides it",
        ),
        (set(), -0.8, "step back so your feet are in view"),  # the feet below the picture's bottom edge
    ],
)
def test_the_unseen_joint_notice_says_whether_to_turn_or_step_back(
    knee_bend: Exercise, hidden: set[str], rise: float, message: str
) -> None:
    posture = Posture(yaw=SIDE.yaw, hidden=frozenset(hidden), rise=rise).both(knee_flexion=0.0)
    run = play(knee_bend, [(0.0, posture), (1.0, posture)])
    assert run.notices() == {message}


def test_clip_ending_on_the_way_up_counts_that_rep(knee_bend: Exercise) -> None:
    keys = reps_keys(SIDE, [70])
    keys += [(keys[-1][0] + 0.8, bend(SIDE, 70)), (keys[-1][0] + 1.4, bend(SIDE, 28))]
    run = play(knee_bend, keys)
    assert len(run.events("rep")) == 1  # live: the last rep never returned to rest
    assert run.result.reps["total"] == 2  # the session result credits it


def test_clip_ending_at_the_bottom_does_not_count(knee_bend: Exercise) -> None:
    keys = reps_keys(SIDE, [70])
    keys += [(keys[-1][0] + 0.8, bend(SIDE, 70))]
    assert play(knee_bend, keys).result.reps["total"] == 1


TOE_TAP_TEST = """\
format: 1
id: tap
name: Tap
view: front
dose: {reps: 10, per_side: true}
measures:
  leg_out: {kind: tilt, points: [hip, ankle], from: down, side: working}
reps: {measure: leg_out, sides: each, rest: 8, peak: 16, min_duration_s: 0.4, ready: {hold_s: 0.5}}
"""

FRONT = Posture(yaw=0.0)


def tap(side: str | None, deg: float = 25.0) -> Posture:
    ab = {"left": 0.0, "right": 0.0}
    if side == "both":
        ab = {"left": deg, "right": deg}
    elif side is not None:
        ab[side] = deg
    return Posture(yaw=0.0, abduction=ab)


def tap_keys(sides: list[str]) -> list[tuple[float, Posture | None]]:
    keys: list[tuple[float, Posture | None]] = [(0.0, tap(None)), (1.0, tap(None))]
    t = 1.0
    for s in sides:
        keys += [(t + 0.4, tap(s)), (t + 0.8, tap(None)), (t + 1.2, tap(None))]
        t += 1.2
    return keys


@pytest.mark.parametrize(
    ("sides", "left", "right"),
    [
        (["left", "right", "left"], 2, 1),
        (["right", "right"], 0, 2),
        (["both", "both"], None, None),  # bilateral: counted once per motion, on one side
    ],
)
def test_per_side_reps(tmp_path: Path, sides: list[str], left: int | None, right: int | None) -> None:
    ex = write_rule(tmp_path, "tap", TOE_TAP_TEST)
    run = play(ex, tap_keys(sides))
    reps = run.result.reps
    if left is None:
        assert reps["total"] == len(sides)
        assert (reps["left"] or 0) + (reps["right"] or 0) == len(sides)
    else:
        assert (reps["left"], reps["right"], reps["total"]) == (left, right, left + right)
        assert [e.side for e in run.result.rep_events] == sides


def test_per_side_report_shows_both_sides(tmp_path: Path) -> None:
    ex = write_rule(tmp_path, "tap", TOE_TAP_TEST)
    run = play(ex, tap_keys(["left"]))
    mid = next(r for r in run.reports if r.phase == "peak")
    assert mid.side == "left"
    assert mid.measures["leg_out.left"] == pytest.approx(mid.measures["leg_out"])
    assert mid.measures["leg_out.right"] < 8
    assert set(mid.highlight) >= {"leg_out", "leg_out.left", "leg_out.right"}
