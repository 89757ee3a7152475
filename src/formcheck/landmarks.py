"""The 33 BlazePose landmarks, by the names MediaPipe gives them.

Left and right are the subject's own (the subject's left appears on the image's right in an
unmirrored frame).
"""

from __future__ import annotations

NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)  # fmt: skip

INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}
COUNT = len(NAMES)

# Joint names a rule may use without a side prefix; the side is supplied by the measure.
SIDED_JOINTS: tuple[str, ...] = tuple(
    sorted({n.split("_", 1)[1] for n in NAMES if n.startswith(("left_", "right_"))})
)
SIDES = ("left", "right")

# The torso's corners: both shoulders, then both hips.
TORSO: tuple[int, ...] = tuple(INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))


def other_side(side: str) -> str:
    return "right" if side == "left" else "left"


def index_of(joint: str, side: str | None = None) -> int:
    """Index of ``joint`` ("knee" with side "left", or a full name like "left_knee")."""
    if side is not None and joint in SIDED_JOINTS:
        return INDEX[f"{side}_{joint}"]
    return INDEX[joint]


# Bones drawn by the overlay, as pairs of landmark names.
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("left_ankle", "left_heel"),
    ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("right_ankle", "right_heel"),
    ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
)
