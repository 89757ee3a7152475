"""The routine's steps in words as they happen: printed (headless) and spoken (voice on).

Both read the runner's announcements of the frame ("exercise 3 of 20: Wall squat, 15 reps",
"now the left leg", "rest 20 seconds, then Glute bridge", "waiting for: …") beside the engine's
own events (reps, holds, faults), which they word as ``live`` does.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import TYPE_CHECKING, TextIO

from formcheck.live.events import describe, speech
from formcheck.routines.runner import RoutineRunner

if TYPE_CHECKING:
    from formcheck.engine import SessionResult
    from formcheck.live.voice import Voice
    from formcheck.pipeline import Step


class RoutinePrinter:
    """Sink: one line per routine step and per engine event."""

    def __init__(self, runner: RoutineRunner, stream: TextIO | None = None) -> None:
        self._runner = runner
        self._stream = stream or sys.stdout

    def message(self, text: str) -> None:
        print(text, file=self._stream, flush=True)

    def write(self, step: Step) -> None:
        offset = self._runner.set_start_s  # engine events are in set time; print routine time
        for event in step.report.events:
            line = describe(dataclasses.replace(event, t_s=event.t_s + offset), step.report)
            if line is not None:
                self.message(f"{line[:8]}     {line[8:].strip()}")
        for item in self._runner.announcements:
            marker = "===" if item.kind in ("exercise", "done") else "---"
            self.message(f"{item.t_s:7.1f}s {marker} {item.text}")

    def finish(self, result: SessionResult) -> None:
        pass

    def close(self) -> None:
        pass


class RoutineVoice:
    """Sink: speaks each routine step (before any count or cue of the same frame)."""

    def __init__(self, runner: RoutineRunner, voice: Voice) -> None:
        self._runner = runner
        self.voice = voice

    def write(self, step: Step) -> None:
        from formcheck.live.voice import CUE

        for item in self._runner.announcements:
            self.voice.say(item.text, CUE + 1)  # a step outranks a count or a cue
        for event in step.report.events:
            text = speech(event, step.report)
            if text:
                self.voice.say(text)

    def finish(self, result: SessionResult) -> None:
        pass

    def close(self) -> None:
        pass
