"""The parsed form of a routine file, and the plan a routine run follows.

A routine file names exercises (rule ids) in order, each with optional dose overrides; the
rule files stay the single source of how each exercise is recognised. ``plan`` resolves each
entry against its rule into a ``PlannedExercise``: the rule with the routine's dose applied,
and the numbers the runner counts against.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from formcheck.rules.model import Dose, Exercise, Range

FORMAT_VERSION = 1
DEFAULT_REST_S = 20.0


@dataclass(frozen=True, slots=True)
class RoutineEntry:
    """One line of a routine: a rule id and what the routine changes about its dose."""

    exercise: str
    reps: Range | None = None
    hold_s: Range | None = None
    sets: Range | None = None
    per_side: bool | None = None
    rest_s: float | None = None  # after each of its sets (default: the routine's)
    note: str = ""  # shown on the exercise's start card
    line: int = 0  # where it is in the file (for messages)


@dataclass(frozen=True, slots=True)
class Routine:
    id: str
    name: str
    entries: tuple[RoutineEntry, ...]
    rest_s: float = DEFAULT_REST_S
    description: str = ""
    note: str = ""  # shown before the first exercise (the warm-up)
    source: Path | None = None
    format: int = FORMAT_VERSION


@dataclass(frozen=True, slots=True)
class PlannedExercise:
    """An exercise as the routine asks for it: what done means for each of its sets."""

    number: int  # 1-based position in the routine
    exercise: Exercise  # the rule, its dose (and hold target) set to the routine's
    sets: int
    reps: int | None  # reps per set (per side when per_side); None for a timed hold
    hold_s: float | None  # seconds per hold (timed holds), or held at the peak of each rep
    per_side: bool  # the dose is for each side: one side, then the other
    rest_s: float
    note: str = ""

    @property
    def sides_counted(self) -> bool:
        """The rule tells left from right; otherwise a per-side set is done in two halves."""
        return self.exercise.per_side

    @property
    def id(self) -> str:
        return self.exercise.id

    @property
    def name(self) -> str:
        return self.exercise.name

    def dose_text(self) -> str:
        """ "2 sets of 10 reps per side, holding 2 s": what the runner counts, in words."""
        side = " per side" if self.per_side else ""
        if self.reps is not None:
            text = f"{self.reps} reps{side}"
            if self.hold_s:
                text += f", holding {self.hold_s:g} s"
            return f"{self.sets} sets of {text}" if self.sets > 1 else text
        text = f"hold {self.hold_s or 0:g} s{side}"
        return f"{text}, {self.sets} times" if self.sets > 1 else text

    def prescribed(self) -> dict[str, object]:
        """What the routine asks for, as stored with the results."""
        return {
            "sets": self.sets,
            "reps": self.reps,
            "hold_s": self.hold_s,
            "per_side": self.per_side,
            "holds": None if self.reps is not None else 1,
        }


def _low(r: Range | None) -> float | None:
    return None if r is None else r.lo


def plan_entry(number: int, entry: RoutineEntry, rule: Exercise, routine_rest_s: float) -> PlannedExercise:
    """The rule with the entry's dose: the card shows it, the runner counts the low end of a range."""
    base = rule.dose
    dose = Dose(
        reps=entry.reps or base.reps,
        hold_s=entry.hold_s or base.hold_s,
        sets=entry.sets or base.sets,
        per_side=base.per_side if entry.per_side is None else entry.per_side,
    )
    exercise = dataclasses.replace(rule, dose=dose)
    hold_s = _low(dose.hold_s)
    if entry.hold_s is not None and hold_s is not None:
        # the hold the engine times is the routine's, so "completed" means what the card says
        if rule.hold is not None:
            exercise = dataclasses.replace(exercise, hold=dataclasses.replace(rule.hold, target_s=hold_s))
        elif rule.reps is not None and rule.reps.hold is not None:
            peak = dataclasses.replace(rule.reps.hold, target_s=hold_s)
            exercise = dataclasses.replace(exercise, reps=dataclasses.replace(rule.reps, hold=peak))
    reps = _low(dose.reps) if rule.reps is not None else None
    return PlannedExercise(
        number=number,
        exercise=exercise,
        sets=int(_low(dose.sets) or 1),
        reps=None if reps is None else int(reps),
        hold_s=exercise.hold_target_s,
        per_side=dose.per_side,
        rest_s=routine_rest_s if entry.rest_s is None else entry.rest_s,
        note=entry.note,
    )
