"""A recorded pose track played as a camera: blank frames of the clip's size, the recorded
poses as the "model". Lets a routine (or a demo of one) run from a track, without the model."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from formcheck.sources.base import Frame
from formcheck.track import PoseTrack


class TrackFrames:
    """The frames of a track (no picture: a dark grey image of the clip's size)."""

    live = True

    def __init__(self, track: PoseTrack, *, name: str = "track", realtime: bool = False) -> None:
        self.track = track
        self.name = name
        self.fps = track.fps
        self.frame_count: int | None = len(track)
        self.realtime = realtime
        w, h = track.image_size
        self._image = np.full((h, w, 3), 40, np.uint8)

    def __iter__(self) -> Iterator[Frame]:
        start = time.monotonic()
        for i in range(len(self.track)):
            t_ms = int(self.track.t_ms[i])
            if self.realtime:  # at the track's own pace, as a camera would deliver it
                delay = start + t_ms / 1000.0 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield Frame(int(self.track.frame_index[i]), t_ms, self._image)

    def close(self) -> None:
        pass
