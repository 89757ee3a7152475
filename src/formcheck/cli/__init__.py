"""The ``formcheck`` command: parses arguments, calls the library, formats the results.

``main`` is the one place where errors become messages and exit codes (see
``formcheck.errors``): a user sees one line, never a traceback.
"""

from __future__ import annotations

import importlib
import signal
import sys
import threading

import typer

from formcheck import __version__
from formcheck.errors import FormcheckError, Interrupted

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


def _sigterm_as_interrupt(signum: int, frame: object) -> None:
    # SIGTERM takes the same path as Ctrl-C: results so far are saved and marked partial.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        rc = app(args=argv, prog_name="formcheck", standalone_mode=False)
    except FormcheckError as err:
        report_error(err)
        return err.exit_code
    except (typer.Abort, KeyboardInterrupt):
        print("formcheck: interrupted", file=sys.stderr)
        return Interrupted.exit_code
    except typer.Exit as err:
        return int(getattr(err, "exit_code", 0))
    except typer.TyperException as err:  # bad usage: typer prints the usage line and the problem
        show = getattr(err, "show", None)
        if callable(show):
            show()
        else:
            print(f"formcheck: error: {err}", file=sys.stderr)
        return int(getattr(err, "exit_code", 2))
    return rc if isinstance(rc, int) else 0


def run() -> None:
    sys.exit(main())
