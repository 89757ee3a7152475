"""View and visibility: the engine says what is wrong and neither counts nor faults meanwhile."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_support import KNEE_BEND, SIDE, Posture, bend, play, reps_keys, write_rule
from formcheck.engine.view import ViewTracker
from formcheck.rules import Exercise


@pytest.fixture
def knee_bend(tmp_path: Path) -> Exercise:
    return write_rule(tmp_path, "knee-bend", KNEE_BEND)


def at_yaw(keys: list, yaw: float) -> list:
    return [
        (t, None if p is None else Posture(yaw=yaw, knee_flexion=p.knee_flexion, hidden=p.hidden))
        for t, p in keys
    ]


@pytest.mark.parametrize(
    ("yaw", "detected", "reps", "notice"),
    [
        (90, "side", 2, None),
        (-90, "side", 2, None),  # right side toward the camera
        (45, "angled", 2, "turn further side-on for the most accurate angles"),
        (0, "front", 0, "turn side-on to the camera"),
    ],
)
def test_side_rule_by_view(
    knee_bend: Exercise, yaw: float, detected: str, reps: int, notice: str | None
) -> None:
    run = play(knee_bend, at_yaw(reps_keys(SIDE, [70, 70]), yaw))
    assert run.result.view["detected"] == detected
    assert run.result.view["suited"] == (reps > 0)
    assert run.result.reps["total"] == reps
    views = {n.message for n in run.result.notices if n.kind == "view"}
    assert views == ({notice} if notice else set())


def test_nearer_side_follows_the_camera() -> None:
    from engine_support import make_pose

    for yaw, nearer in ((90, "left"), (-90, "right")):
        tracker = ViewTracker()
        for i in range(30):
            pose = make_pose(bend(Posture(yaw=yaw), 30))
            lm = pose.landmarks
            coords = [[float(x) * 640, float(y) * 480, float(z) * 640] for x, y, z in lm[:, :3]]
            tracker.update(i / 30, coords, [c[2] for c in coords], [True] * 33, pose.world.tolist())
        assert (tracker.view, tracker.nearer) == ("side", nearer)


def test_nobody_seen_gives_notice_and_no_faults(knee_bend: Exercise) -> None:
    keys = [(0.0, None), (2.0, None)] + [(t + 2.05, p) for t, p in reps_keys(SIDE, [95])]
    run = play(knee_bend, keys)
    assert "step into view of the camera" in run.notices()
    assert run.result.pose_coverage == pytest.approx(
        len([r for r in run.reports if r.pose]) / len(run.reports)
    )
    assert run.result.reps["total"] == 1
    first = run.result.notices[0]
    assert (first.kind, first.start_s) == ("no_person", 0.0) and first.end_s == pytest.approx(2.0, abs=0.1)


def test_refused_view_stops_active_faults(knee_bend: Exercise) -> None:
    # deep (fault firing) when the person turns to face the camera: the fault ends, no rep
    keys = [(0, bend(SIDE, 0)), (1, bend(SIDE, 0)), (1.8, bend(SIDE, 95)), (3, bend(SIDE, 95)),
            (3.05, bend(Posture(yaw=0), 95)), (6, bend(Posture(yaw=0), 95))]  # fmt: skip
    run = play(knee_bend, keys)
    assert [f.id for f in run.result.faults] == ["too_deep"]
    assert run.result.faults[0].end_s < 5.0  # the view is smoothed over ~1 s
    assert run.reports[-1].faults == [] and run.reports[-1].phase == "unknown"
    assert run.result.reps["total"] == 0


def test_multiple_people_notice(knee_bend: Exercise) -> None:
    from engine_support import SIZE, make_pose
    from formcheck.engine import ExerciseEngine
    from formcheck.pose import PoseFrame

    engine = ExerciseEngine(knee_bend)
    pose = make_pose(bend(SIDE, 0))
    reports = [engine.update(PoseFrame(i, i * 33, SIZE, (pose, pose)), pose) for i in range(30)]
    assert reports[-1].notices[0].kind == "multiple_people"


def test_broken_landmarks_are_unknown_not_a_crash(knee_bend: Exercise) -> None:
    import numpy as np

    from engine_support import SIZE, make_pose
    from formcheck.engine import ExerciseEngine
    from formcheck.pose import Pose, PoseFrame

    engine = ExerciseEngine(knee_bend)
    good = make_pose(bend(SIDE, 0))
    lm = good.landmarks.copy()
    lm[:, :3] = np.nan
    world = np.full((33, 3), np.inf, dtype=np.float32)
    broken = Pose(lm, world)
    reports = [engine.update(PoseFrame(i, i * 33, SIZE, (broken,)), broken) for i in range(20)]
    assert all(v is None for r in reports for v in r.measures.values())
    reports = [engine.update(PoseFrame(i, i * 33, SIZE, (good,)), good) for i in range(20, 60)]
    assert reports[-1].measures["knee_flexion"] is not None and reports[-1].phase == "rest"
    # time running backwards is clamped, not an error
    assert engine.update(PoseFrame(99, 10, SIZE, (good,)), good).t_ms == 10


def test_view_ignores_broken_world_landmarks() -> None:
    from engine_support import make_pose

    tracker = ViewTracker()
    pose = make_pose(bend(Posture(yaw=90), 30))
    coords = [[float(x) * 640, float(y) * 480, float(z) * 640] for x, y, z in pose.landmarks[:, :3]]
    nan_world = [[float("nan")] * 3 for _ in range(33)]
    for i in range(10):
        tracker.update(i / 30, coords, [c[2] for c in coords], [True] * 33, nan_world)
    assert tracker.view == "side" and tracker.yaw_deg is not None


@pytest.mark.parametrize("yaw", [90.0, 0.0])
def test_the_quad_stretch_is_timed_side_on_and_from_the_front(yaw: float) -> None:
    # The reference films it side-on, or from the front to see the knees together: with the heel
    # at the buttock the knee's bend reads past the hold's 100° from either (the thigh's swing
    # forward, which the front cannot see, stays unknown there and fires nothing).
    from formcheck.engine import ExerciseEngine
    from formcheck.rules import load_exercise
    from formcheck.synthetic import frames_from_motion, make_pose

    def motion(t: float):  # type: ignore[no-untyped-def]
        stretched = 150.0 if 2.0 <= t < 10.0 else 5.0  # the right heel pulled up for 8 s
        return make_pose(yaw_deg=yaw, knee_flexion_left=5.0, knee_flexion_right=stretched)

    engine = ExerciseEngine(load_exercise("quad-stretch"))
    for pf in frames_from_motion(motion, 12.0):
        report = engine.update(pf, pf.poses[0])
        if yaw == 0.0 and 3.0 < pf.t_ms / 1000 < 9.0:
            assert report.measures["thigh_forward"] is None
    result = engine.finish()
    assert result.view["detected"] == ("side" if yaw else "front")
    (hold,) = result.holds
    assert hold.side == "right" and 6.5 < hold.seconds <= 8.0
