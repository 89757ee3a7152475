"""Small real objects for the render tests: a squat-like rule, a standing pose, frame reports
and a session result, built from the real dataclasses (no engine or rule files needed)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from formcheck.engine.report import ActiveFault, Event, FrameReport, HoldProgress, Notice
from formcheck.landmarks import COUNT, INDEX
from formcheck.pose import Pose
from formcheck.rules.model import Compare, Dose, Exercise, Fault, Hold, Measure, Range, Reps


def squat_exercise(*, per_side: bool = False) -> Exercise:
    side = "working" if per_side else "max"
    measures = {
        "knee_flexion": Measure("knee_flexion", "angle", ("hip", "knee", "ankle"), side),
        "trunk_lean": Measure("trunk_lean", "tilt", ("hip", "shoulder"), side),
    }
    faults = (
        Fault(
            "knee_valgus",
            Compare("knee_flexion", above=100.0),
            message="knees cave in",
            cue="Push your knees out",
            explain="When the knees fall inward the kneecap is pulled sideways, loading the painful spot.",
        ),
        Fault(
            "trunk_forward",
            Compare("trunk_lean", above=45.0),
            message="leaning too far forward",
            cue="Chest up",
            explain="A big forward lean moves the work away from the hips.",
            severity="stop",
        ),
    )
    return Exercise(
        id="squat",
        name="Bodyweight squat",
        view="side",
        dose=Dose(reps=Range(10, 15), sets=Range(2, 3), per_side=per_side),
        measures=measures,
        faults=faults,
        reps=Reps("knee_flexion", rest=20.0, peak=80.0, sides="each" if per_side else "both"),
    )


def hold_exercise() -> Exercise:
    measures = {"knee_flexion": Measure("knee_flexion", "angle", ("hip", "knee", "ankle"), "working")}
    return Exercise(
        id="wall-squat",
        name="Wall squat",
        view="side",
        dose=Dose(hold_s=Range(30, 30)),
        measures=measures,
        faults=(),
        hold=Hold(Compare("knee_flexion", above=60.0), target_s=30.0),
    )


def standing_pose(*, visibility: float = 0.99, offset_x: float = 0.0) -> Pose:
    """A person standing in the middle of the frame, every landmark given."""
    lm = np.zeros((COUNT, 5), dtype=np.float32)
    lm[:, 3:] = visibility
    spots = {
        "nose": (0.50, 0.15),
        "left_shoulder": (0.56, 0.28), "right_shoulder": (0.44, 0.28),
        "left_elbow": (0.60, 0.40), "right_elbow": (0.40, 0.40),
        "left_wrist": (0.61, 0.50), "right_wrist": (0.39, 0.50),
        "left_hip": (0.54, 0.52), "right_hip": (0.46, 0.52),
        "left_knee": (0.55, 0.68), "right_knee": (0.45, 0.68),
        "left_ankle": (0.55, 0.84), "right_ankle": (0.45, 0.84),
        "left_pinky": (0.61, 0.52), "right_pinky": (0.39, 0.52),
        "left_index": (0.62, 0.52), "right_index": (0.38, 0.52),
        "left_thumb": (0.60, 0.51), "right_thumb": (0.40, 0.51),
        "left_heel": (0.54, 0.86), "right_heel": (0.46, 0.86),
        "left_foot_index": (0.58, 0.87), "right_foot_index": (0.42, 0.87),
    }  # fmt: skip
    for name, (x, y) in spots.items():
        lm[INDEX[name], 0] = x + offset_x
        lm[INDEX[name], 1] = y
    face = [i for i in range(11) if i != 0]
    lm[face, 0] = 0.50 + offset_x
    lm[face, 1] = 0.14
    return Pose(lm)


LEFT_LEG = (INDEX["left_hip"], INDEX["left_knee"], INDEX["left_ankle"])


def report(**overrides: Any) -> FrameReport:
    base = FrameReport(
        t_ms=1000,
        pose=standing_pose(),
        image_size=(1280, 720),
        measures={"knee_flexion": 42.0, "trunk_lean": 10.0},
        phase="moving",
        side=None,
        reps={"total": 3, "left": None, "right": None, "good": 2, "faulty": 1},
        hold=None,
        faults=[],
        notices=[],
        events=[],
        highlight={"knee_flexion": LEFT_LEG},
    )
    return replace(base, **overrides)


__all__ = [
    "LEFT_LEG",
    "ActiveFault",
    "Event",
    "FakeResult",
    "HoldProgress",
    "Notice",
    "hold_exercise",
    "report",
    "squat_exercise",
    "standing_pose",
]


class FakeResult:
    """Stands in for ``engine.SessionResult``: the report sinks only read ``to_dict()``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def to_dict(self) -> dict[str, Any]:
        return self._data
