"""Several landmarkers side by side: frames are dealt to them in turn, poses come back in order.

Why (issue 16): at its default of two people, MediaPipe runs its person detector on every frame
in which fewer than two people are tracked, 1.6–1.7× the cost of the one-person landmarker, and
one landmarker keeps only one core busy (its inference is single-threaded here). Two landmarkers
on alternate frames use both cores of a 2-core machine.

What stays the same: while fewer people than ``max_people`` are in view, the detector's boxes
replace the tracked ones on every frame, so each frame's poses depend on that frame alone; the
alternating landmarkers then give exactly the poses one landmarker gives (measured: identical to
the last bit on 600 frames of the anchor clip). While two people are tracked, each landmarker
follows them from the frame before its previous one (two frames back), which moves the
landmarks slightly; the sample suite run from the videos checks that the counts do not change.

The estimators are built, used and closed on their own threads (MediaPipe wants a graph closed
on the thread that ran it); their calls release the GIL (ctypes), so the threads run in parallel.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from formcheck.closing import Closing
from formcheck.estimation.base import Estimator, timed_estimate
from formcheck.pose import Pose
from formcheck.sources.base import Frame

# Frames queued per landmarker: one running, one waiting, so that a landmarker never idles while
# the main thread decodes the next frame or runs the engine.
QUEUED_PER_ESTIMATOR = 2


# A video file is estimated by this many landmarkers whatever the machine or the batch. Where
# MediaPipe's tracking depends on the frames before (see above), the poses depend on how the
# frames were dealt out: with the count taken from the cores, the same clip counted 4 reps
# analysed alone on 2 cores and 3 in a `--jobs 2` batch (one landmarker per job), and would
# on a 1-core machine. Fixed, a result depends on the video and the options alone. On one core
# two landmarkers cost the same time as one (measured: 22.8-23.7 s against 23.4-23.5 s on a
# 19 s clip) and about 150-200 MB more memory.
FILE_COUNT = 2


def default_count() -> int:
    """Landmarkers to run side by side on a live source: one per core this process may use, at
    most two (the gain was measured on two cores; more is untested). A live run drops frames by
    the clock anyway, so its poses never repeat exactly; a video file uses FILE_COUNT."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


class AlternatingEstimator(Closing):
    """``count`` estimators made by ``make``, each on a thread of its own.

    ``estimate_stream`` is the fast path (frames in flight on every estimator); ``estimate`` (the
    ``Estimator`` interface, one answer at a time) asks the first estimator alone."""

    def __init__(self, make: Callable[[], Estimator], count: int) -> None:
        if count < 1:
            raise ValueError(f"count must be 1 or more, got {count}")
        self._threads = [ThreadPoolExecutor(1, thread_name_prefix=f"formcheck-pose{i}") for i in range(count)]
        self._estimators: list[Estimator] = []
        self._turn = 0  # the estimator the next frame goes to
        # Built side by side (each load takes a few tenths of a second); a failure (a bad model
        # file) closes those that were built and surfaces as the estimator's own error.
        builds = [thread.submit(make) for thread in self._threads]
        error: BaseException | None = None
        for build in builds:
            try:
                self._estimators.append(build.result())
            except BaseException as err:  # re-raised below, after cleaning up
                error = error or err
        if error is not None:
            # Each one built is closed on the thread that built it (MediaPipe's requirement).
            for thread, build in zip(self._threads, builds, strict=True):
                if build.exception() is None:
                    thread.submit(build.result().close).result()
            for thread in self._threads:
                thread.shutdown(wait=True)
            raise error

    @property
    def count(self) -> int:
        return len(self._threads)

    def estimate(self, image_bgr: np.ndarray, t_ms: int) -> tuple[Pose, ...]:
        return self._threads[0].submit(self._estimators[0].estimate, image_bgr, t_ms).result()

    def submit_timed(self, image_bgr: np.ndarray, t_ms: int) -> Future[tuple[tuple[Pose, ...], float]]:
        """Hand the frame to the next estimator in turn: its poses and the milliseconds the
        model took on it, when done. Each estimator must get its frames in time order, so the
        frames must be submitted in time order (a live loop hands out the newest frame as an
        estimator comes free)."""
        thread, estimator = self._next_in_turn()
        return thread.submit(timed_estimate, estimator, image_bgr, t_ms)

    def _next_in_turn(self) -> tuple[ThreadPoolExecutor, Estimator]:
        """The estimator whose turn it is (with its thread); the turn passes to the next one."""
        turn = self._turn
        self._turn = (turn + 1) % len(self._threads)
        return self._threads[turn], self._estimators[turn]

    def estimate_stream(self, frames: Iterable[Frame]) -> Iterator[tuple[Frame, tuple[Pose, ...]]]:
        """Each frame with its poses, in the order of ``frames``; frame i goes to estimator
        i mod count, so each estimator sees its frames in time order (VIDEO mode requires it).
        A later stream carries on the turns where this one left them: a video estimated in two
        parts (its first seconds, then the rest) is estimated as in one."""
        in_flight: deque[tuple[Frame, Future[tuple[Pose, ...]]]] = deque()
        depth = QUEUED_PER_ESTIMATOR * len(self._threads)
        source = iter(frames)
        try:
            while True:
                try:
                    frame = next(source)
                except StopIteration:
                    break
                except Exception:
                    # The source failed (a broken video): the frames decoded before it still
                    # count, as they do with one landmarker; then its error.
                    while in_flight:
                        done, poses = in_flight.popleft()
                        yield done, poses.result()
                    raise
                thread, estimator = self._next_in_turn()
                in_flight.append((frame, thread.submit(estimator.estimate, frame.image, frame.t_ms)))
                if len(in_flight) >= depth:
                    done, poses = in_flight.popleft()
                    yield done, poses.result()
            while in_flight:
                done, poses = in_flight.popleft()
                yield done, poses.result()
        finally:
            # Stopped early (Ctrl-C, a quit, an error downstream): let the frames already handed
            # out finish, so that no landmarker is mid-frame when it is closed.
            for _, pending in in_flight:
                pending.cancel() or pending.exception()

    def close(self) -> None:
        estimators, self._estimators = self._estimators, []
        try:
            for thread, estimator in zip(self._threads, estimators, strict=False):
                thread.submit(estimator.close).result()
        finally:
            for thread in self._threads:
                thread.shutdown(wait=True)


def estimate_in_order(
    estimator: Estimator, frames: Iterable[Frame]
) -> Iterator[tuple[Frame, tuple[Pose, ...]]]:
    """``frames`` with their poses: through ``estimate_stream`` where the estimator has one."""
    if isinstance(estimator, AlternatingEstimator):
        yield from estimator.estimate_stream(frames)
        return
    for frame in frames:
        yield frame, estimator.estimate(frame.image, frame.t_ms)
