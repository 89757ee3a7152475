"""Clinical figures (range of motion per side, left-right difference, tempo, reliability) on
synthetic tracks whose true angles and timings are known."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from formcheck.clinical import (
    TEMPO_BAND,
    ClinicalFigures,
    ClinicalRecorder,
    left_right_difference,
    rep_tempo,
    trusted_view,
)
from formcheck.engine import ExerciseEngine
from formcheck.landmarks import INDEX
from formcheck.pose import Pose
from formcheck.rules import Exercise, load_exercise
from formcheck.synthetic import DEFAULT_SIZE as SIZE
from formcheck.synthetic import frames_from_motion, make_pose

REST, DOWN, HOLD, UP = 1.0, 1.5, 1.0, 1.0
PERIOD = REST + DOWN + HOLD + UP + 1.0


def trapezoid(t: float) -> float:
    """0 at rest, a linear ramp to 1 over DOWN s, 1 for HOLD s, back to 0 over UP s."""
    k = t % PERIOD - REST
    if k < 0:
        return 0.0
    if k < DOWN:
        return k / DOWN
    k -= DOWN
    if k < HOLD:
        return 1.0
    k -= HOLD
    return max(0.0, 1.0 - k / UP)


def run(exercise: Exercise, motion, duration_s: float) -> ClinicalFigures:  # type: ignore[no-untyped-def]
    engine = ExerciseEngine(exercise)
    recorder = ClinicalRecorder(exercise)
    for pf in frames_from_motion(motion, duration_s, fps=30):
        recorder.add(pf, engine.update(pf, pf.poses[0] if pf.poses else None))
    return recorder.figures(engine.finish().to_dict())


def squats(left_peak: float, right_peak: float, *, reps: int = 3, yaw_deg: float = 0.0):  # type: ignore[no-untyped-def]
    def motion(t: float) -> Pose:
        f = trapezoid(t) if t < reps * PERIOD else 0.0
        return make_pose(
            yaw_deg=yaw_deg, knee_flexion_left=10 + (left_peak - 10) * f,
            knee_flexion_right=10 + (right_peak - 10) * f, hip_flexion=5 + 60 * f, trunk_lean=5 + 20 * f,
        )  # fmt: skip

    return motion


def test_squat_range_of_motion_per_side_and_left_right_difference() -> None:
    fig = run(load_exercise("squat"), squats(100, 80), 3 * PERIOD + 1)
    assert fig.kind == "reps" and len(fig.reps) == 3
    knee = next(r for r in fig.ranges if r.measure == "knee_flexion")
    assert knee.words == "knee bend" and knee.unit == "°"
    assert knee.by_side["left"].n == 3 and knee.by_side["right"].n == 3
    assert knee.by_side["left"].median == pytest.approx(100, abs=0.5)
    assert knee.by_side["right"].median == pytest.approx(80, abs=0.5)
    assert knee.by_side["left"].low <= knee.by_side["left"].median <= knee.by_side["left"].high
    # 20° short of the better side's 100°: 20 %, the right the weaker side
    assert knee.difference_pct == pytest.approx(20.0, abs=0.7)
    assert knee.weaker == "right"
    for rep in fig.reps:
        assert rep.values["knee_flexion"]["left"] == pytest.approx(100, abs=0.5)


def test_squat_seen_side_on_compares_no_sides() -> None:
    fig = run(load_exercise("squat"), squats(100, 80, reps=2, yaw_deg=90), 2 * PERIOD + 1)
    knee = next(r for r in fig.ranges if r.measure == "knee_flexion")
    assert set(knee.by_side) == {"both"} and knee.by_side["both"].n == 2
    assert knee.by_side["both"].median == pytest.approx(100, abs=1.0)  # the nearer (left) leg


def test_symmetric_squat_has_no_left_right_difference() -> None:
    fig = run(load_exercise("squat"), squats(95, 95, reps=2), 2 * PERIOD + 1)
    knee = next(r for r in fig.ranges if r.measure == "knee_flexion")
    assert knee.difference_pct == pytest.approx(0.0, abs=1.0)


def test_tempo_down_held_up_match_the_motion() -> None:
    """Knee 10° → 80° (right, the side the rule reads) over 1.5 s, 1 s still, back over 1 s.
    The rep starts when the knee passes the rule's rest level (35°) and is at its peak while
    within the tempo band (TEMPO_BAND of the excursion from where the rep started: 6.75°) of the
    peak level (the plateau, 80°: most of the rep's frames are on it)."""
    fig = run(load_exercise("squat"), squats(100, 80), 3 * PERIOD + 1)
    rest, excursion = 35.0, 80.0 - 10.0
    band = TEMPO_BAND * (80 - rest)
    start = REST + DOWN * (rest - 10) / excursion
    band_in = REST + DOWN * (80 - band - 10) / excursion
    band_out = REST + DOWN + HOLD + UP * band / excursion
    end = REST + DOWN + HOLD + UP * (80 - rest) / excursion
    for rep in fig.reps:
        assert rep.tempo is not None
        # the smoothed measure lags the pose a little, the same at the start and the band
        assert rep.tempo.down_s == pytest.approx(band_in - start, abs=0.1)
        assert rep.tempo.held_s == pytest.approx(band_out - band_in, abs=0.1)
        assert rep.tempo.up_s == pytest.approx(end - band_out, abs=0.1)


def test_tempo_of_a_noisy_hold_is_the_hold_not_its_highest_frame() -> None:
    """A 45° hold for 4 s with ±2° jitter and one 52° spike near its end: held ≈ 4 s."""
    t = [i / 30 for i in range(0, 30 * 7)]
    values = []
    for i, ts in enumerate(t):
        level = 25 + 20 * min(1.0, ts) if ts < 5 else 45 - 20 * min(1.0, ts - 5)
        jitter = 2.0 * math.sin(i * 1.7)
        values.append(52.0 if abs(ts - 4.8) < 0.02 else level + jitter)
    tempo = rep_tempo(t, values, True, 0.0, 6.0)
    assert tempo is not None
    assert tempo.held_s == pytest.approx(4.0, abs=0.4)
    assert tempo.down_s + tempo.held_s + tempo.up_s == pytest.approx(6.0)


def test_tempo_of_a_falling_measure() -> None:
    t = [i / 10 for i in range(41)]
    values = [50 - 40 * min(1.0, ts) if ts <= 2 else 10 + 40 * min(1.0, ts - 2) for ts in t]
    tempo = rep_tempo(t, values, False, 0.0, 4.0)
    assert tempo is not None
    # within 15% of 40° = 6° of the 10° low (its peak level: the 90th percentile of the
    # falling measure's values): from 0.85 s to 2.15 s (± a 0.1 s sample)
    assert tempo.down_s == pytest.approx(0.85, abs=0.11) and tempo.held_s == pytest.approx(1.3, abs=0.11)
    assert tempo.up_s == pytest.approx(1.85, abs=0.11)


def test_left_right_difference_is_a_share_of_the_better_side() -> None:
    assert left_right_difference(50, 40, True) == (pytest.approx(20.0), "right")
    # a falling measure (a bridge's hip bend, 0° = hips in line): the lower side is the better
    pct, weaker = left_right_difference(10, 20, False)
    assert pct == pytest.approx(100.0) and weaker == "right"


def test_glute_bridge_hold_side_on_is_reliable_and_front_only_measures_are_not_trusted() -> None:
    bridge = load_exercise("glute-bridge")
    assert trusted_view(bridge, "hip_flexion") == "side"
    assert trusted_view(bridge, "knee_width") == "front"

    def motion(t: float) -> Pose:
        f = trapezoid(t) if t < 2 * PERIOD else 0.0
        # lying on the back, knees bent; the hips rise until the hip bend is ~5°
        return make_pose(yaw_deg=90, pitch_deg=90 + 20 * f, hip_flexion=60 - 55 * f, knee_flexion=100)

    fig = run(bridge, motion, 2 * PERIOD + 1)
    assert len(fig.reps) == 2
    hip = next(r for r in fig.ranges if r.measure == "hip_flexion")
    # the hip bend at the top, read straight off the synthetic pose (its picture, depth on the
    # scale of x, has the shape of its world points, which the rule reads)
    top = motion(REST + DOWN + HOLD / 2).landmarks
    scale = np.array([SIZE[0], SIZE[1], SIZE[0]])
    a, b, c = (np.array(top[INDEX[f"left_{j}"], :3]) * scale for j in ("shoulder", "hip", "knee"))
    cos = np.dot(a - b, c - b) / np.linalg.norm(a - b) / np.linalg.norm(c - b)
    expected = 180 - math.degrees(math.acos(cos))
    assert not hip.rising and hip.by_side["both"].median == pytest.approx(expected, abs=1.0)
    # side-on the far leg is hidden behind the near one: no left-right comparison is made
    assert set(hip.by_side) == {"both"} and hip.difference_pct is None
    assert fig.reliability["hip_flexion"].grade == "good"
    assert fig.reliability["knee_width"].grade == "poor"
    assert not fig.trusted("knee_width") and fig.trusted("hip_flexion")


def test_an_image_knee_angle_from_the_front_grades_poor() -> None:
    # The routine's wall squat reads its knee in 3D (``space: world``, every view); as an angle
    # in the picture, the knee bend is only trustworthy side-on.
    rule = load_exercise("wall-squat")
    image_knee = replace(rule.measures["knee_flexion"], space="image", views=())
    wall = replace(rule, measures={**rule.measures, "knee_flexion": image_knee})
    fig_front = run(wall, lambda t: make_pose(yaw_deg=0, knee_flexion=10 + 40 * trapezoid(t)), PERIOD)
    fig_side = run(wall, lambda t: make_pose(yaw_deg=90, knee_flexion=10 + 40 * trapezoid(t)), PERIOD)
    assert fig_front.reliability["knee_flexion"].grade == "poor"
    assert "side-on in 0%" in fig_front.reliability["knee_flexion"].why
    assert fig_side.reliability["knee_flexion"].grade == "good"


def test_a_measure_graded_in_the_views_its_rule_declares() -> None:
    # A rule author who declares a picture angle readable from the front is taken at their word.
    rule = load_exercise("wall-squat")
    front_knee = replace(rule.measures["knee_flexion"], space="image", views=("side", "angled", "front"))
    wall = replace(rule, measures={**rule.measures, "knee_flexion": front_knee})
    fig_front = run(wall, lambda t: make_pose(yaw_deg=0, knee_flexion=10 + 40 * trapezoid(t)), PERIOD)
    assert fig_front.reliability["knee_flexion"].grade == "good"
    assert fig_front.reliability["trunk_lean"].grade == "poor"  # views: [side, angled]


def test_stretch_holds_give_the_held_angle_per_side() -> None:
    stretch = load_exercise("hamstring-stretch")

    def motion(t: float) -> Pose:
        # lying on the back: left leg raised to 90° for 12 s, rest, right leg to 80° for 12 s
        if 1 <= t < 13:
            return make_pose(yaw_deg=90, pitch_deg=90, hip_flexion_left=90)
        if 15 <= t < 27:
            return make_pose(yaw_deg=90, pitch_deg=90, hip_flexion_right=80)
        return make_pose(yaw_deg=90, pitch_deg=90)

    fig = run(stretch, motion, 28)
    assert fig.kind == "holds" and len(fig.hold_values) == 2
    hip = next(r for r in fig.ranges if r.measure == "hip_flexion")
    assert hip.by_side["left"].median == pytest.approx(90, abs=1.0)
    assert hip.by_side["right"].median == pytest.approx(80, abs=1.0)
    assert hip.difference_pct == pytest.approx(100 * 10 / 90, abs=1.5)
