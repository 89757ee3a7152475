"""A camera by index, read with OpenCV.

Timestamps come from ``time.monotonic()`` (milliseconds since the first frame), so they keep
increasing whatever the driver reports. A camera that cannot be opened raises ``CameraError``;
one that stops delivering frames mid-session ends the iteration cleanly and leaves a
``CameraError`` in ``source.error``, so the pipeline can save what it has before reporting it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np

from formcheck.closing import Closing
from formcheck.errors import CameraError
from formcheck.sources.base import Frame

# Consecutive failed reads after which the camera counts as gone (a single failed grab is common
# on USB cameras and not worth ending a session for).
MAX_FAILED_READS = 5
_DEFAULT_FPS = 30.0


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` used here (tests pass a fake)."""

    def isOpened(self) -> bool: ...

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def get(self, prop: int) -> float: ...

    def release(self) -> None: ...


def _open_cv_capture(index: int) -> Capture:
    import cv2  # deferred: importing OpenCV costs time `--help` should not pay

    # OpenCV logs its own lines for a missing camera; formcheck says it once, in its words.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

    capture: Capture = cv2.VideoCapture(index)
    return capture


class CameraSource(Closing):
    live = True
    frame_count: int | None = None

    def __init__(
        self,
        index: int,
        *,
        open_capture: Callable[[int], Capture] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.index = index
        self.name = f"camera {index}"
        self.error: CameraError | None = None
        self._clock = clock
        try:
            self._capture: Capture | None = (open_capture or _open_cv_capture)(index)
        except Exception as err:  # OpenCV raises cv2.error, a plain Exception subclass
            raise CameraError(f"cannot open camera {index}: {err}") from err
        if not self._capture.isOpened():
            self._capture.release()
            self._capture = None
            raise CameraError(
                f"cannot open camera {index}: no such camera, or it is in use by another program"
            )
        reported = float(self._capture.get(5) or 0.0)  # cv2.CAP_PROP_FPS == 5
        self.fps = reported if 1.0 <= reported <= 240.0 else _DEFAULT_FPS

    def __iter__(self) -> Iterator[Frame]:
        if self._capture is None:
            raise CameraError(f"{self.name} is closed")
        frame_index = 0
        failed = 0
        start: float | None = None
        last_t_ms = -1
        while self._capture is not None:
            ok, image = self._capture.read()
            if not ok or image is None or image.size == 0:
                failed += 1
                if failed >= MAX_FAILED_READS:
                    what = "delivered no frame" if frame_index == 0 else "stopped delivering frames"
                    self.error = CameraError(f"{self.name} {what} (unplugged, or taken by another program?)")
                    return
                continue
            failed = 0
            now = self._clock()
            if start is None:
                start = now
            t_ms = max(round((now - start) * 1000), last_t_ms + 1)
            last_t_ms = t_ms
            yield Frame(frame_index, t_ms, image)
            frame_index += 1

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
