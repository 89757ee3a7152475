"""`formcheck history [list | show ID | export --csv DIR | delete ID]` and `formcheck progress`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from formcheck.cli.options import HistoryOption
from formcheck.errors import UsageError

history_app = typer.Typer(
    name="history",
    help="The sessions you did: list them, show one, export them as CSV, delete one.",
    invoke_without_command=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    app.add_typer(history_app, name="history")
    app.command("progress")(progress_command)


# The list's options, on `formcheck history` and on `formcheck history list` alike.
ListJsonOption = Annotated[bool, typer.Option("--json", help="Print the list as JSON.")]
ListLimitOption = Annotated[
    int, typer.Option("--limit", "-n", min=1, help="How many recent sessions to list.")
]


@history_app.callback()
def list_command(
    ctx: typer.Context,
    history: HistoryOption = None,
    as_json: ListJsonOption = False,
    limit: ListLimitOption = 20,
) -> None:
    """Recent sessions, a line each (the subcommands show, export, delete one or all)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = history
        return
    _list_sessions(history, as_json, limit)


@history_app.command("list")
def list_subcommand(
    ctx: typer.Context,
    history: HistoryOption = None,
    as_json: ListJsonOption = False,
    limit: ListLimitOption = 20,
) -> None:
    """Recent sessions, a line each (the same as `formcheck history`, as `rules list` lists rules)."""
    _list_sessions(_store_path(ctx, history), as_json, limit)


def _list_sessions(history: Path | None, as_json: bool, limit: int) -> None:
    from formcheck.history import HistoryStore

    with HistoryStore(history) as store:
        rows = store.sessions(limit=limit)
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in rows], indent=2))
        return
    if not rows:
        typer.echo(f"no sessions yet in {store.path}")
        return
    for r in rows:
        what = r.routine or (r.exercises.split(",")[0] if r.exercises else "-")
        typer.echo(
            f"{r.id:5d}  {r.started_at[:16].replace('T', ' ')}  {r.kind:8s} {what:22s} "
            f"{r.sets:3d} sets {r.reps:4d} reps ({r.good} good)  {r.status}"
        )


def _store_path(ctx: typer.Context, history: Path | None) -> Path | None:
    return history if history is not None else ctx.obj


@history_app.command("show")
def show_command(
    ctx: typer.Context,
    session_id: int = typer.Argument(..., metavar="ID", help="Session id (from `formcheck history`)."),
    history: HistoryOption = None,
    as_json: bool = typer.Option(False, "--json", help="Print the session and its sets as JSON."),
) -> None:
    """One session: each set with its reps, holds and faults."""
    from formcheck.history import HistoryStore

    with HistoryStore(_store_path(ctx, history)) as store:
        row = store.session(session_id)
        sets = store.sets(session_id)
    if as_json:
        out = row.to_dict()
        out["sets"] = [
            {**{k: v for k, v in s.items() if k != "result"}, "result": json.loads(s["result"])} for s in sets
        ]
        typer.echo(json.dumps(out, indent=2))
        return
    typer.echo(f"session {row.id}: {row.kind} {row.routine or ''}  {row.started_at}  {row.status}".rstrip())
    if row.source:
        typer.echo(f"source: {row.source}")
    for s in sets:
        sides = f" (left {s['reps_left']}, right {s['reps_right']})" if s["reps_left"] is not None else ""
        result = json.loads(s["result"])
        holds = result.get("holds") or []
        held = ", holds " + ", ".join(f"{h['seconds']:.0f}s" for h in holds) if holds else ""
        faults = sorted({f["id"] for f in result.get("faults") or []})
        faulted = f", faults {', '.join(faults)}" if faults else ""
        done = {1: " done", 0: " not done"}.get(s["completed"], "")
        typer.echo(
            f"  {s['number']:3d}. {s['exercise_name']} set {s['set_number']}: {s['reps_total']} reps{sides}, "
            f"{s['reps_good']} good{held}{faulted}{done}"
        )


@history_app.command("export")
def export_command(
    ctx: typer.Context,
    csv_dir: Path = typer.Option(
        ..., "--csv", metavar="DIR", help="Folder for sessions.csv, sets.csv, reps.csv, ..."
    ),
    history: HistoryOption = None,
) -> None:
    """Write the history as CSV tables (sessions, sets, reps, holds, faults, notices)."""
    from formcheck.history import HistoryStore
    from formcheck.history.export import export_csv

    with HistoryStore(_store_path(ctx, history)) as store:
        for path in export_csv(store, csv_dir):
            typer.echo(f"wrote {path}")


@history_app.command("delete")
def delete_command(
    ctx: typer.Context,
    session_id: int = typer.Argument(..., metavar="ID", help="Session id (from `formcheck history`)."),
    history: HistoryOption = None,
) -> None:
    """Delete one session and everything it recorded."""
    from formcheck.errors import InputError
    from formcheck.history import HistoryStore

    with HistoryStore(_store_path(ctx, history)) as store:
        if not store.delete_session(session_id):
            raise InputError(f"no session {session_id} in the history ({store.path})")
    typer.echo(f"deleted session {session_id}")


def _check_date(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise UsageError(f"--since must be a date like 2026-11-01, got {value!r}") from None


def progress_command(
    exercise: str | None = typer.Argument(None, metavar="[EXERCISE]", help="Only this exercise."),
    since: str | None = typer.Option(
        None, "--since", metavar="DATE", help="Only sessions from this date (YYYY-MM-DD)."
    ),
    report: Path | None = typer.Option(
        None, "--report", metavar="FILE.html", help="Write the progress report."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    history: HistoryOption = None,
) -> None:
    """Progress across sessions: adherence, good reps, range of motion per side, hold times.

    Example: formcheck progress wall-squat --since 2026-11-01 --report knee.html
    """
    from formcheck.files import check_writable
    from formcheck.history import HistoryStore
    from formcheck.history.progress import compute, to_dict
    from formcheck.history.progress_report import progress_report

    since = _check_date(since)
    if report is not None:
        check_writable(report)
    with HistoryStore(history) as store:
        progress = compute(store, exercise=exercise, since=since)
    if as_json:
        typer.echo(json.dumps(to_dict(progress), indent=2))
    else:
        typer.echo(f"{progress.sessions} sessions over {len(progress.weeks)} weeks")
        for e in progress.exercises:
            last = e.points[-1]
            rom = ", ".join(f"{s} {v:.0f}{e.unit}" for s, v in sorted(last.rom.items()))
            typer.echo(
                f"  {e.name}: {len(e.points)} sessions; last: {last.reps_done} reps"
                f"{', ' + e.measure + ' ' + rom if rom and e.measure else ''}"
            )
    if report is not None:
        from formcheck.files import replacing

        title = f"Progress: {exercise}" if exercise else "Progress"
        with replacing(check_writable(report), what="report", text=True) as fh:
            fh.write(progress_report(progress, title=title))
        typer.echo(f"report: {report}")
