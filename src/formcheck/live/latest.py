"""Always hand the consumer the newest frame: a grabber thread keeps a one-frame slot.

Pose estimation is usually slower than a camera. Reading the camera in the loop that runs the
model would let frames queue up (in the driver, or in a real-time replay) so feedback would lag
further and further behind the person. Here a thread reads the source as fast as it delivers,
overwrites the slot, and counts what the consumer never took: stale frames are dropped, never
queued.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator

from formcheck.errors import CameraError, FormcheckError
from formcheck.sources.base import Frame

# Capture times kept for frames handed out but maybe not yet displayed.
_KEEP_CAPTURE_TIMES = 64


class LatestFrames:
    """Iterate the newest frame of ``source``; each frame at most once, stale ones skipped.

    ``captured_at(index)`` gives the monotonic time the grabber received a frame (the start of
    the latency the window measures). A failure of the source is raised in the consumer after
    the frames received before it; the iteration ends when the source ends.
    """

    def __init__(self, source: Iterable[Frame], *, name: str = "source") -> None:
        self._source = source
        self._name = name
        self._cond = threading.Condition()
        self._slot: tuple[Frame, float] | None = None
        self._ended = False
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._captured: OrderedDict[int, float] = OrderedDict()
        self.received = 0  # frames the source delivered
        self.dropped = 0  # frames replaced in the slot before the consumer took them
        self._thread = threading.Thread(target=self._grab, name="formcheck-grabber", daemon=True)
        self._thread.start()

    def _grab(self) -> None:
        try:
            for frame in self._source:
                now = time.monotonic()
                with self._cond:
                    if self._slot is not None:
                        self.dropped += 1
                    self._slot = (frame, now)
                    self.received += 1
                    self._cond.notify_all()
                if self._stop.is_set():
                    break
        except BaseException as err:  # handed to the consumer thread, which reports it
            with self._cond:
                self._error = err
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def __iter__(self) -> Iterator[Frame]:
        while True:
            item = self.next(timeout=None)
            if item is None:
                return
            yield item

    def next(self, timeout: float | None = 0.1) -> Frame | None:
        """The newest frame not yet taken; None at the end of the source.

        With a timeout, also None when no new frame arrived in time (check ``ended``).
        """
        with self._cond:
            deadline = None if timeout is None else time.monotonic() + timeout
            while self._slot is None and not self._ended:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                # Wake up now and then so Ctrl-C reaches the main thread promptly.
                self._cond.wait(0.2 if remaining is None else min(remaining, 0.2))
            if self._slot is not None:
                frame, captured = self._slot
                self._slot = None
                self._captured[frame.index] = captured
                while len(self._captured) > _KEEP_CAPTURE_TIMES:
                    self._captured.popitem(last=False)
                return frame
            error = self._error
        if error is not None:
            if isinstance(error, FormcheckError):
                raise error
            raise CameraError(f"{self._name} stopped delivering frames: {error}") from error
        return None

    @property
    def ended(self) -> bool:
        with self._cond:
            return self._ended and self._slot is None

    def captured_at(self, index: int) -> float | None:
        with self._cond:
            return self._captured.get(index)

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the grabber to stop after its current frame and wait for it briefly."""
        self._stop.set()
        self._thread.join(timeout)
