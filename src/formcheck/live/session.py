"""The live session: the pipeline loop on the newest camera frame, in sets, with exercise switching.

A *set* is one engine's lifetime: it starts when the session starts, when the person presses r
(a fresh count), or when they step to another exercise; it ends with the next such key, a quit,
Ctrl-C, or the end (or failure) of the source. Each set is one ``pipeline.run`` and is saved
as soon as it ends, as the same JSON a recorded-video analysis writes (``pipeline.JsonSink``),
so nothing done before is lost whatever happens later.

Files: the first set goes to the session's JSON path (``--json FILE``, or a dated file in the
user data folder); set *n* (n ≥ 2) goes beside it as ``<stem>.set<n>-<exercise>.json``. A set
in which nobody was ever seen (e.g. flicking through the exercises) is not saved, unless the
session would otherwise save nothing.

Time: the engine gets timestamps relative to the start of its set, with paused time cut out,
so a rep's ``t_s`` reads as "seconds into this set" and a pause never counts as hold time.

``--exercise auto`` (``recognise``): a set starts with its exercise being recognised from the
frames (``recognition.live.LiveRecogniser``), which are then replayed into it first; a set ends
also when the person has moved on to another exercise (``live.auto_set.SetWatch``): it is saved
as re-run up to the change, and the next set starts from the change with the frames since. A
named exercise is checked against the movement as the set goes on (``recognition.check``): when
it clearly is another, the overlay and the set's JSON say so (``exercise_mismatch``).
"""

from __future__ import annotations

import functools
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from formcheck import interrupts
from formcheck.errors import FormcheckError, UsageError
from formcheck.estimation.alternating import AlternatingEstimator
from formcheck.estimation.base import timed_estimate
from formcheck.files import check_writable
from formcheck.live.auto_set import SetWatch
from formcheck.live.controls import Command
from formcheck.live.latest import LatestFrames
from formcheck.people import PersonSelector
from formcheck.pipeline import JsonSink, Sink, Step, StepEngine, run
from formcheck.pose import Pose, PoseFrame
from formcheck.sources.base import Frame

if TYPE_CHECKING:
    from formcheck.engine import SessionResult
    from formcheck.estimation.base import Estimator
    from formcheck.recognition.recognise import Recognition
    from formcheck.rules import Exercise


class FrameFeed(Protocol):
    def next(self, timeout: float | None = ...) -> Frame | None: ...

    @property
    def ended(self) -> bool: ...

    def captured_at(self, index: int) -> float | None: ...


class EveryFrame:
    """A feed that hands out every frame in order (files analysed at full rate, tests)."""

    def __init__(self, frames: Iterable[Frame]) -> None:
        self._it = iter(frames)
        self._ended = False
        self._captured: dict[int, float] = {}
        self.received = 0
        self.dropped = 0

    def next(self, timeout: float | None = None) -> Frame | None:
        if self._ended:
            return None
        try:
            frame = next(self._it)
        except StopIteration:
            self._ended = True
            return None
        self.received += 1
        self._captured = {frame.index: time.monotonic()}
        return frame

    @property
    def ended(self) -> bool:
        return self._ended

    def captured_at(self, index: int) -> float | None:
        return self._captured.get(index)


class Controls(Protocol):
    """The window as the session sees it (keys in, paused frames out)."""

    def take_command(self) -> Command | None: ...

    def poll(self, wait_ms: int = ...) -> Command | None: ...

    def show_paused(self, image: Any, index: int) -> None: ...

    def start_set(self, exercise: Exercise) -> None: ...

    def show_message(self, image: Any, index: int, title: str, hint: str) -> None: ...


class SetListener(Protocol):
    def start_set(self, exercise_id: str, number: int) -> None: ...

    def message(self, text: str) -> None: ...


@dataclass
class SavedSet:
    number: int
    exercise_id: str
    path: Path
    result: dict[str, Any]  # the JSON as written


@dataclass
class LiveOutcome:
    sets: list[SavedSet] = field(default_factory=list)
    error: FormcheckError | None = None
    interrupted: bool = False
    received: int = 0  # frames the source delivered
    analysed: int = 0  # frames that went through the model
    model_ms: list[float] = field(default_factory=list)  # the model's own time per analysed frame


def default_json_path(exercise_id: str, now: datetime | None = None) -> Path:
    """``<user data>/formcheck/sessions/<date>_<time>-<exercise>.json`` (the folder is created)."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("formcheck")) / "sessions"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        from formcheck.errors import OutputError

        raise OutputError(f"cannot create the sessions folder {folder}: {err.strerror}") from err
    stamp = (now or datetime.now()).strftime("%Y-%m-%d_%H%M%S")
    return folder / f"{stamp}-{exercise_id}.json"


def set_path(first: Path, number: int, exercise_id: str) -> Path:
    """Where set ``number`` of a session whose first set goes to ``first`` is saved."""
    if number == 1:
        return first
    return first.with_name(f"{first.stem}.set{number}-{exercise_id}{first.suffix or '.json'}")


class _SetClock:
    """Source time → set time: starts at 0, and a pause is cut out (one frame interval long)."""

    def __init__(self) -> None:
        self._offset: int | None = None
        self._last_src = 0
        self._last_dt = 33
        self.resumed = False

    def carried(self, since_ms: int) -> _SetClock:
        """The clock of the next set, whose zero is this set's ``since_ms``: this set's frames
        from then on, re-timed by subtracting ``since_ms``, and the frames still to come make
        one timeline."""
        carried = _SetClock()
        carried._offset = (self._offset or 0) + since_ms
        carried._last_src, carried._last_dt = self._last_src, self._last_dt
        return carried

    def restart(self) -> None:
        """The next frame is the set's time zero (recognising started again)."""
        self._offset = None
        self.resumed = False

    def __call__(self, src_t_ms: int) -> int:
        if self._offset is None:
            self._offset = src_t_ms
        elif self.resumed:
            self._offset += (src_t_ms - self._last_src) - self._last_dt
            self.resumed = False
        else:
            self._last_dt = max(1, src_t_ms - self._last_src)
        self._last_src = src_t_ms
        return src_t_ms - self._offset


class _SeenCounter:
    """Sink: did this set ever see the person?"""

    def __init__(self) -> None:
        self.frames = 0
        self.with_person = 0

    def write(self, step: Step) -> None:
        self.frames += 1
        if step.report.pose is not None:
            self.with_person += 1

    def finish(self, result: SessionResult) -> None:
        pass

    def close(self) -> None:
        pass


# How long the live loop waits for a newer frame while a pose is on its way (a free landmarker):
# short against a frame interval (33 ms at 30 fps), so a pose that is ready is shown at most this
# late.
IN_FLIGHT_POLL_S = 0.005


def _submitter(
    estimator: Estimator,
) -> tuple[Callable[[Any, int], Future[tuple[tuple[Pose, ...], float]]], int]:
    """How the live loop hands a frame to the estimator, and how many frames may be in flight:
    one per landmarker side by side, or one run at once (its pose ready when handed back)."""
    if isinstance(estimator, AlternatingEstimator):
        return estimator.submit_timed, estimator.count

    def run_now(image: Any, t_ms: int) -> Future[tuple[tuple[Pose, ...], float]]:
        done: Future[tuple[tuple[Pose, ...], float]] = Future()
        done.set_result(timed_estimate(estimator, image, t_ms))  # its errors raised here, at once
        return done

    return run_now, 1


class LiveSession:
    """Runs the live loop until quit, Ctrl-C, or the end of the source; see the module doc."""

    def __init__(
        self,
        frames: Iterable[Frame] | FrameFeed,
        estimator: Estimator,
        exercises: Sequence[Exercise],
        *,
        json_path: Path,
        controls: Controls | None = None,
        sinks: Sequence[Sink] = (),
        listeners: Sequence[SetListener] = (),
        person: str = "auto",
        source_name: str = "camera",
        newest_only: bool = True,
        on_set_saved: Callable[[SavedSet], None] | None = None,
        recognise: Mapping[str, Exercise] | None = None,
    ) -> None:
        """``recognise``: the rules to recognise the exercise among (``--exercise auto``), in
        place of ``exercises``: each set starts with the person's movement being recognised
        (``recognition.live``), and the frames seen meanwhile are replayed into the set."""
        if not exercises and recognise is None:
            raise UsageError("give at least one --exercise")
        self._exercises = list(exercises)
        self._recognise = recognise
        self._estimator = estimator
        self._controls = controls
        self._sinks = list(sinks)
        self._listeners = list(listeners)
        self._person = person
        self._source_name = source_name
        self._on_set_saved = on_set_saved  # the history store, when it records the session
        self.json_path = check_writable(json_path)
        self._grabber: LatestFrames | None = None
        if isinstance(frames, LatestFrames | EveryFrame):
            self.feed: FrameFeed = frames
        elif not isinstance(frames, Iterable):
            self.feed = frames
        elif newest_only:
            self._grabber = LatestFrames(frames, name=source_name)
            self.feed = self._grabber
        else:
            self.feed = EveryFrame(frames)
        self._paused = False
        self._command: Command | None = None
        self._source_ended = False
        self._outcome = LiveOutcome()

    @property
    def paused(self) -> bool:
        return self._paused

    def run(self) -> LiveOutcome:
        from formcheck.engine import ExerciseEngine
        from formcheck.recognition.check import ExerciseCheck

        outcome = self._outcome
        index = 0
        # After a set that ended because the person moved on (--exercise auto): the frames of
        # the new exercise seen so far, and the clock that goes on from them.
        seed: list[PoseFrame] = []
        seed_clock: _SetClock | None = None
        try:
            while True:
                clock = _SetClock()
                pairs: Iterator[tuple[Frame | None, PoseFrame]]
                recognition: Recognition | None = None
                started = datetime.now().astimezone()
                self._command = None
                self._paused = False
                if self._recognise is None:
                    exercise = self._exercises[index]
                    pairs = self._pairs(clock)
                else:
                    if seed_clock is not None:  # the last set ended when the person moved on
                        clock = seed_clock
                    recognised = self._recognised(clock, seed)
                    if recognised is None:  # quit, Ctrl-C or the end of the source first
                        break
                    exercise, recognition, seen_frames = recognised
                    # The frames seen while recognising come first (no picture: not shown again).
                    pairs = itertools.chain(((None, f) for f in seen_frames), self._pairs(clock))
                seed, seed_clock = [], None
                number = len(outcome.sets) + 1
                if self._controls is not None:
                    self._controls.start_set(exercise)
                for listener in self._listeners:
                    listener.start_set(exercise.id, number)
                seen = _SeenCounter()
                sinks: list[Sink] = [*self._sinks, seen]
                watch = None
                if self._recognise is not None:  # a recognised exercise: has the person moved on?
                    watch = SetWatch(self._recognise, exercise, person=self._person)
                    sinks.append(watch)
                # A named exercise is checked against the movement while the set goes on, as an
                # analysis checks it (the overlay shows the notice from the first judgement, the
                # set's JSON keeps it); counting is never changed. A recognised one is watched
                # for the person moving on instead.
                engine: StepEngine = ExerciseEngine(exercise)
                if watch is None:
                    engine = ExerciseCheck.of(engine, exercise, while_running=True)
                result = run(
                    pairs,
                    engine,
                    selector=PersonSelector(self._person),
                    sinks=sinks,
                    on_step=self._on_step
                    if watch is None
                    else functools.partial(self._on_watched_step, watch),
                )
                moved_on = (
                    watch is not None
                    and watch.moved_on is not None
                    and result.error is None
                    and not result.interrupted
                )
                last = not moved_on and (
                    result.error is not None
                    or result.interrupted
                    or self._source_ended
                    or self._command in (None, Command.QUIT)
                )
                set_result = result.result
                if moved_on:
                    assert watch is not None and watch.moved_on is not None
                    set_result = watch.result(result.result)
                    seed = watch.seed()
                    seed_clock = clock.carried(watch.moved_on.since_ms)
                    for listener in self._listeners:
                        listener.message(
                            f"this looks like {watch.moved_on.recognition.id} now: set {number} ends"
                        )
                if seen.with_person or (last and not outcome.sets):
                    self._save(number, exercise.id, set_result, started, seen.frames, recognition)
                outcome.error = result.error
                outcome.interrupted = result.interrupted
                if last:
                    break
                if self._command is Command.NEXT:
                    index = (index + 1) % len(self._exercises)
                elif self._command is Command.PREV:
                    index = (index - 1) % len(self._exercises)
        except KeyboardInterrupt:  # between sets, while saving: the sets so far are on disk
            outcome.interrupted = True
        except FormcheckError as err:
            outcome.error = err
        finally:
            if self._grabber is not None:
                self._grabber.stop(timeout=0.5)
        outcome.received = getattr(self.feed, "received", outcome.analysed)
        return outcome

    # -- recognising the exercise before a set (--exercise auto) -------------------------------
    def _recognised(
        self, clock: _SetClock, seed: Sequence[PoseFrame] = ()
    ) -> tuple[Exercise, Recognition, list[PoseFrame]] | None:
        """The exercise recognised from the frames of ``clock``'s set-to-be (after ``seed``, the
        frames already seen of it), with the frames seen meanwhile; None when the session ends
        first (quit, Ctrl-C: ``interrupted``; the source ending: ``error`` says what was not
        recognised). r starts recognising afresh."""
        from formcheck.recognition.live import LiveRecogniser

        assert self._recognise is not None
        said = ""
        try:
            while True:
                recogniser = LiveRecogniser(self._recognise, person=self._person, seen=seed)
                if recogniser.chosen is not None and recogniser.chosen.id is not None:  # from the seed
                    for listener in self._listeners:
                        listener.message(recogniser.status())
                    return self._recognise[recogniser.chosen.id], recogniser.chosen, list(recogniser.frames)
                self._command = None
                if not seed:
                    clock.restart()
                seed = ()  # r while recognising: from nothing
                for frame, pose_frame in self._pairs(clock):
                    rec = recogniser.add(pose_frame)
                    status = recogniser.status()
                    if rec is not None and rec.id is not None:
                        for listener in self._listeners:
                            listener.message(status)
                        return self._recognise[rec.id], rec, list(recogniser.frames)
                    if self._controls is not None:
                        self._controls.show_message(frame.image, frame.index, "Which exercise?", status)
                        if self._handle(self._controls.take_command()):
                            break
                    if status.split(" (")[0] != said:  # a line each time what is said changes
                        said = status.split(" (")[0]
                        for listener in self._listeners:
                            listener.message(status)
                if self._command is not Command.RESET:
                    if self._source_ended and not self._outcome.sets:
                        self._outcome.error = recogniser.not_sure()  # nothing was counted at all
                    elif self._source_ended:  # after the sets saved: the end was not recognised
                        for listener in self._listeners:
                            listener.message(f"the end was not recognised: {recogniser.not_sure().message}")
                    return None
        except KeyboardInterrupt:
            self._outcome.interrupted = True
            return None

    # -- the frame stream of one set --------------------------------------------------------
    def _pairs(self, clock: _SetClock) -> Iterator[tuple[Frame, PoseFrame]]:
        """The set's frames with their poses, in order. With several landmarkers
        (``AlternatingEstimator``), one frame is in flight on each: the newest frame goes to a
        landmarker as soon as it is free, so a camera faster than one model keeps both cores
        busy and no frame waits for another's pose (a frame's delay stays one model run)."""
        # Headless, the wait is still bounded so a Ctrl-C is seen while the camera is silent.
        wait = 0.2 if self._controls is None else 0.05
        submit, depth = _submitter(self._estimator)
        in_flight: deque[tuple[Frame, Future[tuple[tuple[Pose, ...], float]]]] = deque()
        try:
            while True:
                interrupts.check()
                if self._paused and not in_flight:
                    if not self._pause_step(clock):
                        return
                    continue
                if len(in_flight) < depth and not self._paused:
                    # with a pose on its way, only a short look for a newer frame
                    try:
                        frame = self.feed.next(IN_FLIGHT_POLL_S if in_flight else wait)
                    except FormcheckError:  # the camera failed: the frames it gave still count
                        while in_flight:
                            yield self._pair(in_flight.popleft(), clock)
                        raise
                    if frame is not None:
                        in_flight.append((frame, submit(frame.image, frame.t_ms)))
                        continue
                    if not in_flight:
                        if self.feed.ended:
                            self._source_ended = True
                            return
                        if self._controls is not None and self._handle(self._controls.poll()):
                            return
                        continue
                    if not in_flight[0][1].done() and not self.feed.ended:
                        continue  # a landmarker is free: a new frame may come before this pose
                yield self._pair(in_flight.popleft(), clock)
        finally:
            # Stopped (a quit, a new set, Ctrl-C): the frames in flight finish before anything
            # closes the landmarkers; their poses are not used (the set has ended).
            for _, pending in in_flight:
                pending.cancel() or pending.exception()

    def _pair(
        self, handed: tuple[Frame, Future[tuple[tuple[Pose, ...], float]]], clock: _SetClock
    ) -> tuple[Frame, PoseFrame]:
        """A frame handed to the estimator, with its poses once they are ready."""
        frame, job = handed
        poses, model_ms = job.result()
        self._outcome.model_ms.append(model_ms)
        self._outcome.analysed += 1
        return frame, PoseFrame(frame.index, clock(frame.t_ms), frame.size, poses)

    def _pause_step(self, clock: _SetClock) -> bool:
        """Show the camera while paused; False when the set ends (a command, or the source)."""
        assert self._controls is not None
        frame = self.feed.next(0.05)
        if frame is not None:
            self._controls.show_paused(frame.image, frame.index)
            command = self._controls.take_command()
        elif self.feed.ended:
            self._source_ended = True
            return False
        else:
            command = self._controls.poll()
        if command is Command.PAUSE:
            self._paused = False
            clock.resumed = True
            return True
        return not self._handle(command)

    def _on_step(self, step: Step) -> bool:
        return self._handle(self._controls.take_command() if self._controls is not None else None)

    def _on_watched_step(self, watch: SetWatch, step: Step) -> bool:
        """``_on_step`` of a set of a recognised exercise: it also ends when the person moved on."""
        return self._on_step(step) or watch.moved_on is not None

    def _handle(self, command: Command | None) -> bool:
        """Act on a command; True when it ends the set."""
        if command is None:
            return False
        if command is Command.PAUSE:
            self._paused = not self._paused
            return False
        if command in (Command.NEXT, Command.PREV) and len(self._exercises) <= 1:
            return False  # nothing to step to (one exercise, or recognised): keep counting
        self._command = command
        return True

    def _save(
        self, number: int, exercise_id: str, result: SessionResult, started: datetime, frames: int,
        recognition: Recognition | None = None,
    ) -> None:  # fmt: skip
        path = set_path(self.json_path, number, exercise_id)
        live = {
            "set": number,
            "started_at": started.isoformat(timespec="seconds"),
            "frames_analysed": frames,
        }
        extra: dict[str, Any] = {"source": self._source_name, "live": live}
        if recognition is not None:
            extra["recognition"] = recognition.to_dict()
        sink = JsonSink(path, extra=extra)
        sink.finish(result)
        saved = SavedSet(number, exercise_id, path, {**result.to_dict(), **extra})
        self._outcome.sets.append(saved)
        if self._on_set_saved is not None:
            self._on_set_saved(saved)
