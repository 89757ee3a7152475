"""Rep counting, as sequence tables: key-framed motions in, counts and events out."""

from __future__ import annotations

from dataclasses import replace
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


@pytest.mark.parametrize(
    ("name", "frames_out", "expected"),
    [
        ("one frame read out of the start position (the model's jitter)", (6,), 1),
        ("two frames in a row out of it: the hold starts again", (6, 7), 0),
    ],
)
def test_the_start_position_hold_outlasts_one_frame_out_of_it(
    knee_bend: Exercise, name: str, frames_out: tuple[int, ...], expected: int
) -> None:
    # 15 fps (a webcam in a dim room). Opens part way bent (not the start position), at rest
    # from 0.2 s: the 0.5 s hold is done by 0.6 s, and the rep leaves rest at about 0.95 s; a
    # hold begun again after 0.4 s is not done by then, and the rep is not counted.
    keys = [(0.0, bend(SIDE, 25)), (0.2, bend(SIDE, 0)), (0.8, bend(SIDE, 0)), (1.3, bend(SIDE, 70))]
    keys += [(2.0, bend(SIDE, 0)), (2.7, bend(SIDE, 0))]

    def out(t: float, posture: Posture) -> Posture:
        return bend(SIDE, 70) if round(t * 15) in frames_out else posture

    assert play(knee_bend, keys, fps=15.0, noise=out).result.reps["total"] == expected, name


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


@pytest.mark.parametrize(
    ("fps", "frames", "message"),
    [
        (1 / 20, 1, "only one frame to analyse"),  # a --stride longer than the input
        (1 / 5, 2, "fewer than 4 frames a second"),  # too few frames for the notice to come up
        (1.0, 9, "fewer than 4 frames a second"),  # the notice seen on the way
    ],
)  # fmt: skip
def test_an_input_too_sparse_to_count_says_so(
    knee_bend: Exercise, fps: float, frames: int, message: str
) -> None:
    # crouched pulses (so counting never starts) sampled too sparsely: the summary says so, and
    # a single frame is not said to be waiting for the start position (it could not be held)
    pulses = [(t * 0.5, bend(SIDE, 50 if t % 2 else 70)) for t in range(17)]
    run = play(knee_bend, pulses, fps)
    assert run.result.frames == frames
    notices = {n.kind: n.message for n in run.result.notices}
    assert notices["frame_rate"].startswith(message)
    assert ("not_started" in notices) == (frames > 1)


def test_ready_needs_to_be_held(knee_bend: Exercise) -> None:
    # seen crouched (getting into position), then only about 0.3 s at rest before the first
    # rep (less than ready.hold_s): not ready yet, so that rep does not count
    keys = [(0.0, bend(SIDE, 70)), (0.6, bend(SIDE, 70)), (1.0, bend(SIDE, 0))]
    keys += [(t + 1.0, p) for t, p in reps_keys(SIDE, [70, 70], start=0.05)]
    run = play(knee_bend, keys)
    assert run.result.reps["total"] == 1


def test_a_recording_opening_in_the_start_position_counts_at_once(knee_bend: Exercise) -> None:
    # the first frame already shows the person standing, 0.2 s before the first rep (less than
    # ready.hold_s): they got into position before the recording began, so both reps count
    run = play(knee_bend, reps_keys(SIDE, [70, 70], start=0.2))
    assert run.result.reps["total"] == 2
    assert run.phases()[0] == "rest"


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


@pytest.mark.parametrize(
    ("name", "hover_deg", "jitter_deg", "expected"),
    [
        # the smoothed reading of that frame lands just past the rest level (20), the next not
        ("nearly up, one frame read back at rest (the model's jitter): one rep", 26, 8, 1),
        ("up at rest between two reps (touch and go): two", 17, None, 2),
    ],
)
def test_one_reading_just_back_at_rest_does_not_end_a_rep(
    knee_bend: Exercise, name: str, hover_deg: float, jitter_deg: float | None, expected: int
) -> None:
    """At 15 fps, a webcam's rate, down, up to ``hover_deg`` for 0.6 s and down again: one
    reading only just at rest ends the rep only if the next one is at rest too."""
    fps = 15
    keys = [(0.0, bend(SIDE, 0)), (1.0, bend(SIDE, 0)), (1.8, bend(SIDE, 80)), (2.6, bend(SIDE, hover_deg))]
    keys += [(3.2, bend(SIDE, hover_deg)), (4.0, bend(SIDE, 80)), (4.8, bend(SIDE, 0)), (5.5, bend(SIDE, 0))]
    jitter_frame = round(2.9 * fps)

    def jitter(t: float, posture: Posture) -> Posture:
        at_it = jitter_deg is not None and round(t * fps) == jitter_frame
        return bend(SIDE, jitter_deg) if at_it else posture

    run = play(knee_bend, keys, fps=fps, noise=jitter)
    assert run.result.reps["total"] == expected, name
    assert run.result.rep_events[-1].end_s == pytest.approx(4.67, abs=0.07)  # when first back at rest


def test_a_rep_seen_at_its_peak_and_back_counts_across_a_long_dropout(knee_bend: Exercise) -> None:
    # at the bottom (70°), then unseen for 1.2 s (three times the grace), then seen standing:
    # the rep was seen at its bottom and back, so it counts, and counting goes on at once
    keys = [(0.0, bend(SIDE, 0)), (1.0, bend(SIDE, 0)), (1.8, bend(SIDE, 70)), (1.85, None), (3.0, None)]
    keys += [(3.05, bend(SIDE, 0)), (4.5, bend(SIDE, 0))]
    run = play(knee_bend, keys)
    assert run.result.reps["total"] == 1
    after = [r.phase for r in run.reports if r.t_ms > 3000]
    assert "waiting" not in after and after[-1] == "rest"


def test_a_rep_lost_for_longer_than_a_whole_rep_is_dropped(knee_bend: Exercise) -> None:
    from formcheck.engine.reps import SUSPENDED_REP_MAX_S

    gone = SUSPENDED_REP_MAX_S + 1.0
    keys = [(0.0, bend(SIDE, 0)), (1.0, bend(SIDE, 0)), (1.8, bend(SIDE, 70)), (1.85, None)]
    keys += [(1.85 + gone, None), (1.9 + gone, bend(SIDE, 0)), (3.0 + gone, bend(SIDE, 0))]
    assert play(knee_bend, keys).result.reps["total"] == 0


@pytest.mark.parametrize(
    ("name", "cut_at", "seen_again"),
    [
        ("re-found on the way down", 1.3, 40),  # a cut mid-descent: seen again at 40° (rest 20, peak 50)
        ("re-found at the bottom", 1.6, 70),  # a cut at the bottom: seen again still down
    ],
)
def test_a_rep_re_found_after_a_cut_counts(
    knee_bend: Exercise, name: str, cut_at: float, seen_again: float
) -> None:
    # counting started, then the camera cut away for 1 s (longer than the grace) mid-rep; after
    # the cut the person is seen part way through the rep, goes on to the bottom and stands up
    keys = [(0.0, bend(SIDE, 0)), (1.0, bend(SIDE, 0)), (cut_at, bend(SIDE, 30)), (cut_at + 0.01, None)]
    back = cut_at + 1.0
    keys += [(back, None), (back + 0.01, bend(SIDE, seen_again)), (back + 0.5, bend(SIDE, 70))]
    keys += [(back + 1.3, bend(SIDE, 0)), (back + 2.0, bend(SIDE, 0))]
    assert play(knee_bend, keys).result.reps["total"] == 1, name


@pytest.mark.parametrize(
    ("name", "first_deg", "expected"),
    [
        ("opens on the way down, past half way", 42, 1),  # rest 20, peak 50: 42 is 73 % of the way
        ("opens at the bottom: its start was before the recording", 70, 0),
        ("opens past the peak on the way down: its bottom and return are seen", 55, 1),
        ("opens at rest", 0, 1),
    ],
)
def test_a_clip_opening_mid_rep(knee_bend: Exercise, name: str, first_deg: float, expected: int) -> None:
    # the recording starts mid-way: a rep on its way down is taken up, past the peak level too
    # once it goes on deeper (its bottom is seen); one that opens at its bottom is not (only its
    # way up was seen: the labels' convention)
    keys = [(0.0, bend(SIDE, first_deg))]
    if first_deg == 0:
        keys += [(1.0, bend(SIDE, 0))]
    t = keys[-1][0]
    keys += [(t + 0.5, bend(SIDE, 70)), (t + 1.3, bend(SIDE, 0)), (t + 2.0, bend(SIDE, 0))]
    assert play(knee_bend, keys).result.reps["total"] == expected, name


@pytest.mark.parametrize("opens_recording", [True, False])
def test_a_set_begun_mid_stream_takes_up_no_rep_under_way(knee_bend: Exercise, opens_recording: bool) -> None:
    """A routine's next set begins while the person is in view: a movement already under way
    at its first frame is the exercise before, so it counts only where the recording opens."""
    keys = [(0.0, bend(SIDE, 42)), (0.5, bend(SIDE, 70)), (1.3, bend(SIDE, 0)), (2.0, bend(SIDE, 0))]
    run = play(knee_bend, keys, opens_recording=opens_recording)
    assert run.result.reps["total"] == (1 if opens_recording else 0)


@pytest.mark.parametrize(
    ("name", "spike_at", "keys_after", "expected"),
    [
        # opens at the bottom and stands up: only the way up is seen, whatever one frame reads
        ("one frame read deeper (the model's jitter)", 0.2, [(0.4, 70)], 0),
        ("two frames read deeper", None, [(0.1, 85), (0.3, 85)], 1),  # it went on down: a rep
        ("no frame deeper", None, [(0.4, 70)], 0),
    ],
)
def test_a_clip_opening_past_the_peak_needs_its_bottom_seen_twice(
    knee_bend: Exercise,
    name: str,
    spike_at: float | None,
    keys_after: list[tuple[float, float]],
    expected: int,
) -> None:
    # 15 fps, as a webcam in a dim room: one frame's error is not smoothed away by the next ones
    keys = [(0.0, bend(SIDE, 70)), *[(t, bend(SIDE, d)) for t, d in keys_after]]
    t = keys[-1][0]
    keys += [(t + 0.8, bend(SIDE, 0)), (t + 1.5, bend(SIDE, 0))]

    def spike(at: float, posture: Posture) -> Posture:
        return bend(SIDE, 85) if spike_at is not None and abs(at - spike_at) < 1e-6 else posture

    assert play(knee_bend, keys, fps=15.0, noise=spike).result.reps["total"] == expected, name


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


def both_taps(left: float, right: float) -> Posture:
    return Posture(yaw=0.0, abduction={"left": left, "right": right})


def test_alternating_taps_that_overlap_count_on_both_sides(tmp_path: Path) -> None:
    # the right leg leaves rest (8°) just before the left is back down: past the left tap's peak
    # that is a tap of its own (taken up when the left one ends), not the same bilateral movement
    ex = write_rule(tmp_path, "tap", TOE_TAP_TEST)
    keys: list[tuple[float, Posture | None]] = [(0.0, both_taps(0, 0)), (1.0, both_taps(0, 0))]
    keys += [(1.4, both_taps(25, 0)), (1.75, both_taps(14, 4)), (2.05, both_taps(0, 25))]
    keys += [(2.5, both_taps(0, 0)), (3.5, both_taps(0, 0))]
    run = play(ex, keys)
    assert [e.side for e in run.result.rep_events] == ["left", "right"]


def test_legs_leaving_rest_together_still_count_once(tmp_path: Path) -> None:
    # the right leg follows the left out before the left's peak: one bilateral movement
    ex = write_rule(tmp_path, "tap", TOE_TAP_TEST)
    keys: list[tuple[float, Posture | None]] = [(0.0, both_taps(0, 0)), (1.0, both_taps(0, 0))]
    keys += [
        (1.2, both_taps(12, 4)),
        (1.5, both_taps(25, 25)),
        (2.0, both_taps(0, 0)),
        (3.0, both_taps(0, 0)),
    ]
    assert play(ex, keys).result.reps["total"] == 1


@pytest.mark.parametrize(
    ("name", "stray"),
    [
        # the resting right leg reads past its rest level (8°) just before the left tap and is
        # back within it only once the left leg is on its way up
        (
            "a stray that comes back",
            [(1.3, both_taps(0, 9.5)), (1.45, both_taps(10, 9.5)), (1.6, both_taps(13, 6))],
        ),
        # ... or stays a little past it the whole time (a half-hidden far leg read too high)
        ("a stray that stays out", [(1.3, both_taps(0, 9.5)), (1.6, both_taps(12, 9.5))]),
    ],
)
def test_a_resting_leg_straying_past_rest_does_not_keep_the_other_from_counting(
    tmp_path: Path, name: str, stray: list[tuple[float, Posture]]
) -> None:
    # Only one side may be mid-rep at a time: the stray started a "rep" of the right leg that
    # never reached its peak and kept the left leg, at rest when it began, from starting one;
    # the left tap went uncounted (a donkey kick with the far leg jittering).
    ex = write_rule(tmp_path, "tap", TOE_TAP_TEST)
    keys: list[tuple[float, Posture | None]] = [(0.0, both_taps(0, 0)), (1.0, both_taps(0, 0))]
    after = stray[-1][1].abduction["right"]
    keys += [*stray, (1.9, both_taps(25, after)), (2.3, both_taps(0, after))]
    keys += [(2.6, both_taps(0, 0)), (3.5, both_taps(0, 0))]
    run = play(ex, keys)
    assert [e.side for e in run.result.rep_events] == ["left"]
    assert run.result.rep_events[0].start_s < 1.9


def test_a_leg_hidden_for_a_frame_as_it_leaves_rest_still_counts(tmp_path: Path) -> None:
    # Its visibility flickering about the rule's limit, the left leg is unseen on the frame
    # before it leaves rest: it was no longer "seen at rest", so its tap never started.
    ex = write_rule(tmp_path, "tap", TOE_TAP_TEST)
    hidden = replace(both_taps(0, 0), hidden=frozenset({"left_ankle", "left_knee"}))
    keys: list[tuple[float, Posture | None]] = [(0.0, both_taps(0, 0)), (1.0, both_taps(0, 0))]
    keys += [(1.33, both_taps(0, 0)), (1.34, hidden), (1.38, hidden), (1.39, both_taps(9, 0))]
    keys += [(1.8, both_taps(25, 0)), (2.2, both_taps(0, 0)), (3.0, both_taps(0, 0))]
    run = play(ex, keys)
    assert [e.side for e in run.result.rep_events] == ["left"]


@pytest.mark.parametrize(
    ("name", "lost", "expected"),
    [
        # lost on the way up at ~24° (more than half way back from 70°), seen again at 26° going
        # down: the stand-up between the reps happened unseen
        ("the turn between two reps falls in the gap", (2.35, 3.5), 2),
        # lost on the way up, seen again lower still and standing up: the same rep
        ("a rep coming back across the gap", (2.2, 2.4), 2),
        # lost at the bottom, seen shallower and deeper again: a bounce, never half way back
        ("lost at the bottom", (1.8, 2.1), 2),
    ],
)
def test_a_rep_that_turned_unseen(
    knee_bend: Exercise, name: str, lost: tuple[float, float], expected: int
) -> None:
    keys = reps_keys(SIDE, [70, 70], start=1.0, down=0.8, up=0.8, pause=0.6)
    run = play(knee_bend, keys, lost=[lost])
    assert run.result.reps["total"] == expected, name


@pytest.mark.parametrize(
    ("name", "first_deg", "top_deg", "expected"),
    [
        # rest 8, peak 16: opens at 18° (past the peak) and goes on to 25°, two gap-quarters deeper
        ("opens on the way out, the other leg down: its top and return are seen", 18, 25, 1),
        ("opens at the top and only comes down: only the way back was seen", 25, 25, 0),
    ],
)
def test_a_clip_opening_with_one_leg_past_the_peak(
    tmp_path: Path, name: str, first_deg: float, top_deg: float, expected: int
) -> None:
    # per side, the leg standing (or lying) still is at rest while the other one lifts: the
    # opening is judged on the leg that opened past the peak, not cancelled by the resting one
    ex = write_rule(tmp_path, "tap", TOE_TAP_TEST)
    keys: list[tuple[float, Posture | None]] = [(0.0, both_taps(first_deg, 0)), (0.3, both_taps(top_deg, 0))]
    keys += [(0.8, both_taps(0, 0)), (1.8, both_taps(0, 0))]
    run = play(ex, keys)
    assert run.result.reps["total"] == expected, name
    assert [e.side for e in run.result.rep_events] == ["left"] * expected
