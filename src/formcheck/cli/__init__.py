"""The ``formcheck`` command: parses arguments, calls the library, formats the results.

``main`` is the one place where errors become messages and exit codes (see
``formcheck.errors``): a user sees one line, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

from formcheck import __version__, interrupts
from formcheck.errors import FormcheckError, Interrupted, UsageError

app = typer.Typer(
    name="formcheck",
    help="Watch a person exercise (webcam or recorded video) and check their form.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Each module registers its own commands on ``app``; the list is the CLI's table of contents.
COMMAND_MODULES = (
    "formcheck.cli.models_cmd",
    "formcheck.cli.record_cmd",
    "formcheck.cli.rules_cmd",
    "formcheck.cli.analyze_cmd",
    "formcheck.cli.test_cmd",
    "formcheck.cli.routine_cmd",
    "formcheck.cli.live_cmd",
    "formcheck.cli.history_cmd",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"formcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Watch a person exercise (webcam or recorded video) and check their form."""


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as _err:  # a command module not written yet
        if _err.name != _name:
            raise
        continue
    _module.register(app)


def report_error(err: FormcheckError) -> None:
    print(f"formcheck: error: {err.message}", file=sys.stderr)
    if err.detail:
        print(err.detail, file=sys.stderr)


# Commands that save results: a Ctrl-C or SIGTERM ends their run cleanly with every output
# written (``formcheck.interrupts``) instead of raising wherever the program happens to be.
DEFERRING_COMMANDS = ("analyze", "live", "routine")


def _command_name(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def usage_line(err: typer.TyperException) -> str:
    """click's usage error as the one line every error is ("formcheck: error: ..."), with the
    command's --help to look at (instead of click's three-line usage block)."""
    message = err.format_message().strip().rstrip(".")
    ctx = getattr(err, "ctx", None)
    hint = f" (see {ctx.command_path} --help)" if ctx is not None else ""
    return f"formcheck: error: {message[:1].lower() + message[1:]}{hint}"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        with interrupts.handling(defer=_command_name(args) in DEFERRING_COMMANDS):
            from formcheck.cli.options import refuse_repeated_options

            refuse_repeated_options(typer.main.get_command(app), args)
            rc = app(args=args, prog_name="formcheck", standalone_mode=False)
            reported = interrupts.was_reported()
    except FormcheckError as err:
        report_error(err)
        return err.exit_code
    except (typer.Abort, KeyboardInterrupt):
        # Outside a run (a second Ctrl-C, or one in a command that saves nothing).
        print("formcheck: interrupted", file=sys.stderr)
        return Interrupted.exit_code
    except typer.Exit as err:
        return int(getattr(err, "exit_code", 0))
    except typer.TyperException as err:  # bad usage, found by typer's own parsing
        if type(err).__name__ == "NoArgsIsHelpError":  # `formcheck rules`: the help is the answer
            err.show()  # type: ignore[attr-defined]
        else:
            print(usage_line(err), file=sys.stderr)
        return int(getattr(err, "exit_code", UsageError.exit_code))
    if rc == Interrupted.exit_code and not reported:  # typer makes a KeyboardInterrupt a silent 130
        print("formcheck: interrupted", file=sys.stderr)
    return rc if isinstance(rc, int) else 0


def run() -> None:
    sys.exit(main())
