"""The estimator interface every pose source implements."""

from __future__ import annotations

import time
from typing import Protocol

import numpy as np

from formcheck.pose import Pose


class Estimator(Protocol):
    """Turns one upright BGR frame into the poses seen in it.

    ``t_ms`` must increase strictly from call to call (MediaPipe's VIDEO mode tracks people
    across frames and refuses time going backwards).
    """

    def estimate(self, image_bgr: np.ndarray, t_ms: int) -> tuple[Pose, ...]: ...

    def close(self) -> None: ...


def timed_estimate(estimator: Estimator, image_bgr: np.ndarray, t_ms: int) -> tuple[tuple[Pose, ...], float]:
    """The estimator's poses for the frame, and the milliseconds it took."""
    started = time.perf_counter()
    poses = estimator.estimate(image_bgr, t_ms)
    return poses, (time.perf_counter() - started) * 1000.0
