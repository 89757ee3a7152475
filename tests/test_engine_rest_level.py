"""Reps counted from the person's own resting level (``from_rest_level``): for measures whose
zero depends on the camera (a foot angle seen from above reads 12–16° flat)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_support import KNEE_BEND, SIDE, bend, play, write_rule
from formcheck.engine.reps import POSITION_CHANGE_S, REST_LEVEL_WINDOW_S, RestLevel
from formcheck.errors import RuleError
from formcheck.rules import Exercise

RELATIVE = KNEE_BEND.replace("  rest: 20\n  peak: 50\n", "  from_rest_level: true\n  rest: 8\n  peak: 25\n")


@pytest.fixture
def relative(tmp_path: Path) -> Exercise:
    return write_rule(tmp_path, "knee-bend", RELATIVE)


def _reps_from(bases: list[float], lift: float, *, start: float = 1.5) -> list:
    """Stand at each base level (a rep lifts ``lift`` above it), one rep per base."""
    keys = [(0.0, bend(SIDE, bases[0])), (start, bend(SIDE, bases[0]))]
    t = start
    for base in bases:
        keys += [(t + 0.3, bend(SIDE, base)), (t + 1.1, bend(SIDE, base + lift)),
                 (t + 1.9, bend(SIDE, base)), (t + 2.6, bend(SIDE, base))]  # fmt: skip
        t += 2.6
    return keys


def test_reps_from_a_raised_resting_level_count(relative: Exercise, tmp_path: Path) -> None:
    # Never below 30° of reading at rest: the relative rule counts from it; the absolute rule
    # (rest 20°, peak 50°) follows the person's own still reading too (OwnRest), so it counts
    # the same reps, each lifting the rule's gap (30°) and more above that reading.
    keys = _reps_from([32, 32, 32, 32], 35)
    assert play(relative, keys).result.reps["total"] == 4
    (tmp_path / "absolute").mkdir()
    absolute = write_rule(tmp_path / "absolute", "knee-bend", KNEE_BEND)
    assert play(absolute, keys).result.reps["total"] == 4
    # lifts short of the rule's gap above that reading are not reps
    assert play(absolute, _reps_from([32, 32, 32, 32], 25)).result.reps["total"] == 0


def test_a_drifting_resting_level_is_followed(relative: Exercise) -> None:
    # A hand-held camera tilting: the resting reading drifts from 10° to 40° over the set.
    bases = [10, 16, 22, 28, 34, 40]
    assert play(relative, _reps_from(bases, 35)).result.reps["total"] == len(bases)


def test_small_wobbles_around_the_resting_level_never_count(relative: Exercise) -> None:
    # Lifts of 15° stay below the 25° change a rep needs.
    assert play(relative, _reps_from([30] * 5, 15)).result.reps["total"] == 0


@pytest.mark.parametrize("fps", [15, 30, 60])
def test_the_same_motion_counts_the_same_at_any_frame_rate(relative: Exercise, fps: int) -> None:
    keys = _reps_from([10, 16, 22, 28], 35)  # drifting 6° a rep: slower than a rep's own change
    assert play(relative, keys, fps=fps).result.reps["total"] == 4


def test_rest_level_is_the_low_of_a_smoothed_window_and_forgets_old_lows() -> None:
    level = RestLevel(rising=True)
    for i in range(30):  # 1 s at 30 fps around 10, one noisy low frame
        level.push(i / 30, 3.0 if i == 15 else 10.0)
    assert level.level is not None and 7.0 < level.level < 10.0  # smoothed: not dragged to 3
    for i in range(30, 30 + round(30 * (REST_LEVEL_WINDOW_S + 1))):
        level.push(i / 30, 20.0)  # the camera tilted: the level follows after the window
    assert level.level is not None and level.level > 19.0
    falling = RestLevel(rising=False)
    for i, v in enumerate([50.0, 52.0, 51.0]):
        falling.push(i / 30, v)
    assert falling.level is not None and falling.level > 50.0


@pytest.mark.parametrize(
    ("rest", "peak", "message"),
    [
        ("8", "-25", "are changes from the resting level in the same direction"),
        ("30", "25", "are changes from the resting level in the same direction"),
        ("8", "400", "change 400 is out of range"),
    ],
)
def test_rest_level_levels_are_checked(tmp_path: Path, rest: str, peak: str, message: str) -> None:
    text = RELATIVE.replace("rest: 8\n  peak: 25", f"rest: {rest}\n  peak: {peak}")
    with pytest.raises(RuleError, match=message):
        write_rule(tmp_path, "knee-bend", text)


def test_a_new_position_kept_longer_than_any_rep_becomes_the_rest(relative: Exercise) -> None:
    # Set up at 0° (sitting, before lying down), then settle 40° further on and stay there: a
    # "rep" under way for longer than a whole rep of the programme (POSITION_CHANGE_S). It is not
    # counted, and the reps done from the new position count from it.
    settle_s = 2.0 + POSITION_CHANGE_S + 3.0
    keys = [(0.0, bend(SIDE, 0)), (2.0, bend(SIDE, 0)), (2.5, bend(SIDE, 40)), (settle_s, bend(SIDE, 40))]
    keys += [(t + settle_s, p) for t, p in _reps_from([40, 40, 40], 35, start=0.0)]
    run = play(relative, keys)
    assert run.result.reps["total"] == 3
    assert run.result.rep_events[0].start_s > settle_s - 1


def test_a_rep_held_at_its_peak_for_less_than_that_still_counts(relative: Exercise) -> None:
    held_s = POSITION_CHANGE_S - 4.0
    keys = [(0.0, bend(SIDE, 0)), (2.0, bend(SIDE, 0)), (2.8, bend(SIDE, 35)), (2.8 + held_s, bend(SIDE, 35))]
    keys += [(3.6 + held_s, bend(SIDE, 0)), (5.0 + held_s, bend(SIDE, 0))]
    assert play(relative, keys).result.reps["total"] == 1
