"""Test helpers for live mode: a recorded pose track played as camera frames plus a fake model.

The frames carry no picture (a broadcast zero array of the clip's size, so the aspect ratio the
engine sees is the real one); the "estimator" returns the recorded poses for each timestamp.
Everything after the model is the real code, so a session over these must count what a
replay of the track counts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from formcheck.errors import CameraError
from formcheck.live.controls import Command
from formcheck.pose import Pose
from formcheck.sources.base import Frame
from formcheck.track import PoseTrack

TRACKS = Path(__file__).resolve().parent.parent / "samples" / "tracks"


def load_track(stem: str) -> PoseTrack:
    return PoseTrack.load(TRACKS / f"{stem}.track.npz")


class TrackFrames:
    """A track's frames as a source; optionally fails after ``fail_after`` frames or paces them."""

    name = "track"
    live = True

    def __init__(
        self,
        track: PoseTrack,
        *,
        fail_after: int | None = None,
        interrupt_after: int | None = None,
        pace: float = 0.0,
    ) -> None:
        self.track = track
        self.fail_after = fail_after
        self.interrupt_after = interrupt_after
        self.pace = pace  # seconds between frames (0: as fast as possible)
        w, h = track.image_size
        self._image = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (h, w, 3))

    def __iter__(self) -> Iterator[Frame]:
        for i in range(len(self.track)):
            if self.fail_after is not None and i == self.fail_after:
                raise CameraError("camera disconnected")
            if self.interrupt_after is not None and i == self.interrupt_after:
                raise KeyboardInterrupt
            if self.pace:
                time.sleep(self.pace)
            yield Frame(int(self.track.frame_index[i]), int(self.track.t_ms[i]), self._image)

    def close(self) -> None:
        pass


class TrackEstimator:
    """Returns the recorded poses of the frame with the given timestamp."""

    def __init__(self, track: PoseTrack, *, delay: float = 0.0) -> None:
        self._by_t = {int(t): i for i, t in enumerate(track.t_ms)}
        self._track = track
        self.delay = delay
        self.calls = 0

    def estimate(self, image_bgr: np.ndarray, t_ms: int) -> tuple[Pose, ...]:
        self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        return self._track.frame(self._by_t[t_ms]).poses

    def close(self) -> None:
        pass


class ScriptedControls:
    """Stands in for the window: issues commands at given analysed-frame counts."""

    def __init__(self, script: dict[int, Command]) -> None:
        self.script = dict(script)
        self.steps = 0
        self.paused_frames = 0
        self.exercises: list[str] = []
        self.messages: list[tuple[str, str]] = []  # what the window was asked to show over frames

    def take_command(self) -> Command | None:
        self.steps += 1
        return self.script.pop(self.steps, None)

    def poll(self, wait_ms: int = 1) -> Command | None:
        return self.take_command()

    def show_paused(self, image: object, index: int) -> None:
        self.paused_frames += 1

    def show_message(self, image: object, index: int, title: str, hint: str) -> None:
        self.messages.append((title, hint))

    def start_set(self, exercise: object) -> None:
        self.exercises.append(exercise.id)  # type: ignore[attr-defined]
