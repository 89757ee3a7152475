"""Language extensions: difference measures, rep_end faults, signed lean, the peak hold's clock
(paused by faults, reported when the input ends mid-hold)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from engine_support import SIDE, Posture, bend, play, reps_keys, write_rule
from formcheck.engine.geometry import tilt
from formcheck.errors import RuleError
from formcheck.rules import load_exercise

STRETCH = """\
format: 1
id: stretch
name: One-leg stretch
view: side
dose: {hold_s: 5, per_side: true}
measures:
  knee_working: {kind: angle, points: [hip, knee, ankle], side: working}
  knee_stance: {kind: angle, points: [hip, knee, ankle], side: stance}
  bent_more: {kind: difference, of: [knee_working, knee_stance]}
hold:
  when: {measure: bent_more, above: 30}
  target_s: 3
  min_s: 1
  sides: each
"""


def one_leg(left: float, right: float, **kw: object) -> Posture:
    return Posture(yaw=90.0, knee_flexion={"left": left, "right": right}, **kw)  # type: ignore[arg-type]


def test_difference_tells_the_stretched_leg_from_the_other(tmp_path: Path) -> None:
    ex = write_rule(tmp_path, "stretch", STRETCH)
    keys = [(0.0, one_leg(0, 0)), (1.0, one_leg(60, 0)), (5.0, one_leg(60, 0)), (6.0, one_leg(0, 0)),
            (7.0, one_leg(0, 60)), (11.0, one_leg(0, 60)), (12.0, one_leg(0, 0))]  # fmt: skip
    run = play(ex, keys, fps=20)
    assert [h.side for h in run.result.holds] == ["left", "right"]
    assert all(h.completed for h in run.result.holds)
    # both legs bent alike is no stretch of either
    both = play(ex, [(0.0, one_leg(0, 0)), (1.0, one_leg(60, 60)), (6.0, one_leg(60, 60))], fps=20)
    assert both.result.holds == ()
    # the report shows the difference, per side too (and the joints of both measures)
    mid = run.reports[60]  # t = 3 s, holding the left leg
    assert mid.side == "left"
    assert mid.measures["bent_more"] == pytest.approx(60, abs=3)
    assert mid.measures["bent_more.right"] == pytest.approx(-60, abs=3)
    assert len(mid.highlight["bent_more"]) == 6


def test_difference_is_unknown_when_either_measure_is(tmp_path: Path) -> None:
    ex = write_rule(tmp_path, "stretch", STRETCH)
    hidden = frozenset({"right_ankle"})
    run = play(ex, [(0.0, one_leg(60, 0, hidden=hidden)), (4.0, one_leg(60, 0, hidden=hidden))], fps=20)
    assert run.result.holds == ()
    assert all(r.measures["bent_more.left"] is None for r in run.reports)


NESTED = "  d: {kind: difference, of: [a, b]}\n  e: {kind: difference, of: [d, a]}"


@pytest.mark.parametrize(
    ("measures", "when", "message"),
    [
        ("  d: {kind: difference, of: [a, nope]}", "{measure: d, above: 10}", "unknown measure 'nope'"),
        ("  d: {kind: difference, of: [a, a]}", "{measure: d, above: 10}", "must differ"),
        ("  d: {kind: difference, of: [a, h]}", "{measure: d, above: 10}", "different units"),
        (NESTED, "{measure: e, above: 10}", "itself a difference"),
        ("  d: {kind: difference, of: [a, b]}", "{measure: d, above: 200}", "expected -180 to 180"),
        ("  d: {kind: difference, of: [a, b], side: left}", "{measure: d, above: 1}", "unknown field 'side'"),
    ],
)
def test_difference_is_checked(tmp_path: Path, measures: str, when: str, message: str) -> None:
    text = f"""\
format: 1
id: bad
name: Bad
view: side
dose: {{hold_s: 5}}
measures:
  a: {{kind: angle, points: [hip, knee, ankle], side: left}}
  b: {{kind: angle, points: [hip, knee, ankle], side: right}}
  h: {{kind: height, points: [knee, hip], side: left}}
{measures}
hold:
  when: {when}
  target_s: 3
"""
    with pytest.raises(RuleError, match=message):
        write_rule(tmp_path, "bad", text)


def test_negative_difference_thresholds_are_valid(tmp_path: Path) -> None:
    text = STRETCH.replace("{measure: bent_more, above: 30}", "{measure: bent_more, below: -30}")
    ex = write_rule(tmp_path, "stretch", text)
    run = play(ex, [(0.0, one_leg(0, 0)), (1.0, one_leg(0, 60)), (5.0, one_leg(0, 60))], fps=20)
    assert [h.side for h in run.result.holds] == ["left"]  # left working, right bent: -60


SQUAT = """\
format: 1
id: squat-test
name: Squat
view: side
dose: {reps: 10}
measures:
  knee_flexion: {kind: angle, points: [hip, knee, ankle], side: nearer}
reps:
  measure: knee_flexion
  rest: 20
  peak: 50
  min_duration_s: 0.6
faults:
  - id: not_deep_enough
    when: {measure: knee_flexion, below: 75}
    phase: rep_end
    message: Go lower
    cue: lower
    explain: The thighs should get near parallel.
"""


def test_rep_end_fault_judges_each_rep_on_its_peak(tmp_path: Path) -> None:
    ex = write_rule(tmp_path, "squat-test", SQUAT)
    run = play(ex, reps_keys(SIDE, [90, 60, 90]), fps=30)
    res = run.result
    assert res.reps["total"] == 3 and res.reps["good"] == 2
    assert [e.faults for e in res.rep_events] == [(), ("not_deep_enough",), ()]
    shallow = res.rep_events[1]
    [fault] = res.faults
    assert (fault.id, fault.start_s, fault.end_s) == ("not_deep_enough", shallow.start_s, shallow.end_s)
    # announced (with its cue) as the rep ends, never shown frame by frame: on the reading that
    # confirms it is back at rest (the first one or the next, see BACK_AT_REST_SHARE)
    starts = run.events("fault_start")
    assert [(d["id"], d["cue"]) for _, _, d in starts] == [("not_deep_enough", "lower")]
    assert shallow.end_s <= starts[0][0] <= shallow.end_s + 1 / 30 + 1e-6
    assert not any(r.faults for r in run.reports)


def test_rep_end_fault_judges_a_rep_counted_at_the_end(tmp_path: Path) -> None:
    ex = write_rule(tmp_path, "squat-test", SQUAT)
    keys = [*reps_keys(SIDE, [60])[:-2], (2.4, bend(SIDE, 10))]  # cut on the way up
    res = play(ex, keys, fps=30).result
    assert res.reps["total"] == 1 and res.reps["faulty"] == 1
    assert [f.id for f in res.faults] == ["not_deep_enough"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [("    for_s: 0.3\n", "for_s does not apply"), ("", "this rule has no reps")],
)
def test_rep_end_fault_is_checked(tmp_path: Path, extra: str, message: str) -> None:
    text = SQUAT + extra
    if "no reps" in message:
        text = text.replace(
            "reps:\n  measure: knee_flexion\n  rest: 20\n  peak: 50\n  min_duration_s: 0.6\n",
            "hold:\n  when: {measure: knee_flexion, above: 50}\n  target_s: 3\n",
        )
    with pytest.raises(RuleError, match=message):
        write_rule(tmp_path, "squat-test", text)


LEAN = """\
format: 1
id: lean-test
name: Lean
view: side
dose: {hold_s: 5}
measures:
  lean_image: {kind: lean, points: [hip, shoulder], side: nearer}
  lean_world: {kind: lean, points: [hip, shoulder], side: nearer, space: world}
hold:
  when: {measure: lean_image, above: 10}
  target_s: 3
"""


@pytest.mark.parametrize("yaw", [90.0, -90.0, 60.0])
@pytest.mark.parametrize("lean", [25.0, -25.0, 0.0])
def test_lean_is_signed_by_the_way_the_person_faces(tmp_path: Path, yaw: float, lean: float) -> None:
    ex = write_rule(tmp_path, "lean-test", LEAN)
    posture = Posture(yaw=yaw, trunk_lean=lean)
    run = play(ex, [(0.0, posture), (1.0, posture)], fps=10)
    last = run.reports[-1].measures
    assert last["lean_world"] == pytest.approx(lean, abs=1.0)
    if abs(yaw) == 90:  # side-on the picture shows the whole lean
        assert last["lean_image"] == pytest.approx(lean, abs=1.0)
    else:  # at an angle it is foreshortened, but its sign holds
        assert (last["lean_image"] or 0.0) * lean >= 0


def test_lean_falls_back_to_the_head_without_feet(tmp_path: Path) -> None:
    ex = write_rule(tmp_path, "lean-test", LEAN)
    feet = frozenset(f"{s}_{j}" for s in ("left", "right") for j in ("heel", "foot_index"))
    posture = Posture(yaw=-90.0, trunk_lean=-20.0, hidden=feet)
    last = play(ex, [(0.0, posture), (1.0, posture)], fps=10).reports[-1].measures
    assert last["lean_image"] == pytest.approx(-20, abs=1.0)


def test_warning_pauses_the_hold_at_the_peak(tmp_path: Path) -> None:
    ex = load_exercise("wall-squat", [])
    lean = Posture(yaw=90.0, trunk_lean=30.0)
    # held 8 s at 45°; leaning off the wall (an info fault) never pauses the clock
    upright = [(0.0, bend(SIDE, 0)), (1.0, bend(SIDE, 0)), (2.0, bend(SIDE, 45)), (10.0, bend(SIDE, 45)),
               (11.0, bend(SIDE, 0)), (12.0, bend(SIDE, 0))]  # fmt: skip
    leaning = [(t, bend(lean, 45) if 4 <= t <= 8 else p) for t, p in upright]
    base = play(ex, upright, fps=15).result.rep_events[0].hold_s
    assert base == pytest.approx(8.6, abs=0.5)
    assert play(ex, leaning, fps=15).result.rep_events[0].hold_s == pytest.approx(base, abs=0.2)
    # too deep (a warning) for 3 s of it pauses the clock for as long as the fault is active
    deep = [(0.0, bend(SIDE, 0)), (1.0, bend(SIDE, 0)), (2.0, bend(SIDE, 45)), (4.0, bend(SIDE, 45)),
            (4.2, bend(SIDE, 65)), (7.0, bend(SIDE, 65)), (7.2, bend(SIDE, 45)), (10.0, bend(SIDE, 45)),
            (11.0, bend(SIDE, 0)), (12.0, bend(SIDE, 0))]  # fmt: skip
    run = play(ex, deep, fps=15)
    [fault] = [f for f in run.result.faults if f.id == "too_deep"]
    paused = fault.end_s - fault.start_s
    assert 2.0 < paused < 3.5
    assert run.result.rep_events[0].hold_s == pytest.approx(base - paused, abs=0.5)


def test_input_ending_at_the_peak_reports_the_hold_so_far() -> None:
    ex = load_exercise("wall-squat", [])
    keys = [(0.0, bend(SIDE, 0)), (1.0, bend(SIDE, 0)), (2.0, bend(SIDE, 45)), (9.0, bend(SIDE, 45))]
    run = play(ex, keys, fps=15)
    res = run.result
    assert res.reps["total"] == 0 and res.rep_events == ()  # not a completed rep
    [hold] = res.holds
    assert hold.seconds == pytest.approx(7.3, abs=0.5) and hold.completed
    assert hold.end_s == pytest.approx(9.0)
    assert "hold_too_short" not in {f.id for f in res.faults}


PICTURE = """\
format: 1
id: picture-test
name: Leg out
view: front
dose: {hold_s: 5}
measures:
  leg_out_image: {kind: angle, points: [shoulder, hip, ankle], side: left}
  leg_out_flat: {kind: angle, points: [shoulder, hip, ankle], side: left, space: picture}
hold:
  when: {measure: leg_out_flat, above: 10}
  target_s: 3
"""


def test_a_picture_angle_reads_the_leg_out_whatever_the_hips_bend(tmp_path: Path) -> None:
    """From the front, a leg taken out to the side reads its abduction flat in the picture even
    with the hips and knees bent and the trunk leaning forward; with the depth guess (image) the
    bend swamps it: a 20° tap changes the 3D trunk-leg angle by a few degrees only."""
    ex = write_rule(tmp_path, "picture-test", PICTURE)

    def measured(bend: float, abduction: float) -> tuple[float, float]:
        posture = Posture(yaw=0.0, trunk_lean=bend * 0.8, abduction={"left": abduction, "right": 0.0})
        posture = replace(posture, knee_flexion={"left": bend, "right": bend})
        values = play(ex, [(0.0, posture), (1.0, posture)], fps=10).reports[-1].measures
        return values["leg_out_flat"] or 0.0, values["leg_out_image"] or 0.0

    (flat_up, image_up), (flat_up_out, image_up_out) = measured(0.0, 0.0), measured(0.0, 20.0)
    (flat_bent, image_bent), (flat_bent_out, image_bent_out) = measured(45.0, 0.0), measured(45.0, 20.0)
    # standing, the shoulder sits outside the hip: not 0, and a little more when the trunk
    # leans toward the camera (it is foreshortened), but nothing like the image angle's change
    assert flat_bent == pytest.approx(flat_up, abs=3.0)
    assert flat_up_out - flat_up == pytest.approx(20.0, abs=1.5)
    assert flat_bent_out - flat_bent == pytest.approx(20.0, abs=2.0)
    assert image_up_out - image_up == pytest.approx(20.0, abs=1.5)
    assert image_bent - image_up > 30.0 and image_bent_out - image_bent < 12.0


def test_a_lean_cannot_be_read_flat(tmp_path: Path) -> None:
    text = LEAN.replace("space: world", "space: picture")
    with pytest.raises(RuleError, match=r"lean_world\.space: a lean needs the depth"):
        write_rule(tmp_path, "lean-test", text)


@pytest.mark.parametrize(("dy", "sign"), [(-0.1, 1.0), (0.1, -1.0), (0.0, 0.0)])
def test_a_tilt_from_the_horizontal_is_signed(dy: float, sign: float) -> None:
    # Positive while the second point is above the first (y grows downwards), negative below: a
    # leg lying 3° below the picture's horizontal (a camera rolled a little) that lifts by 20°
    # reads -3° to 17°, its whole change; read unsigned, it would fall to 0° before rising.
    flat = tilt((0.0, 0.0), (1.0, dy), "horizontal")
    assert flat is not None
    assert flat == pytest.approx(sign * math.degrees(math.atan(0.1)))
    assert tilt((0.0, 0.0, 0.0), (1.0, dy, 0.0), "horizontal") == pytest.approx(flat)


def test_a_standing_side_leg_lift_counts_from_its_own_resting_reading() -> None:
    # The variant the reference allows: standing, the leg reads about -90° from the horizontal and
    # a sideways lift rises toward it (read unsigned it fell, and nothing counted).
    from formcheck.engine import ExerciseEngine
    from formcheck.rules import load_exercise as bundled
    from formcheck.synthetic import frames_from_motion, make_pose, rep_wave

    def motion(t: float):  # type: ignore[no-untyped-def]
        return make_pose(yaw_deg=0.0, leg_out_left=35.0 * rep_wave(t, period_s=2.5, start_s=2.0, reps=5))

    engine = ExerciseEngine(bundled("side-lying-leg-lift"))
    for pf in frames_from_motion(motion, 16.0):
        engine.update(pf, pf.poses[0])
    assert engine.finish().reps["left"] == 5
