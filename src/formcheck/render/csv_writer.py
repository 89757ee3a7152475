"""One CSV row per analysed frame: for plotting in a spreadsheet or checking a rule by hand.

Columns: ``t_s``, one column per measure (named as in the frame report: ``knee_flexion``, or
``knee_flexion.left`` / ``knee_flexion.right`` when the exercise counts each side), ``phase``,
``side``, ``reps_total``, ``faults`` (active fault ids, ``id`` or ``id:side``, separated by
``;``) and ``events`` (what happened at this frame: ``rep:left``, ``fault_start:knee_valgus``,
separated by ``;``). An unknown value is an empty cell.

Rows stream to a hidden temporary file beside the target, renamed into place by ``finish()``
(also for a partial run); ``close()`` without ``finish()`` removes it.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from formcheck.files import PendingOutput

if TYPE_CHECKING:
    from formcheck.engine import SessionResult
    from formcheck.engine.report import FrameReport
    from formcheck.pipeline import Step
    from formcheck.rules.model import Exercise

TRAILING_COLUMNS = ("phase", "side", "reps_total", "faults", "events")


def _number(value: float | None) -> str:
    if value is None or value != value:  # None or NaN
        return ""
    return f"{value:.4g}" if abs(value) < 1 else f"{value:.2f}"


def _tag(name: str, side: str | None) -> str:
    return f"{name}:{side}" if side else name


def event_label(kind: str, side: str | None, data: dict[str, Any]) -> str:
    """``rep:left``, ``fault_start:knee_valgus:left``, ``notice_start:view``."""
    what = data.get("id") or data.get("kind")
    parts = [kind, *([str(what)] if what else []), *([side] if side else [])]
    return ":".join(parts)


class CsvSink:
    def __init__(self, path: str | os.PathLike[str], exercise: Exercise) -> None:
        self.path = Path(path)
        self.exercise = exercise
        self.rows_written = 0
        self._measure_columns: list[str] | None = None
        self._fh: TextIO | None = None
        self._writer: Any = None
        self._pending: PendingOutput | None = None
        self._done = False

    def columns(self) -> list[str]:
        return ["t_s", *(self._measure_columns or []), *TRAILING_COLUMNS]

    def write(self, step: Step) -> None:
        if self._done:
            return
        report = step.report
        if self._fh is None:
            # The engine reports every measure every frame, so the first frame names them all.
            self._open(list(report.measures))
        try:
            self._writer.writerow(self._row(report))
        except OSError as err:  # a full disk, mid-run
            assert self._pending is not None
            raise self._pending.error(err) from err
        self.rows_written += 1

    def _row(self, report: FrameReport) -> list[str]:
        assert self._measure_columns is not None
        faults = ";".join(_tag(f.id, f.side) for f in report.faults)
        events = ";".join(event_label(e.kind, e.side, e.data) for e in report.events)
        reps_total = (report.reps or {}).get("total")
        return [
            f"{report.t_ms / 1000:.3f}",
            *(_number(report.measures.get(name)) for name in self._measure_columns),
            report.phase,
            report.side or "",
            "" if reps_total is None else str(reps_total),
            faults,
            events,
        ]

    def finish(self, result: SessionResult | None = None) -> None:
        if self._done:
            return
        self._done = True
        if self._fh is None:  # no frame at all: still a valid file with its header
            self._open(list(self.exercise.measures))
        assert self._fh is not None and self._pending is not None
        try:
            self._fh.close()
            self._fh = None
        except OSError as err:
            self._discard()
            raise self._pending.error(err) from err
        self._pending.commit()  # raises OutputError (and cleans up) when the disk refuses it
        self._pending = None

    def close(self) -> None:
        self._done = True
        self._discard()

    def _open(self, measure_columns: list[str]) -> None:
        self._measure_columns = measure_columns
        self._pending = PendingOutput(self.path, what="CSV", suffix=".tmp.csv")
        self._fh = os.fdopen(self._pending.take_fd(), "w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._fh)
        self._writer.writerow(self.columns())

    def _discard(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._pending is not None:
            self._pending.discard()
            self._pending = None
