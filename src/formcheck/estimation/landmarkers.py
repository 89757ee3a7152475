"""The pose estimator a video file or a live camera is run with: MediaPipe landmarkers on
alternate frames (two for a video file, one per core and at most two live), or a single one
(see ``alternating`` for why and what stays the same)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.estimation.mediapipe_landmarker import DEFAULT_MAX_PEOPLE

if TYPE_CHECKING:
    from formcheck.estimation.alternating import AlternatingEstimator
    from formcheck.estimation.mediapipe_landmarker import MediaPipeEstimator


def make_estimator(
    model_path: str | Path, *, max_people: int = DEFAULT_MAX_PEOPLE, count: int | None = None,
    live: bool = False,
) -> MediaPipeEstimator | AlternatingEstimator:  # fmt: skip
    """``count`` landmarkers side by side (None: ``alternating.FILE_COUNT``, the same on every
    machine, or for a ``live`` source, played by the clock, ``alternating.default_count()``, one
    per core); 1 is the plain landmarker, on one core."""
    from formcheck.estimation.alternating import FILE_COUNT, AlternatingEstimator, default_count
    from formcheck.estimation.mediapipe_landmarker import MediaPipeEstimator

    if count is None:
        count = default_count() if live else FILE_COUNT
    if count == 1:
        return MediaPipeEstimator(model_path, max_people=max_people)
    return AlternatingEstimator(lambda: MediaPipeEstimator(model_path, max_people=max_people), count)
