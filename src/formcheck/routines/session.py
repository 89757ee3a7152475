"""A routine run on the live loop: the camera (or a video played as one) through the runner.

``RoutineSession`` is a ``LiveSession`` whose whole run is one ``pipeline.run`` with the
routine runner in the engine's place: the same frame feed (newest camera frame, or every
frame), pause with the paused time cut out, and the same Ctrl-C/SIGTERM/camera-failure
handling. The keys mean routine steps here: ←/→ (p/n) the previous/next exercise (→ during a
rest ends it), r the set again, space pause, q quit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from formcheck.errors import FormcheckError
from formcheck.live.controls import Command
from formcheck.live.session import Controls, FrameFeed, LiveOutcome, LiveSession, _SetClock
from formcheck.people import PersonSelector
from formcheck.pipeline import Sink, run
from formcheck.routines.runner import RoutineRunner
from formcheck.sources.base import Frame

if TYPE_CHECKING:
    from pathlib import Path

    from formcheck.estimation.base import Estimator


class RoutineSession(LiveSession):
    """Runs ``runner`` over the frames until the routine is done, a quit, or the source ends.

    With ``stay_when_done`` (the window) the summary stays on screen until the person quits;
    headless, the run ends with the routine.
    """

    def __init__(
        self,
        frames: Iterable[Frame] | FrameFeed,
        estimator: Estimator,
        runner: RoutineRunner,
        *,
        json_path: Path,
        controls: Controls | None = None,
        sinks: Sequence[Sink] = (),
        person: str = "auto",
        source_name: str = "camera",
        newest_only: bool = True,
        stay_when_done: bool = False,
    ) -> None:
        super().__init__(
            frames,
            estimator,
            [p.exercise for p in runner.plan],
            json_path=json_path,
            controls=controls,
            sinks=sinks,
            person=person,
            source_name=source_name,
            newest_only=newest_only,
        )
        self.runner = runner
        self._stay_when_done = stay_when_done
        self._quit = False

    def run(self) -> LiveOutcome:
        outcome = self._outcome
        try:
            result = run(
                self._pairs(_SetClock()),
                self.runner,
                selector=PersonSelector(self._person),
                sinks=self._sinks,
                on_step=self._on_step,
            )
            outcome.error = result.error
            outcome.interrupted = result.interrupted
        except KeyboardInterrupt:  # while a sink saved the results: what was saved stays
            outcome.interrupted = True
        except FormcheckError as err:
            outcome.error = err
        finally:
            if self._grabber is not None:
                self._grabber.stop(timeout=0.5)
        outcome.received = getattr(self.feed, "received", outcome.analysed)
        return outcome

    def _on_step(self, step: object) -> bool:
        if super()._on_step(step):  # type: ignore[arg-type]
            return True
        return self.runner.stage == "done" and not self._stay_when_done

    def _handle(self, command: Command | None) -> bool:
        """Act on a key; True when the run ends (quit)."""
        if command is None:
            return False
        if command is Command.PAUSE:
            self._paused = not self._paused
        elif command is Command.QUIT:
            self._quit = True
            return True
        elif command is Command.NEXT:
            self.runner.next()
        elif command is Command.PREV:
            self.runner.back()
        elif command is Command.RESET:
            self.runner.repeat()
        return False
