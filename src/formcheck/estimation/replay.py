"""A recorded pose track read back as the stream an estimator would produce.

``TrackReplay`` yields the track's ``PoseFrame``s (bit-exact: the float32 values the model
returned), so everything downstream of pose estimation runs with neither the model nor the
video. It also implements the ``Estimator`` interface, looking poses up by timestamp, for runs
that decode the video for its images but take the poses from the track (an annotated video
without the model).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from formcheck.closing import Closing
from formcheck.errors import InputError
from formcheck.pose import Pose, PoseFrame
from formcheck.track import PoseTrack


class TrackReplay(Closing):
    def __init__(self, track: PoseTrack, *, stride: int = 1) -> None:
        if stride < 1:
            raise ValueError(f"stride must be 1 or more, got {stride}")
        self.track = track
        self.stride = stride
        self._row_of_t_ms: dict[int, int] | None = None

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, stride: int = 1) -> TrackReplay:
        return cls(PoseTrack.load(path), stride=stride)

    @property
    def fps(self) -> float:
        return self.track.fps

    @property
    def image_size(self) -> tuple[int, int]:
        return self.track.image_size

    @property
    def name(self) -> str:
        return str(self.track.meta.get("source", {}).get("name", ""))

    def __len__(self) -> int:
        """How many frames the iteration yields (every ``stride``-th)."""
        return -(-len(self.track) // self.stride)

    def __iter__(self) -> Iterator[PoseFrame]:
        for i in range(0, len(self.track), self.stride):
            yield self.track.frame(i)

    # --- the Estimator interface ---------------------------------------------------------------

    def estimate(self, image_bgr: np.ndarray, t_ms: int) -> tuple[Pose, ...]:
        """The poses recorded for the frame at ``t_ms`` (the image is not looked at)."""
        if self._row_of_t_ms is None:
            self._row_of_t_ms = {int(t): i for i, t in enumerate(self.track.t_ms)}
        row = self._row_of_t_ms.get(int(t_ms))
        if row is None:
            raise InputError(f"the pose track has no frame at {t_ms} ms; was it recorded from this video?")
        return self.track.frame(row).poses

    def close(self) -> None:
        pass
