"""A video file replayed at real-time pace, as if it were a camera.

A decoding thread releases each frame when the monotonic clock reaches the frame's own
timestamp, into a one-frame slot: a consumer slower than the video (pose estimation on a slow
machine) gets the newest frame and the ones it missed are dropped and counted, never queued,
exactly like a camera. Timestamps stay the file's own, so counts can be compared with an
offline run of the same file. Users use it to try live mode without a webcam; tests use it in
place of a camera.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator

from formcheck.closing import Closing
from formcheck.errors import FormcheckError, InputError
from formcheck.sources.base import Frame
from formcheck.sources.video_file import VideoFileSource


class RealtimeSource(Closing):
    live = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        speed: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self._file = VideoFileSource(path)  # bad files fail here, in the caller's thread
        self.name = self._file.name
        self.path = self._file.path
        self.fps = self._file.fps
        # Frames in the file; fewer reach a slow consumer (see ``dropped``).
        self.frame_count = self._file.frame_count
        self.speed = speed
        self.error: FormcheckError | None = None  # kept for parity with CameraSource; file errors raise
        self.delivered = 0  # frames the decoder released into the slot
        self.dropped = 0  # frames overwritten in the slot before the consumer took them
        self._clock = clock
        self._cond = threading.Condition()
        self._slot: Frame | None = None
        self._ended = False
        self._failure: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _decode(self) -> None:
        start: float | None = None
        try:
            for frame in self._file:
                if start is None:
                    start = self._clock() - frame.t_ms / 1000 / self.speed
                due = start + frame.t_ms / 1000 / self.speed
                # Sleep until the frame is due (never ahead of real time); stop promptly on close.
                while (wait := due - self._clock()) > 0:
                    if self._stop.wait(min(wait, 0.05)):
                        return
                if self._stop.is_set():
                    return
                with self._cond:
                    if self._slot is not None:
                        self.dropped += 1
                    self._slot = frame
                    self.delivered += 1
                    self._cond.notify_all()
        except BaseException as err:  # handed to the consumer thread, which raises it
            with self._cond:
                self._failure = err
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def __iter__(self) -> Iterator[Frame]:
        if self._thread is not None:
            raise InputError(f"{self.path} was already replayed; open it again to replay it twice")
        self._thread = threading.Thread(target=self._decode, name="formcheck-realtime", daemon=True)
        self._thread.start()
        while True:
            with self._cond:
                # Wake now and then so Ctrl-C reaches the main thread promptly.
                while self._slot is None and not self._ended:
                    self._cond.wait(0.2)
                frame, self._slot = self._slot, None
                failure = self._failure
            if frame is not None:
                yield frame
                continue
            if failure is not None:
                if isinstance(failure, FormcheckError):
                    raise failure
                raise InputError(f"replaying {self.path} failed: {failure}") from failure
            return

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)
        if self._thread is None or not self._thread.is_alive():
            self._file.close()
