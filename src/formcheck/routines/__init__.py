"""Routines: a programme of exercises done in one sitting, from ``routines/*.yaml``.

``loader`` finds and validates routine files (in the rule files' error style), ``model`` holds
the parsed routine and the plan a run follows, ``runner`` is the pure state machine that walks
through the plan frame by frame (start card, counting, side switch, sets, rests), ``session``
drives it with the live loop, and ``results`` is what a run came to.
"""

from formcheck.routines.loader import (
    ENV_VAR,
    bundled_routines_dir,
    list_routines,
    load_routine,
    plan,
    routine_paths,
    validate_file,
)
from formcheck.routines.model import PlannedExercise, Routine, RoutineEntry

__all__ = [
    "ENV_VAR",
    "PlannedExercise",
    "Routine",
    "RoutineEntry",
    "bundled_routines_dir",
    "list_routines",
    "load_routine",
    "plan",
    "routine_paths",
    "validate_file",
]
