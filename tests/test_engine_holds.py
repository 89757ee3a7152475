# ruff: noqa: E501  (the sequence tables read best one case per line)
"""Timed holds: the clock runs only while the position is right; grace for dropouts; per side."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from engine_support import Posture, play, write_rule
from formcheck.engine.holds import HIDDEN_PAUSE_MAX_S, STILL_DEG, STILL_FOR_S, STILL_SLOW_S
from formcheck.rules import Exercise

HOLD_RULE = """\
format: 1
id: knee-hold
name: Knee hold
view: side
dose: {hold_s: 10}
measures:
  knee_flexion: {kind: angle, points: [hip, knee, ankle], convention: flexion, side: nearer}
  trunk_lean: {kind: tilt, points: [hip, shoulder], from: up, side: nearer}
hold:
  when: {measure: knee_flexion, above: 60}
  target_s: 10
  min_s: 2
  grace_s: 0.5
faults:
  - id: leaning
    when: {measure: trunk_lean, above: 20}
    for_s: 0
    phase: hold
    message: Stand tall
    cue: tall
    explain: Lean.
"""


@pytest.fixture
def hold_rule(tmp_path: Path) -> Exercise:
    return write_rule(tmp_path, "knee-hold", HOLD_RULE)


def P(flex: float, lean: float = 0.0, yaw: float = 90.0) -> Posture:
    return Posture(yaw=yaw, trunk_lean=lean).both(knee_flexion=flex)


UP, DOWN = P(0), P(90)

# The clock starts once the position is held still: STILL_FOR_S after the movement into it
# stopped (the slow smoothed copy is kept within STILL_DEG of the fast one while it moves, so
# it has no lag to make up). After an instant step, "stopped" is when the measure's own
# smoothing (the rules' default 0.08 s) has slowed it below the still speed, STILL_DEG per
# STILL_SLOW_S: a few of its time constants, growing only with the log of the step.
MEASURE_SMOOTHING_S = 0.08


def settle_s(step_deg: float) -> float:
    return MEASURE_SMOOTHING_S * math.log(step_deg / (MEASURE_SMOOTHING_S * STILL_DEG / STILL_SLOW_S)) + STILL_FOR_S


SETTLE_S = settle_s(90.0)


@pytest.mark.parametrize(
    ("name", "keys", "holds"),
    [
        ("one complete hold", [(0, UP), (1, UP), (1.1, DOWN), (13.1, DOWN), (13.2, UP), (14, UP)], [(12.0, True)]),
        ("too short to report", [(0, UP), (1, UP), (1.1, DOWN), (2.5, DOWN), (2.6, UP), (4, UP)], []),
        ("short of the target", [(0, UP), (1, UP), (1.1, DOWN), (7.1, DOWN), (7.2, UP), (8, UP)], [(6.0, False)]),
        ("broken for longer than the grace: two holds",
         [(0, UP), (1, UP), (1.1, DOWN), (5.1, DOWN), (5.2, UP), (6.2, UP), (6.3, DOWN), (10.3, DOWN), (10.4, UP), (11, UP)],
         [(4.0, False), (4.0, False)]),
        ("dropout within the grace: one hold, clock paused",
         [(0, UP), (1, UP), (1.1, DOWN), (5.1, DOWN), (5.15, None), (5.45, None), (5.5, DOWN), (14, DOWN), (14.1, UP), (15, UP)],
         [(12.5, True)]),
        ("hidden for 2 s: paused, not ended (one hold)",
         [(0, UP), (1, UP), (1.1, DOWN), (5.1, DOWN), (5.15, None), (7.1, None), (7.15, DOWN), (15, DOWN), (15.1, UP), (16, UP)],
         [(11.9, True)]),
        ("hidden for longer than the pause: the hold ends where it was last seen",
         [(0, UP), (1, UP), (1.1, DOWN), (5.1, DOWN), (5.15, None), (5.2 + HIDDEN_PAUSE_MAX_S, None),
          (5.25 + HIDDEN_PAUSE_MAX_S, UP), (6 + HIDDEN_PAUSE_MAX_S, UP)],
         [(4.0, False)]),
    ],
)  # fmt: skip
def test_hold_table(hold_rule: Exercise, name: str, keys: list, holds: list[tuple[float, bool]]) -> None:
    run = play(hold_rule, keys)
    got = [(h.seconds, h.completed) for h in run.result.holds]
    assert len(got) == len(holds), name
    for (s, done), (want_s, want_done) in zip(got, holds, strict=True):
        assert s == pytest.approx(want_s - SETTLE_S, abs=0.3), name  # the settling never counts
        assert done == want_done, name


def test_a_second_without_frames_is_not_held_time(hold_rule: Exercise) -> None:
    # the camera stalls for 1 s mid-hold: no frame arrives, so that second is unseen, not held
    keys = [(0, UP), (1, UP), (1.1, DOWN), (13.1, DOWN), (13.2, UP), (14, UP)]
    plain = play(hold_rule, keys).result.holds
    stalled = play(hold_rule, keys, lost=[(6.0, 7.0)]).result.holds
    assert len(plain) == len(stalled) == 1
    assert stalled[0].seconds == pytest.approx(plain[0].seconds - 1.0, abs=0.1)


def test_bouncing_in_the_position_is_not_holding_it(hold_rule: Exercise) -> None:
    # in the position (60°+) the whole time, but bouncing 65° <-> 125° every 0.6 s for 6 s
    # (a ±30° bounce), then held still at 90° for 6 s: only the still part is timed
    keys = [(0, UP), (1, UP), (1.5, P(95))]
    t = 1.5
    for _ in range(10):
        keys += [(t + 0.3, P(65)), (t + 0.6, P(125))]
        t += 0.6
    keys += [(t + 0.3, P(90)), (t + 6.3, P(90)), (t + 6.4, UP), (t + 7.0, UP)]
    (hold,) = play(hold_rule, keys).result.holds
    assert 4.0 <= hold.seconds <= 6.0  # the still 6 s, less its settling (the bounces not counted)


@pytest.mark.parametrize("depth", [70.0, 90.0, 130.0])
def test_the_settling_does_not_grow_with_the_movement_into_the_position(hold_rule: Exercise, depth: float) -> None:
    # a 70°, 90° or 130° bend reached in 0.1 s and held 8 s: the clock starts STILL_FOR_S after
    # the measure stops moving (before, the slow copy's lag added STILL_SLOW_S · ln(step /
    # STILL_DEG): 0.95 s more after a 130° step)
    keys = [(0, UP), (1, UP), (1.1, P(depth)), (9.1, P(depth)), (9.2, UP), (10, UP)]
    (hold,) = play(hold_rule, keys).result.holds
    # within a frame more: a jump is judged with the next reading, which moves the start of the
    # movement (and so its end) by up to one frame
    assert hold.seconds == pytest.approx(8.0 - settle_s(depth), abs=0.1 + 1 / 30)


def test_a_steady_slow_bend_is_movement_not_a_hold(hold_rule: Exercise) -> None:
    # bending on from 65° to 125° at 30°/s (the slow copy lags the fast one by ~18°, past
    # STILL_DEG) is moving the whole way; the still 5 s at 125° that follow are the hold
    steady = STILL_DEG / STILL_SLOW_S * 1.3
    bend_s = 60.0 / steady
    keys = [(0, UP), (1, UP), (1.1, P(65))]
    keys += [(1.1 + 0.05 * i, P(65 + steady * 0.05 * i)) for i in range(1, math.ceil(bend_s / 0.05) + 1)]
    t = keys[-1][0]
    keys += [(t + 5.0, keys[-1][1]), (t + 5.1, UP), (t + 6.0, UP)]
    (hold,) = play(hold_rule, keys).result.holds
    assert hold.seconds == pytest.approx(5.0 - STILL_FOR_S, abs=0.3)


def test_a_jump_of_the_estimate_pauses_the_clock_only_briefly(hold_rule: Exercise) -> None:
    # held at 90° for 12 s, with the knee estimate jumping to 130° for 0.1 s at 6 s: the clock
    # pauses for the jump and the half second of stillness after it, no more
    keys = [(0, UP), (1, UP), (1.1, DOWN), (6.0, DOWN), (6.03, P(130)), (6.1, P(130)), (6.13, DOWN),
            (13.1, DOWN), (13.2, UP), (14, UP)]  # fmt: skip
    (plain,) = play(hold_rule, [(0, UP), (1, UP), (1.1, DOWN), (13.1, DOWN), (13.2, UP), (14, UP)]).result.holds
    (jumped,) = play(hold_rule, keys).result.holds
    assert plain.seconds - (0.15 + STILL_FOR_S + 0.35) <= jumped.seconds < plain.seconds - STILL_FOR_S


@pytest.mark.parametrize(
    ("name", "misread_frames", "clock_stops"),
    [
        ("one frame misread (the model's error): the clock goes on", 1, False),
        ("three frames there (it moved): the clock stops", 3, True),
    ],
)
def test_one_frame_misread_at_a_webcams_rate_does_not_stop_the_clock(
    hold_rule: Exercise, name: str, misread_frames: int, clock_stops: bool
) -> None:
    # held at 90° at 15 fps (nothing smooths one frame away) with the knee read at 130° on
    # some frames at 5 s; still in the position, so only stillness can stop the clock
    fps = 15
    keys = [(0, UP), (1, UP), (1.1, DOWN), (9.1, DOWN), (9.2, UP), (10, UP)]
    first = round(5 * fps)

    def misread(t: float, posture: Posture) -> Posture:
        return P(130) if first <= round(t * fps) < first + misread_frames else posture

    (plain,) = play(hold_rule, keys, fps=fps).result.holds
    (held,) = play(hold_rule, keys, fps=fps, noise=misread).result.holds
    if clock_stops:
        assert held.seconds <= plain.seconds - STILL_FOR_S, name
    else:
        assert held.seconds == pytest.approx(plain.seconds), name


def test_bad_form_pauses_the_clock(hold_rule: Exercise) -> None:
    keys = [(0, UP), (1, UP), (1.1, DOWN), (5.1, DOWN), (5.2, P(90, 35)), (9.2, P(90, 35)), (9.3, DOWN),
            (13.3, DOWN), (13.4, UP), (14, UP)]  # fmt: skip
    run = play(hold_rule, keys)
    (hold,) = run.result.holds
    assert hold.seconds == pytest.approx(8.1 - SETTLE_S, abs=0.4)  # 4 s of leaning did not count
    assert [f.id for f in run.result.faults] == ["leaning"]
    progress = [r.hold.elapsed_s for r in run.reports if r.hold is not None]
    assert progress == sorted(progress)


def test_hold_events_and_open_hold_at_end(hold_rule: Exercise) -> None:
    run = play(hold_rule, [(0, UP), (1, UP), (1.1, DOWN), (13, DOWN)])
    assert len(run.events("hold_start")) == 1 and run.events("hold_end") == []
    (hold,) = run.result.holds  # still held when the stream ended: reported, completed
    assert hold.completed and hold.seconds == pytest.approx(11.9 - SETTLE_S, abs=0.3)


PER_SIDE_HOLD = """\
format: 1
id: side-hold
name: Side hold
view: front
dose: {hold_s: 5, per_side: true}
measures:
  leg_out: {kind: tilt, points: [hip, ankle], from: down, side: working}
hold: {when: {measure: leg_out, above: 15}, target_s: 5, min_s: 1, sides: each}
"""


def test_holds_per_side(tmp_path: Path) -> None:
    ex = write_rule(tmp_path, "side-hold", PER_SIDE_HOLD)

    def out(side: str | None) -> Posture:
        ab = {"left": 0.0, "right": 0.0}
        if side:
            ab[side] = 25.0
        return Posture(yaw=0.0, abduction=ab)

    keys = [(0, out(None)), (1, out(None)), (1.2, out("right")), (7.2, out("right")), (7.4, out(None)),
            (8.5, out(None)), (8.7, out("left")), (11.7, out("left")), (11.9, out(None)), (13, out(None))]  # fmt: skip
    run = play(ex, keys)
    got = [(h.side, h.completed) for h in run.result.holds]
    assert got == [("right", True), ("left", False)]
    assert next(r.hold.side for r in run.reports if r.hold is not None) == "right"


@pytest.mark.parametrize(
    ("fps", "lost", "notice"),
    [
        (30.0, [], False),
        (5.0, [], False),  # a stride of 6 on a 30 fps clip: still times the hold
        (3.0, [], True),  # frames a third of a second apart: no hold time can be counted
        (30.0, [(6.0, 7.0)], False),  # one stall of a second is not the input's rate
    ],
)  # fmt: skip
def test_too_few_frames_a_second_is_said(hold_rule: Exercise, fps: float, lost: list, notice: bool) -> None:
    run = play(hold_rule, [(0, UP), (1, UP), (1.1, DOWN), (13.1, DOWN), (13.2, UP), (14, UP)], fps, lost=lost)
    kinds = {n.kind for n in run.result.notices}
    assert ("frame_rate" in kinds) == notice
    if notice:
        assert not run.result.holds  # what the notice warns of
    else:
        (hold,) = run.result.holds
        assert hold.seconds > 9.0


def every_fifth_frame_unseen(t: float, posture: Posture) -> Posture | None:
    """The detection lost on one frame in five (a dim room, a far or half-hidden person)."""
    return None if round(t * 30) % 5 == 4 else posture


def test_a_flickering_detection_neither_shortens_a_hold_nor_breaks_up_its_faults(hold_rule: Exercise) -> None:
    # Each lost frame paused the clock for itself and the frame after, and ended every fault:
    # the hold came out 40 % short, and 4 s of leaning became pieces that each restarted.
    still = [(0, UP), (1, UP), (1.1, DOWN), (13.1, DOWN), (13.2, UP), (14, UP)]
    (plain,) = play(hold_rule, still).result.holds
    (flickering,) = play(hold_rule, still, noise=every_fifth_frame_unseen).result.holds
    assert flickering.seconds == pytest.approx(plain.seconds, abs=0.1)
    leaning = [(0, UP), (1, UP), (1.1, DOWN), (5.1, DOWN), (5.2, P(90, 35)), (9.2, P(90, 35)), (9.3, DOWN),
               (13.3, DOWN), (13.4, UP), (14, UP)]  # fmt: skip
    run = play(hold_rule, leaning, noise=every_fifth_frame_unseen)
    (hold,) = run.result.holds
    assert hold.seconds == pytest.approx(8.1 - SETTLE_S, abs=0.4)  # the leaning still paused it
    (fault,) = run.result.faults
    assert fault.id == "leaning" and fault.end_s - fault.start_s == pytest.approx(4.0, abs=0.3)


def test_unseen_for_longer_than_a_moment_ends_a_fault_where_it_was_last_seen(hold_rule: Exercise) -> None:
    keys = [(0, UP), (1, UP), (1.1, DOWN), (5.1, DOWN), (5.2, P(90, 35)), (7.0, P(90, 35)), (7.02, None),
            (8.5, None), (8.52, DOWN), (13.3, DOWN), (13.4, UP), (14, UP)]  # fmt: skip
    (fault,) = play(hold_rule, keys).result.faults
    assert fault.end_s == pytest.approx(7.0, abs=0.05)
