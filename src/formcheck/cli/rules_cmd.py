"""`formcheck rules list | show ID | validate [FILE...]`: the rule files, in plain words."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from formcheck.cli.options import RulesDirOption
from formcheck.errors import RuleError

rules_app = typer.Typer(
    name="rules",
    help="List, explain and check the exercise rule files.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")


@rules_app.command("list")
def list_command(rules_dir: RulesDirOption = []) -> None:  # noqa: B006 - typer copies the default
    """List every exercise: id, name, kind, camera view and dose."""
    from formcheck.rules import list_exercises

    exercises = list_exercises(rules_dir or None)
    rows = [("ID", "NAME", "KIND", "VIEW", "DOSE")]
    rows += [(ex.id, ex.name, ex.kind, ex.view, str(ex.dose)) for ex in exercises]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4])


@rules_app.command("show")
def show_command(
    exercise: str = typer.Argument(..., metavar="ID", help="Exercise id (or the path of a rule file)."),
    rules_dir: RulesDirOption = [],  # noqa: B006 - typer copies the default,
) -> None:
    """Explain one rule in plain words: what is measured, what counts, what is a fault."""
    from formcheck.rules import load_exercise
    from formcheck.rules.describe import describe

    typer.echo(describe(load_exercise(exercise, rules_dir or None)))


@rules_app.command("validate")
def validate_command(
    files: list[Path] = typer.Argument(
        None, metavar="[FILE|FOLDER...]", help="Rule files, or folders of them (default: every rule found)."
    ),
    rules_dir: RulesDirOption = [],  # noqa: B006 - typer copies the default,
) -> None:
    """Check rule files; prints every problem of every file and exits non-zero if there is one."""
    from formcheck.errors import RuleErrors
    from formcheck.rules import rule_paths, validate_file
    from formcheck.rules.loader import rule_files_in

    if not files:
        files = list(rule_paths(rules_dir or None).values())
        if not files:
            raise RuleError("no rule files found")
    else:
        files = [f for given in files for f in (rule_files_in(given) if given.is_dir() else [given])]
    bad = problems = 0
    for path in files:
        try:
            ex = validate_file(path)
        except RuleError as err:
            bad += 1
            for one in err.errors if isinstance(err, RuleErrors) else [err]:
                problems += 1
                print(f"formcheck: error: {one.message}", file=sys.stderr)
                if one.detail:
                    print(one.detail, file=sys.stderr)
            continue
        typer.echo(f"ok  {path}  ({ex.id})")
    if bad:
        found = f"{problems} problem{'s' if problems > 1 else ''}: "
        raise RuleError(
            f"{found}{bad} of {len(files)} rule file{'s' if len(files) > 1 else ''} failed to validate"
        )
    typer.echo(f"{len(files)} rule file{'s' if len(files) > 1 else ''} valid")
