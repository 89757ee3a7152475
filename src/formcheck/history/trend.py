"""One exercise's trend against its earlier sessions, for the session report: what was done the
last few times (reps, range of motion, seconds held, form faults) beside what was done today.

The figures of a stored session are ``progress.compute``'s (so the report and ``formcheck
progress`` agree); ``row_of_result`` computes the same figures from the session result not yet
stored. ``read_trend`` opens the database read-only, and only when it already exists: rendering a
report never creates a history.
"""

from __future__ import annotations

import os
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from formcheck.errors import InputError
from formcheck.history.progress import SessionPoint, compute, result_totals
from formcheck.history.store import HistoryStore, now_iso

# The earlier sessions a report shows: enough to see a direction, few enough for one table.
TREND_SESSIONS = 8


@dataclass(frozen=True)
class TrendRow:
    """One session of the exercise (all its sets of it together)."""

    started_at: str  # ISO 8601 with the UTC offset
    reps: int
    reps_left: int | None  # None: no rep had a side (an exercise of both legs)
    reps_right: int | None
    hold_seconds: float
    faults: int  # form faults flagged
    rom: dict[str, float] = field(default_factory=dict)  # side (left/right/both) -> mean peak
    session_id: int | None = None  # None: this session, not (yet) in the history
    current: bool = False

    @property
    def day(self) -> str:
        return self.started_at[:10]


@dataclass(frozen=True)
class Trend:
    exercise: str
    measure: str | None  # the range-of-motion measure (the rule's counted one), None: no reps
    unit: str
    earlier: tuple[TrendRow, ...]  # most recent last
    current: TrendRow | None = None

    @property
    def rows(self) -> tuple[TrendRow, ...]:
        return self.earlier + ((self.current,) if self.current is not None else ())

    def with_current(self, result: dict[str, Any], *, started_at: str | None = None) -> Trend:
        """This trend with ``result`` (a ``formcheck.session/1`` dict) as its last row."""
        return replace(self, current=row_of_result(result, self.measure, started_at=started_at))


def _row_of_point(point: SessionPoint) -> TrendRow:
    return TrendRow(
        started_at=point.started_at,
        reps=point.reps_done,
        reps_left=point.reps_left,
        reps_right=point.reps_right,
        hold_seconds=point.hold_seconds,
        faults=point.faults,
        rom=dict(point.rom),
        session_id=point.session_id,
    )


def row_of_result(result: dict[str, Any], measure: str | None, *, started_at: str | None = None) -> TrendRow:
    """The figures ``progress.compute`` gives a stored session, from a session result dict: the
    range of motion is the mean of ``measure`` at the peak of each rep, per side."""
    reps = result.get("reps") or {}
    values: dict[str, list[float]] = defaultdict(list)
    for rep in result.get("rep_events") or []:
        value = (rep.get("peak") or {}).get(measure) if measure else None
        if isinstance(value, int | float):
            values[rep.get("side") or "both"].append(float(value))
    _, hold_seconds, faults = result_totals(result)
    return TrendRow(
        started_at=started_at or now_iso(),
        reps=int(reps.get("total") or 0),
        reps_left=reps.get("left"),
        reps_right=reps.get("right"),
        hold_seconds=hold_seconds,
        faults=faults,
        rom={side: sum(vs) / len(vs) for side, vs in values.items()},
        current=True,
    )


def earlier_sessions(
    store: HistoryStore,
    exercise_id: str,
    *,
    current: dict[str, Any] | None = None,
    exclude_session: int | None = None,
    limit: int = TREND_SESSIONS,
) -> Trend | None:
    """The last ``limit`` sessions of ``exercise_id`` in ``store``, most recent last (None: there
    is none), with ``current`` (this session's result) as the last row if given.
    ``exclude_session``: this session's id when it was already stored, so it is not counted twice."""
    (progress,) = compute(store, exercise=exercise_id).exercises or (None,)
    if progress is None:
        return None
    points = [p for p in progress.points if p.session_id != exclude_session]
    if not points:
        return None
    trend = Trend(
        exercise_id, progress.measure, progress.unit, tuple(_row_of_point(p) for p in points[-limit:])
    )
    return trend.with_current(current) if current is not None else trend


def read_trend(
    path: str | os.PathLike[str], exercise_id: str, *, limit: int = TREND_SESSIONS
) -> Trend | None:
    """``earlier_sessions`` of the history at ``path``, read-only; None when there is no history
    there, or none of this exercise. A history that cannot be read gives no trend rather than no
    report: the report is about this session, the trend only beside it."""
    try:
        with HistoryStore(path, read_only=True) as store:
            return earlier_sessions(store, exercise_id, limit=limit)
    except (InputError, sqlite3.Error):
        return None
