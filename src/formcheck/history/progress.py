"""Progress across sessions, from the history: what a physiotherapist asks of it.

- adherence: sessions per week, and per exercise what was done against what was prescribed;
- quality: the share of good reps per exercise per session;
- range of motion: per exercise, the rule's counted measure at the peak of each rep (the knee
  flexion reached at the bottom of each wall squat), averaged per session and side;
- holds: seconds held per session.

Pure queries over a ``HistoryStore``; ``progress_report`` renders them as HTML.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from formcheck.history.store import HistoryStore


@dataclass
class SessionPoint:
    """One exercise in one session."""

    session_id: int
    started_at: str
    reps_done: int = 0
    reps_left: int | None = None  # None: the sets counted no side (an exercise of both legs)
    reps_right: int | None = None
    reps_prescribed: int = 0  # 0: nothing was prescribed (live, analyze)
    holds_done: int = 0
    holds_prescribed: int = 0
    good: int = 0
    faulty: int = 0
    hold_seconds: float = 0.0
    faults: int = 0  # form faults flagged (each stretch of time a fault was seen), good reps or not
    rom: dict[str, float] = field(default_factory=dict)  # side (left/right/both) -> mean peak
    rom_max: dict[str, float] = field(default_factory=dict)

    @property
    def good_share(self) -> float | None:
        total = self.good + self.faulty
        return self.good / total if total else None

    @property
    def day(self) -> str:
        return self.started_at[:10]


@dataclass
class ExerciseProgress:
    exercise: str
    name: str
    measure: str | None  # the range-of-motion measure
    unit: str
    points: list[SessionPoint]


@dataclass
class Progress:
    sessions: int
    weeks: dict[str, int]  # ISO week ("2026-W49") -> sessions
    exercises: list[ExerciseProgress]
    since: str | None
    first: str | None
    last: str | None


def _week(started_at: str) -> str:
    try:
        d = datetime.fromisoformat(started_at).date()
    except ValueError:
        d = date.today()
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def _main_measure(exercise_id: str, store: HistoryStore) -> tuple[str | None, str]:
    """The measure a rep of this exercise is counted on (and its unit), from its rule if known."""
    try:
        from formcheck.rules import load_exercise

        rule = load_exercise(exercise_id)
        if rule.reps is not None:
            return rule.reps.measure, rule.measures[rule.reps.measure].unit
    except Exception:  # a rule no longer there: fall back to the history's own measures
        rule = None
    rows = store.query(
        """SELECT rm.measure, COUNT(*) FROM rep_measures rm JOIN reps r ON r.id = rm.rep_id
           JOIN sets s ON s.id = r.set_id WHERE s.exercise = ? GROUP BY rm.measure ORDER BY 2 DESC""",
        (exercise_id,),
    )
    return (rows[0][0] if rows else None), "°"


def result_totals(result: dict[str, Any]) -> tuple[int, float, int]:
    """(holds completed, seconds held, form faults flagged) of a ``formcheck.session/1`` result:
    the same for a stored set and for a session not yet stored (a report's trend)."""
    holds = result.get("holds") or []
    done = sum(1 for h in holds if h.get("completed"))
    return done, sum(float(h.get("seconds") or 0) for h in holds), len(result.get("faults") or [])


def compute(store: HistoryStore, *, exercise: str | None = None, since: str | None = None) -> Progress:
    sets = store.query(
        """SELECT s.id, s.session_id, ss.started_at, s.exercise, s.exercise_name, s.reps_total, s.reps_left,
                  s.reps_right, s.reps_good, s.reps_faulty, s.prescribed, s.result
           FROM sets s JOIN sessions ss ON ss.id = s.session_id
           WHERE (? IS NULL OR ss.started_at >= ?) AND (? IS NULL OR s.exercise = ?)
           ORDER BY ss.started_at, s.id""",
        (since, since, exercise, exercise),
    )
    sessions: dict[int, str] = {}
    by_exercise: dict[str, dict[int, SessionPoint]] = defaultdict(dict)
    names: dict[str, str] = {}
    for row in sets:
        _set_id, session_id, started_at, ex, name, total, left, right, good, faulty, prescribed, result = row
        sessions[session_id] = started_at
        names[ex] = name
        point = by_exercise[ex].setdefault(session_id, SessionPoint(session_id, started_at))
        point.reps_done += int(total)
        if left is not None:
            point.reps_left = (point.reps_left or 0) + int(left)
        if right is not None:
            point.reps_right = (point.reps_right or 0) + int(right)
        point.good += int(good)
        point.faulty += int(faulty)
        holds_done, hold_seconds, faults = result_totals(json.loads(result))
        point.holds_done += holds_done
        point.hold_seconds += hold_seconds
        point.faults += faults
        if prescribed:
            p = json.loads(prescribed)
            sides = 2 if p.get("per_side") else 1
            if p.get("reps"):
                point.reps_prescribed += int(p["reps"]) * sides
            elif p.get("holds"):
                point.holds_prescribed += int(p["holds"]) * sides
    out: list[ExerciseProgress] = []
    for ex, points in sorted(by_exercise.items()):
        measure, unit = _main_measure(ex, store)
        if measure is not None:
            rows = store.query(
                """SELECT s.session_id, COALESCE(r.side, 'both'), rm.value FROM rep_measures rm
                   JOIN reps r ON r.id = rm.rep_id JOIN sets s ON s.id = r.set_id
                   WHERE s.exercise = ? AND rm.measure = ?""",
                (ex, measure),
            )
            values: dict[tuple[int, str], list[float]] = defaultdict(list)
            for session_id, side, value in rows:
                if session_id in points:
                    values[(session_id, side)].append(float(value))
            for (session_id, side), vs in values.items():
                points[session_id].rom[side] = sum(vs) / len(vs)
                points[session_id].rom_max[side] = max(vs)
        ordered = sorted(points.values(), key=lambda p: (p.started_at, p.session_id))
        out.append(ExerciseProgress(ex, names[ex], measure, unit, ordered))
    weeks = Counter(_week(s) for s in sessions.values())
    days = sorted(sessions.values())
    return Progress(
        sessions=len(sessions),
        weeks=dict(sorted(weeks.items())),
        exercises=out,
        since=since,
        first=days[0] if days else None,
        last=days[-1] if days else None,
    )


def to_dict(progress: Progress) -> dict[str, Any]:
    return {
        "sessions": progress.sessions,
        "weeks": progress.weeks,
        "exercises": [
            {
                "exercise": e.exercise,
                "name": e.name,
                "measure": e.measure,
                "sessions": [
                    {
                        "session": p.session_id,
                        "started_at": p.started_at,
                        "reps_done": p.reps_done,
                        "reps_prescribed": p.reps_prescribed,
                        "holds_done": p.holds_done,
                        "holds_prescribed": p.holds_prescribed,
                        "good_share": p.good_share,
                        "hold_seconds": round(p.hold_seconds, 1),
                        "rom": {k: round(v, 1) for k, v in p.rom.items()},
                    }
                    for p in e.points
                ],
            }
            for e in progress.exercises
        ],
    }
