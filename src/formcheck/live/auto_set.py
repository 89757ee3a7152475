"""A live set of a recognised exercise (``formcheck live --exercise auto``): when the person moves
on to another exercise, the set ends there.

``SetWatch`` is a sink of the set: it keeps the set's pose frames and feeds them to an
``ExerciseWatch`` (``recognition.live``). Once the person has moved on, the session stops the set
and asks the watch for

- ``result``: the set re-run, from its kept frames, up to where the stretch showing the new
  exercise began: what the new exercise did to the old rule's count is not kept (the live run
  already showed it; the saved set is right). Everything after pose estimation is pure and
  driven by timestamps, so the re-run counts exactly what the live run counted up to there.
- ``seed``: the frames of that stretch, re-timed to start at zero, for the next set's
  recognition to start from (and to replay, so the new exercise's first reps count).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from formcheck.pose import PoseFrame
from formcheck.recognition.live import ExerciseWatch, MovedOn

if TYPE_CHECKING:
    from formcheck.engine import SessionResult
    from formcheck.pipeline import Step
    from formcheck.rules import Exercise

# The set's frames kept for the re-run: half an hour (at 30 fps, ~54,000 frames of a few kB). A
# longer set that moves on is saved as it was counted live.
KEEP_SET_S = 1800.0


class SetWatch:
    def __init__(self, rules: Mapping[str, Exercise], exercise: Exercise, *, person: str = "auto") -> None:
        self.exercise = exercise
        self.person = person
        self.watch = ExerciseWatch(rules, exercise.id, person=person)
        self._frames: deque[PoseFrame] = deque()
        self._complete = True  # every frame of the set is still kept
        self.moved_on: MovedOn | None = None

    # -- the sink ---------------------------------------------------------------------------
    def write(self, step: Step) -> None:
        frame = step.pose_frame
        self._frames.append(frame)
        while frame.t_ms - self._frames[0].t_ms > KEEP_SET_S * 1000:
            self._frames.popleft()
            self._complete = False
        if self.moved_on is None:
            self.moved_on = self.watch.add(frame)

    def finish(self, result: SessionResult) -> None:
        pass

    def close(self) -> None:
        pass

    # -- once moved on ----------------------------------------------------------------------
    def result(self, live: SessionResult) -> SessionResult:
        """The set's result up to where the new exercise's stretch began (``live``, the result
        the set came to, when its first frames are no longer kept)."""
        from formcheck.engine import ExerciseEngine
        from formcheck.people import PersonSelector
        from formcheck.pipeline import run

        if self.moved_on is None or not self._complete:
            return live
        since = self.moved_on.since_ms
        before = ((None, f) for f in self._frames if f.t_ms < since)
        return run(before, ExerciseEngine(self.exercise), selector=PersonSelector(self.person)).result

    def seed(self) -> list[PoseFrame]:
        """The frames of the new exercise's stretch, re-timed from zero."""
        if self.moved_on is None:
            return []
        since = self.moved_on.since_ms
        return [replace(f, t_ms=f.t_ms - since) for f in self._frames if f.t_ms >= since]
