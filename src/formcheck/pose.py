"""The canonical containers for what pose estimation sees in a frame.

A ``Pose`` is one person; a ``PoseFrame`` is everything seen in one video frame, with the
frame's index and timestamp. Every estimator (the live model, a replayed track) produces
``PoseFrame``s, and everything after pose estimation consumes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.landmarks import COUNT

# Columns of ``Pose.landmarks``.
X, Y, Z, VISIBILITY, PRESENCE = range(5)


@dataclass(frozen=True, slots=True)
class Pose:
    """One person's 33 landmarks.

    ``landmarks``: float32 (33, 5): x and y normalised to the image width and height (0..1,
    origin top-left), z (depth from the hips, smaller is nearer the camera: documented on the
    scale of x, read by MediaPipe about 3.5 times deeper, see rules/README), visibility and
    presence (0..1).
    ``world``: float32 (33, 3) in metres, origin between the hips, or None when not available.
    """

    landmarks: np.ndarray
    world: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.landmarks.shape != (COUNT, 5):
            raise ValueError(f"landmarks must be ({COUNT}, 5), got {self.landmarks.shape}")
        if self.world is not None and self.world.shape != (COUNT, 3):
            raise ValueError(f"world must be ({COUNT}, 3), got {self.world.shape}")

    @property
    def visibility(self) -> np.ndarray:
        return self.landmarks[:, VISIBILITY]

    def pixel_xy(self, width: int, height: int) -> np.ndarray:
        """(33, 2) landmark positions in pixels."""
        return self.landmarks[:, :2] * np.array([width, height], dtype=np.float32)

    def bbox(self, min_visibility: float = 0.5) -> tuple[float, float, float, float] | None:
        """Normalised (x0, y0, x1, y1) around the visible landmarks, or None."""
        seen = self.landmarks[self.landmarks[:, VISIBILITY] >= min_visibility]
        if len(seen) == 0:
            return None
        return (
            float(seen[:, X].min()),
            float(seen[:, Y].min()),
            float(seen[:, X].max()),
            float(seen[:, Y].max()),
        )


@dataclass(frozen=True, slots=True)
class PoseFrame:
    """Everything pose estimation saw in one frame.

    ``t_ms`` is strictly increasing along a stream; ``image_size`` is (width, height) of the
    upright frame the normalised coordinates refer to.
    """

    index: int
    t_ms: int
    image_size: tuple[int, int]
    poses: tuple[Pose, ...] = field(default_factory=tuple)

    @property
    def t_s(self) -> float:
        return self.t_ms / 1000.0

    @property
    def aspect(self) -> float:
        """Width over height: multiply normalised x by this to compare it with y."""
        return self.image_size[0] / self.image_size[1]
