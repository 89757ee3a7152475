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
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from formcheck import interrupts
from formcheck.errors import FormcheckError, UsageError
from formcheck.files import check_writable
from formcheck.live.controls import Command
from formcheck.live.latest import LatestFrames
from formcheck.people import PersonSelector
from formcheck.pipeline import JsonSink, Sink, Step, run
from formcheck.pose import PoseFrame
from formcheck.sources.base import Frame

if TYPE_CHECKING:
    from formcheck.engine import SessionResult
    from formcheck.estimation.base import Estimator
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


class SetListener(Protocol):
    def start_set(self, exercise_id: str, number: int) -> None: ...


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
    ) -> None:
        if not exercises:
            raise UsageError("give at least one --exercise")
        self._exercises = list(exercises)
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

        outcome = self._outcome
        index = 0
        try:
            while True:
                exercise = self._exercises[index]
                number = len(outcome.sets) + 1
                if self._controls is not None:
                    self._controls.start_set(exercise)
                for listener in self._listeners:
                    listener.start_set(exercise.id, number)
                self._command = None
                self._paused = False
                seen = _SeenCounter()
                started = datetime.now().astimezone()
                result = run(
                    self._pairs(_SetClock()),
                    ExerciseEngine(exercise),
                    selector=PersonSelector(self._person),
                    sinks=[*self._sinks, seen],
                    on_step=self._on_step,
                )
                last = (
                    result.error is not None
                    or result.interrupted
                    or self._source_ended
                    or self._command in (None, Command.QUIT)
                )
                if seen.with_person or (last and not outcome.sets):
                    self._save(number, exercise.id, result.result, started, seen.frames)
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

    # -- the frame stream of one set --------------------------------------------------------
    def _pairs(self, clock: _SetClock) -> Iterator[tuple[Frame, PoseFrame]]:
        outcome = self._outcome
        # Headless, the wait is still bounded so a Ctrl-C is seen while the camera is silent.
        wait = 0.2 if self._controls is None else 0.05
        while True:
            interrupts.check()
            if self._paused:
                if not self._pause_step(clock):
                    return
                continue
            frame = self.feed.next(wait)
            if frame is None:
                if self.feed.ended:
                    self._source_ended = True
                    return
                if self._controls is not None and self._handle(self._controls.poll()):
                    return
                continue
            started = time.perf_counter()
            poses = self._estimator.estimate(frame.image, frame.t_ms)
            outcome.model_ms.append((time.perf_counter() - started) * 1000.0)
            outcome.analysed += 1
            yield frame, PoseFrame(frame.index, clock(frame.t_ms), frame.size, poses)

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

    def _handle(self, command: Command | None) -> bool:
        """Act on a command; True when it ends the set."""
        if command is None:
            return False
        if command is Command.PAUSE:
            self._paused = not self._paused
            return False
        if command in (Command.NEXT, Command.PREV) and len(self._exercises) == 1:
            return False  # nothing to step to: keep counting
        self._command = command
        return True

    def _save(
        self, number: int, exercise_id: str, result: SessionResult, started: datetime, frames: int
    ) -> None:
        path = set_path(self.json_path, number, exercise_id)
        live = {
            "set": number,
            "started_at": started.isoformat(timespec="seconds"),
            "frames_analysed": frames,
        }
        sink = JsonSink(path, extra={"source": self._source_name, "live": live})
        sink.finish(result)
        saved = SavedSet(number, exercise_id, path, {**result.to_dict(), "live": live})
        self._outcome.sets.append(saved)
        if self._on_set_saved is not None:
            self._on_set_saved(saved)
