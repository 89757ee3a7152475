"""The one loop behind live, file and replay runs.

    frames ─► estimator ─► PoseFrame ─► PersonSelector ─► ExerciseEngine ─► Step ─► sinks

Inputs differ only in where ``(frame, pose_frame)`` pairs come from: a video or camera through
an estimator, or a recorded pose track (no image, no model). Everything after pose estimation
is pure and driven by the frame timestamps, so a replay gives the same counts as the live run.

Outputs are sinks (JSON, CSV, annotated video, HTML report, live window, event printer). They
are always finished with the session result, also when the run is interrupted or the source
fails midway, so nothing done before is lost.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from formcheck import interrupts
from formcheck.errors import FormcheckError, Interrupted, TruncatedInput
from formcheck.files import check_writable, replacing
from formcheck.people import PersonSelector
from formcheck.pose import PoseFrame
from formcheck.sources.base import Frame

if TYPE_CHECKING:
    from formcheck.engine import ExerciseEngine, FrameReport, SessionResult
    from formcheck.estimation.base import Estimator
    from formcheck.sources.base import FrameSource
    from formcheck.track import PoseTrack


@dataclass(frozen=True, slots=True)
class Step:
    """One processed frame."""

    frame: Frame | None  # None when replaying a pose track
    pose_frame: PoseFrame
    report: FrameReport


class StepEngine(Protocol):
    """What ``run`` drives: an ``ExerciseEngine``, or anything above it with the same two calls
    (the routine runner, which hands each set to an engine of its own)."""

    def update(self, pose_frame: PoseFrame, pose: Any) -> FrameReport: ...

    def finish(self, partial: bool = False) -> SessionResult: ...


class Sink(Protocol):
    def write(self, step: Step) -> None: ...

    def finish(self, result: SessionResult) -> None: ...

    def close(self) -> None: ...


@dataclass
class RunOutcome:
    """What a run produced: the result (always), and why it stopped early, if it did."""

    result: SessionResult
    error: FormcheckError | None = None
    interrupted: bool = False
    # The sinks that finished (saved their output); one that failed to does not stop the others.
    finished: list[Sink] = field(default_factory=list)


def estimated(
    frames: Iterable[Frame], estimator: Estimator, *, stride: int = 1
) -> Iterator[tuple[Frame, PoseFrame]]:
    """Pose-estimate every ``stride``-th frame of a source (several frames at once where the
    estimator runs landmarkers side by side; the pairs still come in frame order)."""
    from formcheck.estimation.alternating import estimate_in_order

    chosen = (frame for frame in frames if not frame.index % stride)
    for frame, poses in estimate_in_order(estimator, chosen):
        yield frame, PoseFrame(frame.index, frame.t_ms, frame.size, poses)


_P = TypeVar("_P")  # a stream's item: (image or None, poses)


def replayed(track: PoseTrack, *, stride: int = 1) -> Iterator[tuple[None, PoseFrame]]:
    """A recorded pose track as the same stream an estimator would produce (no images); a
    track of a video cut short ends as that video did (``PoseTrack.truncation``)."""
    for i in range(0, len(track), stride):
        yield None, track.frame(i)
    cut = track.truncation
    if cut is not None:
        raise cut


def ending_with(pairs: Iterable[_P], error: BaseException) -> Iterator[_P]:
    """``pairs``, then the ``error`` that ended the stream they were taken from: a stop the user
    asked for (``KeyboardInterrupt``) or a video cut short. ``run`` then makes the result
    partial and hands it to every sink, exactly as for the stream that ended there."""
    yield from pairs
    raise error


def replayed_with_images(
    track: PoseTrack, frames: Iterable[Frame], *, stride: int = 1, then: Estimator | None = None
) -> Iterator[tuple[Frame, PoseFrame]]:
    """A pose track beside the images its poses were estimated from (``frames``: the same video
    decoded again, a few milliseconds a frame against tens for estimating it), matched by frame
    index: the stream ``estimated`` gave when the track was recorded. Frames the track has no
    poses for are skipped. The stream ends with the track; with ``then``, the estimator that
    recorded the track (its first seconds), the frames after it are estimated by it: it carries
    on where it stopped, so the poses are those one pass over the video gives."""
    source = iter(frames)
    row = {int(index): i for i, index in enumerate(track.frame_index)}
    last = int(track.frame_index[-1]) if len(track) else -1
    for frame in source:
        if frame.index > last:
            if then is not None:
                yield from estimated(itertools.chain((frame,), source), then, stride=stride)
            return
        i = row.get(frame.index)
        if i is not None and not frame.index % stride:
            yield frame, track.frame(i)


def run(
    pairs: Iterable[tuple[Frame | None, PoseFrame]],
    engine: StepEngine,
    *,
    selector: PersonSelector | None = None,
    sinks: Sequence[Sink] = (),
    on_step: Callable[[Step], bool | None] | None = None,
) -> RunOutcome:
    """Drive ``engine`` over ``pairs``, feeding every step to ``sinks``.

    ``on_step`` may return True to stop the run early (the live window's quit key). Ctrl-C,
    SIGTERM (a KeyboardInterrupt, or a request ``formcheck.interrupts`` recorded, checked before
    the next frame) and a source that fails midway all end the run with a partial result that is
    still handed to every sink, also when no frame was processed.
    """
    selector = selector or PersonSelector()
    error: FormcheckError | None = None
    interrupted = False
    with ExitStack() as stack:
        for sink in sinks:
            stack.callback(sink.close)
        try:
            interrupts.check()  # asked to stop while the model loaded: an empty, partial result
            for frame, pose_frame in pairs:
                report = engine.update(pose_frame, selector.select(pose_frame))
                step = Step(frame, pose_frame, report)
                for sink in sinks:
                    sink.write(step)
                if on_step is not None and on_step(step):
                    break
                interrupts.check()
        except KeyboardInterrupt:
            interrupted = True
        except FormcheckError as err:
            error = err
        result = engine.finish(partial=interrupted or error is not None)
        if isinstance(error, TruncatedInput):
            result = _with_truncation_notice(result, error)
        finished: list[Sink] = []
        for sink in sinks:
            try:
                sink.finish(result)
            except FormcheckError as err:  # a full disk: still save what the others hold
                error = error or err
            else:
                finished.append(sink)
    return RunOutcome(result, error, interrupted, finished)


def _with_truncation_notice(result: SessionResult, error: TruncatedInput) -> SessionResult:
    """The result says where a video cut short ends (the engine never sees the container)."""
    import dataclasses

    from formcheck.engine.session import NoticeRecord

    notice = NoticeRecord("truncated", error.notice, error.ends_at_s, error.ends_at_s)
    return dataclasses.replace(result, notices=(*result.notices, notice))


class BackgroundSink:
    """Runs another sink's ``write`` in a worker thread, in order, through a bounded queue.

    For sinks whose per-frame work is heavy and mostly native (drawing and H.264 encoding for
    ``--video``): the main thread spends most of each frame waiting for the pose model, which
    runs with the GIL released, so the worker's work overlaps it instead of adding to it. The
    bounded queue keeps memory flat (at most ``depth`` frames wait). A write that failed in the
    worker is raised from the next ``write`` (so the run stops with that error, as it would
    have), or from ``finish`` after the wrapped sink was finished. ``finish`` and ``close``
    call the wrapped sink's own on the calling thread once the worker has drained.
    """

    _STOP = object()

    def __init__(self, sink: Sink, *, depth: int = 4) -> None:
        self.sink = sink
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="formcheck-sink", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            step = self._queue.get()
            if step is self._STOP:
                return
            if self._error is None:  # after a failure, drain without writing
                try:
                    self.sink.write(step)
                except BaseException as err:  # handed to the main thread
                    self._error = err

    def _raise_pending(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    def _drain(self) -> None:
        if self._thread.is_alive():
            self._queue.put(self._STOP)
            self._thread.join()

    def write(self, step: Step) -> None:
        self._raise_pending()
        self._queue.put(step)

    def finish(self, result: SessionResult) -> None:
        self._drain()
        # As after a failed write on the main thread: keep what was written, then report it.
        self.sink.finish(result)
        self._raise_pending()

    def close(self) -> None:
        self._drain()
        self.sink.close()


def raise_for_outcome(outcome: RunOutcome) -> None:
    """After the results were saved: surface an interruption or a source failure."""
    if outcome.error is not None:
        raise outcome.error
    if outcome.interrupted:
        raise Interrupted("interrupted: results so far were saved and marked partial")


def replay_track(
    track: PoseTrack,
    engine: ExerciseEngine,
    *,
    sinks: Sequence[Sink] = (),
    person: str = "auto",
    stride: int = 1,
) -> SessionResult:
    """Run a recorded track through person selection and the engine (the sample suite's path)."""
    outcome = run(replayed(track, stride=stride), engine, selector=PersonSelector(person), sinks=sinks)
    raise_for_outcome(outcome)
    return outcome.result


def analyze_source(
    source: FrameSource,
    estimator: Estimator,
    engine: ExerciseEngine,
    *,
    sinks: Sequence[Sink] = (),
    person: str = "auto",
    stride: int = 1,
    on_step: Callable[[Step], bool | None] | None = None,
) -> RunOutcome:
    """Run a video or camera through pose estimation, person selection and the engine."""
    pairs = estimated(source, estimator, stride=stride)
    return run(pairs, engine, selector=PersonSelector(person), sinks=sinks, on_step=on_step)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON beside ``path`` and rename: readers never see half a file."""
    with replacing(path, what="result", text=True) as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)
        fh.write("\n")


class JsonSink:
    """Writes the session result as JSON when the run finishes (also when it is partial)."""

    def __init__(self, path: str | os.PathLike[str], *, extra: dict[str, Any] | None = None) -> None:
        self.path = check_writable(path)
        self._extra = extra or {}

    def write(self, step: Step) -> None:
        pass

    def finish(self, result: SessionResult) -> None:
        write_json_atomic(self.path, {**result.to_dict(), **self._extra})

    def close(self) -> None:
        pass
