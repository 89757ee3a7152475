"""Reps made of several movements (``and:`` / ``or:`` / ``instead:``), measures that must stay put
through a rep (``steady:``), go past a level in it (``reaches:``) or never do (``never:``), and the
``elevation`` and ``across`` measures.

A bridge kick is "leg up and hips up" whichever moves first; a step-up is the body raised by the
step whether or not the feet end level. Side-on synthetic person: knee bend stands for the
main movement, trunk lean or rising onto a step for the other one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from engine_support import SIDE, Key, Posture, bend, play, reps_keys, write_rule
from formcheck.engine.exercise_engine import REFUSED_SHOWN_S
from formcheck.engine.reps import _all_at_peak, _any_at_peak

RULE = """\
format: 1
id: combo
name: Combination
view: side
dose: {reps: 10}
measures:
  knee_flexion: {kind: angle, points: [hip, knee, ankle], convention: flexion, side: nearer}
  trunk_lean: {kind: lean, points: [hip, shoulder], side: nearer}
  hip_elevation: {kind: elevation, points: [hip], side: nearer, per: leg_length}
  thigh_drop: {kind: tilt, points: [hip, knee], from: down, side: nearer}
  hips_over_feet: {kind: distance, points: [hip, ankle], axis: horizontal, side: nearer, per: leg_length}
  foot_across: {kind: across, points: [ankle], side: nearer, per: leg_length}
reps:
  measure: knee_flexion
  rest: 20
  peak: 50
  min_duration_s: 0.6
  ready: {hold_s: 0.5}
"""

AND_LEAN = "  and:\n    - {measure: trunk_lean, rest: 10, peak: 20}\n"
OR_RISE = "  or:\n    - {measure: hip_elevation, rest: 0.08, peak: 0.15, from_rest_level: true}\n"
INSTEAD_THIGH = "  instead:\n    - {measure: thigh_drop, rest: 20, peak: 50}\n"
FEET = frozenset(f"{side}_{part}" for side in ("left", "right") for part in ("ankle", "heel", "foot_index"))


def _rule(tmp_path: Path, extra: str):  # type: ignore[no-untyped-def]
    return write_rule(tmp_path, "combo", RULE + extra)


def _pose(knee: float = 0.0, lean: float = 0.0, rise: float = 0.0) -> Posture:
    return replace(bend(SIDE, knee), trunk_lean=lean, rise=rise)


def _timeline(*steps: tuple[float, Posture]) -> list[Key]:
    """Stand still 1 s, then move to each posture over ``dt`` seconds, ending with a still second."""
    keys: list[Key] = [(0.0, _pose()), (1.0, _pose())]
    t = 1.0
    for dt, posture in steps:
        t += dt
        keys.append((t, posture))
    keys.append((t + 1.0, keys[-1][1]))
    return keys


def test_and_counts_only_while_both_movements_are_at_their_peak(tmp_path: Path) -> None:
    keys = _timeline(
        (0.8, _pose(knee=70)),
        (0.8, _pose()),  # knee alone: no rep
        (0.8, _pose(lean=30)),
        (0.8, _pose()),  # lean alone: no rep
        (0.8, _pose(knee=70, lean=30)),
        (0.8, _pose()),  # both together: a rep
        (0.8, _pose(knee=70)),  # knee held bent, the lean comes and goes three times: 3 reps
        (0.8, _pose(knee=70, lean=30)),
        (0.8, _pose(knee=70)),
        (0.8, _pose(knee=70, lean=30)),
        (0.8, _pose(knee=70)),
        (0.8, _pose(knee=70, lean=30)),
        (0.8, _pose(knee=70)),
        (0.8, _pose()),
    )
    assert play(_rule(tmp_path, AND_LEAN), keys).result.reps["total"] == 1 + 3
    # the knee alone counts its three bends: alone, with the lean, and the long one
    (tmp_path / "plain").mkdir()
    assert play(_rule(tmp_path / "plain", ""), keys).result.reps["total"] == 3


def test_or_counts_either_movement_and_a_handover_once(tmp_path: Path) -> None:
    keys = _timeline(
        (0.8, _pose(knee=70)),
        (0.8, _pose()),
        (1.5, _pose()),  # knee alone: a rep
        (0.8, _pose(rise=0.25)),
        (0.8, _pose()),
        (1.5, _pose()),  # raised alone: a rep
        # knee bends (foot onto the step), the body rises as the knee straightens, then down:
        # the rep never passes through rest, so it is one rep
        (0.8, _pose(knee=70)),
        (0.8, _pose(knee=10, rise=0.25)),
        (0.8, _pose()),
    )
    assert play(_rule(tmp_path, OR_RISE), keys).result.reps["total"] == 3


def test_elevation_counts_a_rise_from_the_resting_height_and_ignores_a_sway(tmp_path: Path) -> None:
    counted = "  measure: hip_elevation\n  from_rest_level: true\n  rest: 0.08\n  peak: 0.15\n"
    rule = RULE.replace("  measure: knee_flexion\n  rest: 20\n  peak: 50\n", counted)
    ex = write_rule(tmp_path, "combo", rule)
    steps: list[tuple[float, Posture]] = []
    for rise in (0.2, 0.03, 0.3, 0.05):  # two steps up (0.22 and 0.33 leg lengths), two sways
        steps += [(0.8, _pose(rise=rise)), (0.8, _pose()), (1.2, _pose())]
    run = play(ex, _timeline(*steps))
    assert run.result.reps["total"] == 2
    # standing still the reading is steady, although the picture's leg length is recomputed
    # every frame: about 1.8 leg lengths below the picture's top (hips at 0.45 of 480 px)
    standing = [r.measures["hip_elevation"] for r in run.reports[:30]]
    assert all(v is not None and abs(v - standing[0]) < 1e-9 for v in standing)


@pytest.mark.parametrize(
    ("ps", "all_of", "any_of"),
    [
        ([0.5, 1.2], 0.5, 1.2),
        ([-0.2, 1.2], -0.2, 1.2),
        ([0.5, None], None, None),  # the unknown one could be anything
        ([-0.2, None], -0.2, None),  # and: one at rest is enough to be at rest
        ([1.2, None], None, 1.2),  # or: one at its peak is enough to be at the peak
        ([None, None], None, None),
    ],
)
def test_unknown_movements_never_decide_what_a_known_one_cannot(
    ps: list[float | None], all_of: float | None, any_of: float | None
) -> None:
    assert (_all_at_peak(ps), _any_at_peak(ps)) == (all_of, any_of)


@pytest.mark.parametrize(
    ("name", "extra", "feet_from_rep", "expected"),
    [
        ("feet in view: the knee bend counts", INSTEAD_THIGH, None, 3),
        ("feet cropped throughout, no instead: unknown, nothing counted", "", 0, 0),
        ("feet cropped throughout: the thigh counts instead", INSTEAD_THIGH, 0, 3),
        ("cropped from the second rep on (a close-up after a cut)", INSTEAD_THIGH, 1, 3),
    ],
)
def test_instead_counts_while_the_main_movement_cannot_be_read(
    tmp_path: Path, name: str, extra: str, feet_from_rep: int | None, expected: int
) -> None:
    """The knee bend needs the ankle; with ``instead``, the thigh's drop (read without it)
    stands in while the ankle is out of view, and the knee bend is used again once it is seen."""
    keys = reps_keys(SIDE, [70, 70, 70])
    if feet_from_rep is not None:
        cropped_from = 1.0 + 2.2 * feet_from_rep - 0.3  # reps_keys: 1 s standing, then 2.2 s a rep
        keys = [(t, replace(p, hidden=FEET) if t >= cropped_from else p) for t, p in keys]
    run = play(_rule(tmp_path, extra), keys)
    assert run.result.reps["total"] == expected, name


@pytest.mark.parametrize(
    ("name", "measure", "within", "feet_hidden", "expected"),
    [
        ("no steady measure", "", "", False, 3),
        # side-on, the synthetic knee bend carries the foot forward of the hip: 0.45 m x sin 70
        # = 0.42 m, about half a leg length (0.9 m)
        ("the foot goes half a leg from the hip, more than it may", "hips_over_feet", "0.2", False, 0),
        ("the foot goes half a leg from the hip, less than it may", "hips_over_feet", "0.6", False, 3),
        # the hip stays where it is in the picture: the foot moves as far across it
        ("the foot goes half a leg across the picture, more than it may", "foot_across", "0.2", False, 0),
        ("the foot goes half a leg across the picture, less than it may", "foot_across", "0.6", False, 3),
        # unseen, the steady measure is neither still nor moved: the thigh's reps count
        ("feet unseen: no sign of a step", "hips_over_feet", "0.2", True, 3),
        ("feet unseen: no sign of a step across the picture", "foot_across", "0.2", True, 3),
    ],
)
def test_a_rep_in_which_a_steady_measure_ranged_too_far_is_not_counted(
    tmp_path: Path, name: str, measure: str, within: str, feet_hidden: bool, expected: int
) -> None:
    """``steady``: a calf raise's feet stay planted; a heel lifted to walk out of the picture
    swings a foot a step's length, and is no raise."""
    steady = f"  steady: [{{measure: {measure}, within: {within}}}]\n" if measure else ""
    keys = reps_keys(SIDE, [70, 70, 70])
    if feet_hidden:
        keys = [(t, replace(p, hidden=FEET)) for t, p in keys]
    run = play(_rule(tmp_path, INSTEAD_THIGH + steady), keys)
    assert run.result.reps["total"] == expected, name


LEANS = _timeline(
    (0.8, _pose(knee=70)),  # an upright bend
    (0.8, _pose()),
    (0.8, _pose(knee=70, lean=30)),  # a bend with the trunk tilted forward
    (0.8, _pose()),
    (0.8, _pose(knee=70, lean=30)),
    (0.8, _pose()),
)
# the trunk's tilt from straight up in the picture: read whichever way the person faces
TILT = "  trunk_tilt: {kind: tilt, points: [hip, shoulder], from: up, side: nearer}\nreps:\n"


def _shaped_rule(directory: Path, extra: str, smoothing_s: float | None = None):  # type: ignore[no-untyped-def]
    text = RULE.replace("\nreps:\n", "\n" + TILT, 1) + extra
    if smoothing_s is not None:
        text = text.replace("dose:", f"smoothing_s: {smoothing_s:g}\ndose:", 1)
    directory.mkdir(parents=True, exist_ok=True)
    return write_rule(directory, "combo", text)


@pytest.mark.parametrize(
    ("name", "extra", "expected"),
    [
        ("no shape", "", 3),
        ("reaches: the bends that tilt count", "  reaches: [{measure: trunk_tilt, above: 20}]\n", 2),
        ("never: the bends that tilt do not", "  never: [{measure: trunk_tilt, above: 20}]\n", 1),
        # the synthetic trunk stands 9° from upright in the picture: no bend goes below 5°
        ("reaches below", "  reaches: [{measure: trunk_tilt, below: 5}]\n", 0),
        ("never below", "  never: [{measure: trunk_tilt, below: 5}]\n", 3),
        # one measure with a level to reach and one never to pass: each judged on its own
        (
            "reaches and never on one measure",
            "  reaches: [{measure: trunk_tilt, above: 20}]\n  never: [{measure: trunk_tilt, above: 40}]\n",
            2,
        ),
    ],
)
def test_a_rep_must_have_the_rules_shape(tmp_path: Path, name: str, extra: str, expected: int) -> None:
    """``reaches``: a measure goes past its level at some moment of every rep; ``never``: at no
    moment of any (a lunge's thighs split, a squat's do not)."""
    run = play(_shaped_rule(tmp_path, extra), LEANS)
    assert run.result.reps["total"] == expected, name
    refused = [n for n in run.result.notices if n.kind == "not_counted"]
    if expected == 3:
        assert not refused, name
    elif expected == 0 and "below" in extra:
        (notice,) = refused
        why = "trunk tilt never went below 5°, as it does in a combination"
        assert notice.message == f"3 movements not counted as reps: {why}"
    else:
        # the summary says how many were refused, by which measure, in the rule's words
        (notice,) = refused
        n = 3 - expected
        assert notice.message.startswith(f"{n} movement{'s' if n > 1 else ''} not counted"), notice.message
        assert "trunk tilt" in notice.message and "combination" in notice.message, notice.message


def test_a_refused_movement_is_said_as_it_happens(tmp_path: Path) -> None:
    """Live, the overlay says for a few seconds that a movement was not counted, and why; the
    event log has a line for it."""
    keys = [*LEANS, (LEANS[-1][0] + 5.0, LEANS[-1][1])]  # standing on for 5 s
    run = play(_shaped_rule(tmp_path, "  never: [{measure: trunk_tilt, above: 20}]\n"), keys)
    refused = [(r.t_ms / 1000, e) for r in run.reports for e in r.events if e.kind == "rep_refused"]
    assert len(refused) == 2 and all(e.data["reason"] == "went_past" for _, e in refused)
    first_s = refused[0][0]

    def shown(t: float) -> list[str]:
        report = min(run.reports, key=lambda r: abs(r.t_ms / 1000 - t))
        return [n.message for n in report.notices if n.kind == "not_counted"]

    assert shown(first_s + 1.0) == [f"not counted: {refused[0][1].data['message']}"]
    assert "trunk tilt went above 20°" in shown(first_s + 1.0)[0]
    assert shown(first_s - 0.5) == []
    # gone again once the last one has been up for its while
    assert shown(refused[-1][0] + REFUSED_SHOWN_S + 0.2) == []


def test_a_shape_measure_unseen_counts_neither_way_and_one_frame_is_not_enough(tmp_path: Path) -> None:
    # the trunk unseen throughout: the reaches cannot be judged, the bends count
    hidden = frozenset({"left_shoulder", "right_shoulder"})
    unseen = [(t, replace(p, hidden=hidden)) for t, p in LEANS]
    rule = _shaped_rule(tmp_path / "reaches", "  reaches: [{measure: trunk_tilt, above: 20}]\n")
    assert play(rule, unseen).result.reps["total"] == 3
    # a single frame's tilt past the level (the model's error for a frame) is not the movement;
    # unsmoothed, so that the frame alone reads past it
    keys = _timeline((0.8, _pose(knee=70)), (0.8, _pose()))
    bottom = round(1.8 * 30)  # the frame where the knee is bent furthest
    never = _shaped_rule(tmp_path / "never", "  never: [{measure: trunk_tilt, above: 20}]\n", smoothing_s=0)

    def tilted_on(frames: tuple[int, ...]):  # type: ignore[no-untyped-def]
        return lambda t, p: replace(p, trunk_lean=40.0) if round(t * 30) in frames else p

    assert play(never, keys, noise=tilted_on((bottom,))).result.reps["total"] == 1
    # two frames in a row are
    assert play(never, keys, noise=tilted_on((bottom, bottom + 1))).result.reps["total"] == 0


def test_spread_is_how_far_apart_the_two_sides_read(tmp_path: Path) -> None:
    """``side: spread``: the larger side minus the smaller (a lunge's thighs, one forward and one
    down); the same as the difference of ``max`` and ``min``, unknown unless both are seen."""
    text = RULE.replace(
        "\nreps:\n",
        "\n  split: {kind: tilt, points: [hip, knee], from: down, side: spread, space: world}\n"
        "  front: {kind: tilt, points: [hip, knee], from: down, side: max, space: world}\n"
        "  back: {kind: tilt, points: [hip, knee], from: down, side: min, space: world}\n"
        "  front_minus_back: {kind: difference, of: [front, back]}\n"
        "reps:\n",
        1,
    )
    rule = write_rule(tmp_path, "combo", text.replace("dose:", "smoothing_s: 0\ndose:", 1))
    for left, right in ((60.0, 20.0), (15.0, 70.0), (40.0, 40.0)):
        posture = replace(SIDE, knee_flexion={"left": left, "right": right})
        values = play(rule, [(0.0, posture), (0.1, posture)]).reports[-1].measures
        assert values["split"] == pytest.approx(abs(left - right), abs=0.5)
        assert values["front_minus_back"] == pytest.approx(values["split"], abs=1e-9)
    hidden = replace(SIDE, hidden=frozenset({"left_knee"}))
    values = play(rule, [(0.0, hidden), (0.1, hidden)]).reports[-1].measures
    assert values["split"] is None and values["front_minus_back"] is None
