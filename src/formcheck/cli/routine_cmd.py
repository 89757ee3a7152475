"""`formcheck routine ID|FILE` (the programme, guided) and `formcheck routines list|show|validate`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from formcheck.cli.options import (
    DEFAULT_MAX_PEOPLE,
    DEFAULT_MODEL,
    HistoryOption,
    LandmarkersOption,
    MaxPeopleOption,
    ModelOption,
    PersonOption,
    RulesDirOption,
)
from formcheck.errors import Interrupted, RuleError, UsageError

if TYPE_CHECKING:
    from formcheck.routines import PlannedExercise, Routine

routines_app = typer.Typer(
    name="routines",
    help="List, explain and check the routine files (programmes of exercises).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

RoutinesDirOption = Annotated[
    list[Path],
    typer.Option(
        "--routines-dir", metavar="DIR", help="Extra folder of routine files, searched first (repeatable)."
    ),
]


def register(app: typer.Typer) -> None:
    app.command("routine")(routine_command)
    app.add_typer(routines_app, name="routines")


# ---------------------------------------------------------------- formcheck routines ...
@routines_app.command("list")
def list_command(
    routines_dir: RoutinesDirOption = [],  # noqa: B006 - typer copies the default
    rules_dir: RulesDirOption = [],  # noqa: B006
) -> None:
    """List every routine: id, name, number of exercises."""
    from formcheck.routines import list_routines

    rows = [("ID", "EXERCISES", "NAME")]
    rows += [
        (r.id, str(len(r.entries)), r.name) for r in list_routines(routines_dir or None, rules_dir or None)
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    for row in rows:
        typer.echo(f"{row[0].ljust(widths[0])}  {row[1].rjust(widths[1])}  {row[2]}")


@routines_app.command("show")
def show_command(
    routine: str = typer.Argument(..., metavar="ID|FILE", help="Routine id, or the path of a routine file."),
    routines_dir: RoutinesDirOption = [],  # noqa: B006
    rules_dir: RulesDirOption = [],  # noqa: B006
) -> None:
    """The routine in plain words: each exercise with its dose, view and rest."""
    from formcheck.routines import load_routine, plan

    r = load_routine(routine, routines_dir or None, rules_dir or None)
    typer.echo(describe_routine(r, plan(r, rules_dir or None)))


def describe_routine(routine: Routine, planned: list[PlannedExercise]) -> str:
    lines = [f"{routine.name} ({routine.id}): {len(planned)} exercises"]
    if routine.description:
        lines.append(routine.description)
    if routine.note:
        lines.append(f"Before you start: {routine.note}")
    for p in planned:
        rest = f", rest {p.rest_s:g} s" if p.rest_s else ""
        lines.append(f"{p.number:3d}. {p.name} [{p.id}]: {p.dose_text()} ({p.exercise.view} view{rest})")
        if p.note:
            lines.append(f"     {p.note}")
    return "\n".join(lines)


@routines_app.command("validate")
def validate_command(
    files: list[Path] = typer.Argument(
        None, metavar="[FILE...]", help="Routine files (default: every one found)."
    ),
    routines_dir: RoutinesDirOption = [],  # noqa: B006
    rules_dir: RulesDirOption = [],  # noqa: B006
) -> None:
    """Check routine files (and that every exercise they name has a rule); exits non-zero on a problem."""
    from formcheck.routines import routine_paths, validate_file

    if not files:
        files = list(routine_paths(routines_dir or None).values())
        if not files:
            raise RuleError("no routine files found")
    bad = 0
    for path in files:
        try:
            r = validate_file(path, rules_dir or None)
        except RuleError as err:
            bad += 1
            print(f"formcheck: error: {err.message}", file=sys.stderr)
            if err.detail:
                print(err.detail, file=sys.stderr)
            continue
        typer.echo(f"ok  {path}  ({r.id}, {len(r.entries)} exercises)")
    plural = "s" if len(files) > 1 else ""
    if bad:
        raise RuleError(f"{bad} of {len(files)} routine file{plural} failed to validate")
    typer.echo(f"{len(files)} routine file{plural} valid")


# ---------------------------------------------------------------- formcheck routine ID
def routine_command(
    routine: str = typer.Argument(
        ..., metavar="ID|FILE", help="Routine id (formcheck routines list) or file."
    ),
    camera: int = typer.Option(0, "--camera", min=0, help="Camera number."),
    source: Path | None = typer.Option(
        None, "--source", help="Play a video (or a .track.npz pose track) as if it were the camera."
    ),
    every_frame: bool = typer.Option(
        False, "--every-frame", help="With --source: analyse every frame instead of keeping real-time pace."
    ),
    json_path: Path | None = typer.Option(
        None,
        "--json",
        help="Where to save the routine result (default: a dated file in the user data folder).",
    ),
    model: ModelOption = DEFAULT_MODEL,
    mirror: bool | None = typer.Option(
        None, "--mirror/--no-mirror", help="Mirror the preview (default: on for a camera, off for --source)."
    ),
    window: bool = typer.Option(True, "--window/--no-window", help="Show the window, or run headless."),
    voice: bool | None = typer.Option(
        None, "--voice/--no-voice", help="Announce each step and speak counts (default: on with a window)."
    ),
    rest_s: float | None = typer.Option(
        None,
        "--rest",
        min=0,
        max=600,
        help="Seconds of rest between sets and exercises (overrides the routine).",
    ),
    show_fps: bool = typer.Option(False, "--show-fps", help="Show the effective fps and the latency."),
    snapshot_dir: Path | None = typer.Option(
        None,
        "--snapshot-dir",
        help="Save the displayed frame when each state (card, counting, rest, summary) first shows.",
    ),
    history: HistoryOption = None,
    save: bool = typer.Option(True, "--save/--no-save", help="Store the session in the history database."),
    person: PersonOption = "auto",
    max_people: MaxPeopleOption = DEFAULT_MAX_PEOPLE,
    landmarkers: LandmarkersOption = None,
    routines_dir: RoutinesDirOption = [],  # noqa: B006
    rules_dir: RulesDirOption = [],  # noqa: B006
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Do not print the steps and events as they happen."
    ),
) -> int:
    """Do a whole routine: each exercise's start card, counting, sides, sets and rests, then a summary.

    Keys: → (or n) next exercise / end the rest, ← (or p) previous exercise, r repeat the set,
    space pause, q or Esc quit. Each set is stored in the history as it ends; the routine result
    (every set's result and a summary per exercise) is written as JSON at the end.

    Example: formcheck routine runners-knee --source my-session.mp4 --no-window --json run.json
    """
    import dataclasses
    from datetime import datetime

    from formcheck.files import check_writable
    from formcheck.live.session import default_json_path
    from formcheck.routines import load_routine, plan
    from formcheck.routines.runner import RoutineRunner

    if snapshot_dir is not None and not window:
        raise UsageError("--snapshot-dir saves what the window shows: it needs the window")
    if every_frame and source is None:
        raise UsageError("--every-frame needs --source (a camera is always real time)")
    r = load_routine(routine, routines_dir or None, rules_dir or None)
    planned = plan(r, rules_dir or None)
    if rest_s is not None:
        planned = [dataclasses.replace(p, rest_s=rest_s) for p in planned]
    target = check_writable(json_path) if json_path is not None else default_json_path(f"routine-{r.id}")
    recorder = None
    if save:
        from formcheck.history.recorder import HistoryRecorder
        from formcheck.history.store import HistoryStore

        recorder = HistoryRecorder(
            HistoryStore(history),
            "routine",
            routine=r.id,
            source=str(source) if source else f"camera {camera}",
        )
    started_at = datetime.now().astimezone().isoformat(timespec="seconds")
    state: dict[str, Any] = {"target": target}

    def on_set_end(record: Any) -> None:
        if recorder is not None:
            recorder.routine_set(record)
        _write_result(target, r, planned, runner, partial=True, started_at=started_at, source=state["name"])

    runner = RoutineRunner(planned, on_set_end=on_set_end)
    outcome = None
    try:
        outcome, _name = _run(
            runner,
            r,
            source,
            camera,
            model,
            mirror,
            window,
            voice,
            show_fps,
            snapshot_dir,
            person,
            max_people,
            landmarkers,
            every_frame,
            quiet,
            state,
        )
    finally:
        stopped = outcome is None or outcome.interrupted or outcome.error is not None
        partial = stopped or not runner.completed
        if recorder is not None:
            recorder.end(interrupted=stopped, completed=runner.completed)
        if "name" in state:
            _write_result(
                target, r, planned, runner, partial=partial, started_at=started_at, source=state["name"]
            )
    _print_summary(r, planned, runner)
    print(f"saved: {target}")
    if recorder is not None:
        print(f"history: session {recorder.session_id} in {recorder.store.path}")
    if outcome.error is not None:
        raise outcome.error
    if outcome.interrupted:
        raise Interrupted("interrupted: the sets so far were saved (the last one marked partial)")
    return 0


def _run(
    runner: Any,
    r: Routine,
    source: Path | None,
    camera: int,
    model: str,
    mirror: bool | None,
    window: bool,
    voice: bool | None,
    show_fps: bool,
    snapshot_dir: Path | None,
    person: str,
    max_people: int,
    landmarkers: int | None,
    every_frame: bool,
    quiet: bool,
    state: dict[str, Any],
) -> tuple[Any, str]:
    from formcheck.cli.live_cmd import _start_voice
    from formcheck.pipeline import Sink
    from formcheck.routines.feedback import RoutinePrinter, RoutineVoice
    from formcheck.routines.session import RoutineSession
    from formcheck.track import PoseTrack, is_track_path

    printer = RoutinePrinter(runner)
    frames: Any
    if source is not None and is_track_path(source):
        from formcheck.estimation.replay import TrackReplay
        from formcheck.routines.track_source import TrackFrames

        track = PoseTrack.load(source)
        frames = TrackFrames(track, name=source.name, realtime=not every_frame)
        estimator_cm: Any = TrackReplay(track)
    else:
        from formcheck.estimation.landmarkers import make_estimator
        from formcheck.models import resolve_model
        from formcheck.sources import open_source

        # The source first: a wrong --source or camera is told at once, not after a model download.
        frames = open_source(str(source) if source is not None else str(camera), realtime=not every_frame)
        try:
            model_file = resolve_model(model)
        except BaseException:
            frames.close()
            raise
        estimator_cm = make_estimator(
            model_file.path, max_people=max_people, count=landmarkers, live=not every_frame
        )
    state["name"] = frames.name
    mirror = source is None if mirror is None else mirror
    try:
        with estimator_cm as estimator:
            sinks: list[Sink] = []
            routine_window = voice_engine = None
            if window:
                from formcheck.routines.window import RoutineWindow

                routine_window = RoutineWindow(
                    runner,
                    note=r.note,
                    title=f"formcheck — {r.name}",
                    mirror=mirror,
                    show_fps=show_fps,
                    snapshot_dir=snapshot_dir,
                )
                sinks.append(routine_window)
            if voice or (voice is None and window):
                voice_engine = _start_voice(printer.message, asked=bool(voice))
                if voice_engine is not None:
                    sinks.append(RoutineVoice(runner, voice_engine))
            if not quiet:
                sinks.append(printer)
            session = RoutineSession(
                frames,
                estimator,
                runner,
                json_path=state["target"],
                controls=routine_window,
                sinks=sinks,
                person=person,
                source_name=frames.name,
                newest_only=not every_frame,
                stay_when_done=window,
            )
            if routine_window is not None:
                routine_window.set_capture_clock(session.feed.captured_at)
                if not quiet:
                    printer.message("keys: → next · ← back · r repeat set · space pause · q quit")
            try:
                outcome = session.run()  # a signal is deferred to the frame loop (interrupts)
            finally:
                if routine_window is not None:
                    routine_window.destroy()
                if voice_engine is not None:
                    voice_engine.close()
    finally:
        frames.close()
    return outcome, frames.name


def _write_result(
    target: Path,
    r: Routine,
    planned: list[PlannedExercise],
    runner: Any,
    *,
    partial: bool,
    started_at: str,
    source: str,
) -> None:
    from formcheck.pipeline import write_json_atomic
    from formcheck.routines.results import routine_result

    data = routine_result(r, planned, runner.sets, partial=partial, started_at=started_at, source=source)
    write_json_atomic(target, data)


def _print_summary(r: Routine, planned: list[PlannedExercise], runner: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    from formcheck.routines.results import summarise

    table = Table(title=f"{r.name}: done against prescribed", title_justify="left")
    for column in ("#", "exercise", "sets", "reps (L/R)", "good/faulty", "holds", "faults"):
        table.add_column(column)
    for p in planned:
        s = summarise(p, runner.sets)
        reps = holds = "-"
        if s.reps_prescribed is not None:
            reps = f"{s.reps['total']}/{s.reps_prescribed}"
            if p.sides_counted:
                reps += f" ({s.reps['left']}/{s.reps['right']})"
        if s.holds_prescribed is not None or s.hold_seconds:
            prescribed = f"/{s.holds_prescribed}" if s.holds_prescribed is not None else ""
            longest = f", longest {max(s.hold_seconds):.0f}s" if s.hold_seconds else ""
            holds = f"{s.holds_completed}{prescribed}{longest}"
        faults = ", ".join(f"{k}×{v}" for k, v in s.faults.items()) or "-"
        style = "green" if s.sets_done >= p.sets else ("yellow" if s.sets_started else "dim")
        table.add_row(
            str(p.number),
            p.name,
            f"{s.sets_done}/{p.sets}",
            reps,
            f"{s.reps['good']}/{s.reps['faulty']}" if s.reps_prescribed is not None else "-",
            holds,
            faults,
            style=style,
        )
    Console().print(table)
