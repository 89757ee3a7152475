"""Option definitions shared by several commands, so each is spelled and explained once.

Use them as annotations::

    def record_command(model: ModelOption = DEFAULT_MODEL, quiet: QuietOption = False,
                       max_people: MaxPeopleOption = DEFAULT_MAX_PEOPLE) -> None: ...

``--model`` is validated for shape here (a variant name or something that looks like a path);
whether the file exists and is genuine is ``formcheck.models.resolve_model``'s job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from formcheck.errors import UsageError

VARIANTS = ("lite", "full", "heavy")  # formcheck.models.VARIANTS, without importing it for --help
DEFAULT_MODEL = "full"
# formcheck.estimation.mediapipe_landmarker.DEFAULT_MAX_PEOPLE, without importing numpy for --help
# (test_cli_help checks the two agree).
DEFAULT_MAX_PEOPLE = 2


def check_model_spec(value: str) -> str:
    """A variant name, or a path (anything with a path separator or a .task suffix)."""
    text = value.strip()
    if text in VARIANTS or "/" in text or "\\" in text or text.endswith(".task"):
        return text
    raise UsageError(f"--model must be one of {', '.join(VARIANTS)} or a path to a .task file, got {value!r}")


ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        metavar="lite|full|heavy|PATH",
        help=(
            "Pose model: lite (fastest), full (the bundled rules are tuned on it), heavy (slowest), "
            "or a .task file."
        ),
        callback=check_model_spec,
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
MaxPeopleOption = Annotated[
    int,
    typer.Option("--max-people", min=1, max=10, help="How many people the model looks for in each frame."),
]
LandmarkersOption = Annotated[
    int | None,
    typer.Option(
        "--landmarkers",
        min=1,
        max=8,
        show_default=False,
        help="Pose models run side by side on alternate frames [default: 2 for a video file, on any "
        "machine, so its result is the same everywhere; live: one per core, at most 2]; 1 keeps "
        "to one core.",
    ),
]


def check_person(value: str) -> str:
    from formcheck.people import PERSON_CHOICES  # numpy: not at --help time

    if value not in PERSON_CHOICES:
        raise UsageError(f"--person must be one of {', '.join(PERSON_CHOICES)}, got {value!r}")
    return value


PersonOption = Annotated[
    str,
    typer.Option(
        "--person",
        metavar="auto|largest|left|right|center",
        help="Whom to follow when several people are in view (default: the exercising person).",
        callback=check_person,
    ),
]
RulesDirOption = Annotated[
    list[Path],
    typer.Option(
        "--rules-dir", metavar="DIR", help="Extra folder of rule files, searched first (repeatable)."
    ),
]
HistoryOption = Annotated[
    Path | None,
    typer.Option(
        "--history",
        metavar="PATH",
        help="History database (default: FORMCHECK_HISTORY, else history.sqlite in the user data folder).",
    ),
]


def refuse_repeated_options(command: Any, args: list[str]) -> None:
    """``--json a --json b`` would silently keep ``b``: refuse an option given twice unless it is
    meant to be repeated (``--exercise`` of live, ``--rules-dir``). ``command`` is the click
    command typer built; the subcommand is found by walking ``args``."""
    params: dict[str, Any] = {}
    seen: dict[str, str] = {}
    it = iter(args)
    for arg in it:
        if arg == "--":
            return
        sub = getattr(command, "commands", {}).get(arg)
        if sub is not None and not arg.startswith("-"):
            command, params, seen = sub, {}, {}
            for param in command.params:
                for opt in (*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ())):
                    if opt.startswith("-"):
                        params[opt] = param
            continue
        name = arg.split("=", 1)[0]
        param = params.get(name)
        if param is None:
            continue
        takes_value = not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        if not takes_value or getattr(param, "multiple", False):
            continue
        value = arg.split("=", 1)[1] if "=" in arg else next(it, "")  # even if it looks like an option
        if param.name in seen:
            raise UsageError(f"{name} given twice ({seen[param.name]!r}, then {value!r}); give it once")
        seen[param.name] = value
