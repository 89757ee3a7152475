"""Engine events in plain words: one line per event for the terminal, short phrases for voice.

``EventPrinter`` is the headless sink (``--no-window``, remote use, tests): it prints each
event as it happens, so a log of the session reads like what a coach would have said.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from formcheck.engine import FrameReport, SessionResult
    from formcheck.engine.report import Event
    from formcheck.pipeline import Step


def _side(side: str | None) -> str:
    return f" ({side})" if side in ("left", "right") else ""


def _fault_text(event: Event, report: FrameReport) -> tuple[str, str, str]:
    """(id, message, cue) of the fault an event is about."""
    fault_id = str(event.data.get("id") or event.data.get("fault") or "fault")
    message = str(event.data.get("message") or "")
    cue = str(event.data.get("cue") or "")
    for fault in report.faults:
        if fault.id == fault_id and (event.side is None or fault.side in (None, event.side)):
            message = message or fault.message
            cue = cue or fault.cue
            break
    return fault_id, message, cue


def _rep_counts(report: FrameReport) -> str:
    reps = report.reps
    left, right = reps.get("left"), reps.get("right")
    by_side = f" (left {left}, right {right})" if left is not None or right is not None else ""
    return f"{reps.get('total')}{by_side}"


def describe(event: Event, report: FrameReport) -> str | None:
    """One line for the terminal, or None for events not worth a line (a fault ending)."""
    t = f"{event.t_s:7.1f}s"
    data: dict[str, Any] = event.data
    if event.kind == "rep":
        good = data.get("good")
        quality = "" if good is None else ("  good" if good else "  faulty")
        return f"{t}  rep{_side(event.side)}  total {_rep_counts(report)}{quality}"
    if event.kind == "hold_start":
        target = report.hold.target_s if report.hold is not None else data.get("target_s")
        goal = f", target {float(target):.0f}s" if target else ""
        return f"{t}  hold started{_side(event.side)}{goal}"
    if event.kind == "hold_end":
        seconds = data.get("seconds")
        held = f" after {float(seconds):.1f}s" if seconds is not None else ""
        done = "completed" if data.get("completed") else "ended"
        return f"{t}  hold {done}{_side(event.side)}{held}"
    if event.kind == "fault_start":
        fault_id, message, cue = _fault_text(event, report)
        words = " — ".join(w for w in (message, cue) if w)
        return f"{t}  FAULT {fault_id}{_side(event.side)}: {words}" if words else f"{t}  FAULT {fault_id}"
    if event.kind == "notice_start":
        message = data.get("message") or next((n.message for n in report.notices), "")
        return f"{t}  notice: {message or data.get('kind', '')}"
    if event.kind == "rep_refused":
        return f"{t}  not counted{_side(event.side)}: {data.get('message', '')}"
    return None


def speech(event: Event, report: FrameReport) -> str | None:
    """What to say aloud for an event: counts and cues only, kept short."""
    if event.kind == "rep":
        reps = report.reps
        if event.side in ("left", "right") and reps.get(event.side) is not None:
            return f"{event.side} {reps.get(event.side)}"
        return str(reps.get("total"))
    if event.kind == "hold_start":
        return "hold"
    if event.kind == "hold_end":
        return "done" if event.data.get("completed") else None
    if event.kind == "fault_start":
        _, message, cue = _fault_text(event, report)
        return cue or message or None
    if event.kind == "notice_start":
        return str(event.data.get("message") or "") or next((n.message for n in report.notices), None)
    if event.kind == "rep_refused":
        return "not counted"  # the screen says why
    return None


class EventPrinter:
    """Sink: prints every event, one line each, as it happens.

    It outlives the sets of a live session, so ``close`` does nothing; ``start_set`` prints a
    header line when the exercise or set changes.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout

    def start_set(self, exercise_id: str, number: int) -> None:
        self._print(f"--- {exercise_id}: set {number} ---")

    def message(self, text: str) -> None:
        self._print(text)

    def write(self, step: Step) -> None:
        for event in step.report.events:
            line = describe(event, step.report)
            if line is not None:
                self._print(line)

    def finish(self, result: SessionResult) -> None:
        pass

    def close(self) -> None:
        pass

    def _print(self, line: str) -> None:
        print(line, file=self._stream, flush=True)
