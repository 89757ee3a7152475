"""What a routine run came to: its sets, and per exercise done against prescribed.

The JSON form is ``formcheck.routine/1``: the routine, a summary per exercise, and every set
with its full ``formcheck.session/1`` result (the same a single ``live`` set writes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from formcheck.routines.model import PlannedExercise, Routine
from formcheck.routines.runner import SetRecord

FORMAT = "formcheck.routine/1"


@dataclass(frozen=True, slots=True)
class ExerciseSummary:
    number: int
    exercise: str
    name: str
    prescribed: dict[str, Any]  # sets, reps (per set, per side when per_side), hold_s, per_side
    sets_done: int  # sets that reached their dose
    sets_started: int
    reps: dict[str, int]  # total, left, right, good, faulty over every set
    reps_prescribed: int | None
    holds_completed: int
    holds_prescribed: int | None
    hold_seconds: list[float]
    faults: dict[str, int]  # fault id -> times it fired

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "exercise": self.exercise,
            "name": self.name,
            "prescribed": dict(self.prescribed),
            "sets_done": self.sets_done,
            "sets_started": self.sets_started,
            "reps": dict(self.reps),
            "reps_prescribed": self.reps_prescribed,
            "holds_completed": self.holds_completed,
            "holds_prescribed": self.holds_prescribed,
            "hold_seconds": [round(s, 1) for s in self.hold_seconds],
            "faults": dict(self.faults),
        }


def summarise(planned: PlannedExercise, sets: Sequence[SetRecord]) -> ExerciseSummary:
    mine = [s for s in sets if s.exercise_number == planned.number]
    reps: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    hold_seconds: list[float] = []
    completed_holds = 0
    for record in mine:
        r = record.result
        for key in ("total", "left", "right", "good", "faulty"):
            reps[key] += int(r.reps.get(key) or 0)
        for hold in r.holds:
            hold_seconds.append(hold.seconds)
            completed_holds += hold.completed
        for fault in r.faults:
            faults[fault.id] += 1
    sides = 2 if planned.per_side else 1
    return ExerciseSummary(
        number=planned.number,
        exercise=planned.id,
        name=planned.name,
        prescribed=planned.prescribed(),
        sets_done=sum(1 for s in mine if s.completed),
        sets_started=len(mine),
        reps={k: reps[k] for k in ("total", "left", "right", "good", "faulty")},
        reps_prescribed=None if planned.reps is None else planned.reps * planned.sets * sides,
        holds_completed=completed_holds,
        holds_prescribed=planned.sets * sides if planned.reps is None else None,
        hold_seconds=hold_seconds,
        faults=dict(faults),
    )


def routine_result(
    routine: Routine,
    plan: Sequence[PlannedExercise],
    sets: Sequence[SetRecord],
    *,
    partial: bool,
    started_at: str,
    source: str,
) -> dict[str, Any]:
    """The ``formcheck.routine/1`` document."""
    return {
        "format": FORMAT,
        "routine": routine.id,
        "routine_name": routine.name,
        "partial": partial,
        "started_at": started_at,
        "source": source,
        "duration_s": round(max((s.ended_s for s in sets), default=0.0), 3),
        "exercises": [summarise(p, sets).to_dict() for p in plan],
        "sets": [
            {
                "exercise_number": s.exercise_number,
                "exercise": s.exercise_id,
                "set": s.set_number,
                "started_s": round(s.started_s, 3),
                "ended_s": round(s.ended_s, 3),
                "completed": s.completed,
                "ended_by": s.ended_by,
                "prescribed": dict(s.prescribed),
                "result": s.result.to_dict(),
            }
            for s in sets
        ],
    }
