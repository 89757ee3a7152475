"""`formcheck analyze`: recorded videos (or pose tracks) in, summary table and files out."""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import typer

from formcheck.cli.options import (
    DEFAULT_MAX_PEOPLE,
    DEFAULT_MODEL,
    MaxPeopleOption,
    ModelOption,
    PersonOption,
    QuietOption,
    RulesDirOption,
)
from formcheck.errors import FormcheckError, Interrupted, UsageError


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze_command)


def analyze_command(
    inputs: list[Path] = typer.Argument(
        ..., metavar="INPUT...", help="Video files, or pose tracks (.track.npz) from `formcheck record`."
    ),
    exercise: str = typer.Option(..., "--exercise", "-e", help="Exercise id (see `formcheck rules list`)."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the session result as JSON."),
    csv_path: Path | None = typer.Option(None, "--csv", help="Write one row per frame as CSV."),
    video_path: Path | None = typer.Option(
        None, "--video", help="Write the annotated video (H.264 MP4, plays in a browser)."
    ),
    report_path: Path | None = typer.Option(None, "--report", help="Write a self-contained HTML report."),
    model: ModelOption = DEFAULT_MODEL,
    stride: int = typer.Option(1, "--stride", min=1, help="Analyse every Nth frame (faster, coarser)."),
    person: PersonOption = "auto",
    max_people: MaxPeopleOption = DEFAULT_MAX_PEOPLE,
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Analyse this many inputs at once."),
    rules_dir: RulesDirOption = [],  # noqa: B006 - typer copies the default
    quiet: QuietOption = False,
) -> int:
    """Analyse recorded videos: count reps, time holds, find form faults.

    With several inputs, each output option names a folder that receives <name>.json, .csv,
    .mp4 and .html per input.

    Example: formcheck analyze squat.mp4 --exercise squat --report squat.html
    """
    from formcheck.analysis import AnalysisSettings, Outputs
    from formcheck.files import is_stdout
    from formcheck.rules import load_exercise

    several = len(inputs) > 1
    outputs = Outputs(json_path, csv_path, video_path, report_path)
    if several:
        for folder in outputs.paths():
            if is_stdout(folder):
                raise UsageError("with several inputs, output options name folders; - is not a folder")
            if folder.exists() and not folder.is_dir():
                raise UsageError(f"with several inputs, output options name folders; {folder} is a file")
            folder.mkdir(parents=True, exist_ok=True)
    load_exercise(exercise, rules_dirs=list(rules_dir) or None)  # an unknown id fails before any work
    settings = AnalysisSettings(model=model, stride=stride, person=person, max_people=max_people)
    tasks = [(p, exercise, tuple(rules_dir), outputs.for_input(p, several), settings) for p in inputs]
    # The result itself goes to standard output (`--json -`): the summary goes to stderr.
    summary_to_stderr = any(is_stdout(p) for p in outputs.paths())

    results: list[tuple[Path, Done]] = []
    if jobs > 1 and several:
        results = _analyze_in_parallel(tasks, jobs, summary_to_stderr)
    else:
        for task in tasks:
            done = _analyze_with_progress(task, quiet=quiet or jobs > 1)
            results.append((task[0], done))
            _print_one(task[0], done, summary_to_stderr)
            if isinstance(done[1], Interrupted):
                break  # Ctrl-C stops the whole command, not just this input
    return _finish(results, len(tasks))


Task = tuple[Path, str, tuple[Path, ...], Any, Any]
# What one input came to: its result (None when it failed before running), the error or
# interruption that ended it, and the outputs actually written.
Done = tuple[dict[str, Any] | None, FormcheckError | None, list[Path]]


def _analyze_in_parallel(tasks: list[Task], jobs: int, summary_to_stderr: bool) -> list[tuple[Path, Done]]:
    from formcheck import interrupts

    results: list[tuple[Path, Done]] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_analyze_quietly, task) for task in tasks]
        for task, future in zip(tasks, futures, strict=True):
            if interrupts.requested():
                # Ctrl-C reached the workers too (one process group): the running inputs end
                # with partial results; the ones not started yet are not started.
                for later in futures:
                    later.cancel()
            if future.cancelled():
                continue
            done = future.result()
            if isinstance(done[1], Interrupted):
                interrupts.mark_reported()  # said by _print_one, from the worker's message
            results.append((task[0], done))
            _print_one(task[0], done, summary_to_stderr)
    return results


def _analyze_with_progress(task: Task, *, quiet: bool) -> Done:
    from formcheck import interrupts
    from formcheck.analysis import analyze
    from formcheck.progress import FrameProgress
    from formcheck.rules import load_exercise

    path, exercise_id, rules_dir, outputs, settings = task
    try:
        rule = load_exercise(exercise_id, rules_dirs=list(rules_dir) or None)
        with FrameProgress(path.name, quiet=quiet) as progress:
            analysis = analyze(
                path,
                rule,
                outputs=outputs,
                settings=settings,
                on_start=progress.start,
                on_step=lambda _step: progress.advance(),
            )
        outcome = analysis.outcome
        summary = outcome.result.to_dict()
        error = outcome.error
        if outcome.interrupted:
            error = Interrupted(interrupted_message(summary, analysis.written, len(outputs.paths())))
            interrupts.mark_reported()
        return summary, error, analysis.written
    except FormcheckError as err:
        return None, err, []


def interrupted_message(summary: dict[str, Any], written: list[Path], asked: int) -> str:
    """Exactly what an interrupted analysis saved."""
    from formcheck.files import describe

    seconds = float(summary.get("duration_s") or 0)
    frames = int(summary.get("frames") or 0)
    got = f"{seconds:.1f} s of video analysed" if frames else "no frame analysed yet"
    if written:
        where = ", ".join(describe(p) for p in written)
        missing = "" if len(written) == asked else f" ({asked - len(written)} other output not written)"
        return f"interrupted ({got}): the partial results were written to {where}{missing}"
    if asked:
        return f"interrupted ({got}): no output could be written"
    return f"interrupted ({got}): no output was asked for (--json, --csv, --video, --report)"


def _analyze_quietly(task: Task) -> Done:
    return _analyze_with_progress(task, quiet=True)


def _print_one(path: Path, done: Done, summary_to_stderr: bool) -> None:
    from rich.console import Console

    from formcheck.cli.summary import print_summary

    summary, error, written = done
    if summary is not None:
        console = Console(stderr=True) if summary_to_stderr else None
        print_summary(_display_name(path), summary, console, written=written)
    if error is not None:
        print(f"formcheck: error: {error.message}", file=sys.stderr)


def _display_name(path: Path) -> str:
    from formcheck.track import SUFFIX

    return path.name.removesuffix(SUFFIX)


def _finish(results: list[tuple[Path, Done]], asked: int) -> int:
    failed = [(p, done[1]) for p, done in results if done[1] is not None]
    if asked > 1:
        print(f"{len(results) - len(failed)} of {asked} inputs analysed", file=sys.stderr)
        for p, e in failed:
            print(f"  failed: {p} ({e.message})", file=sys.stderr)
    return failed[0][1].exit_code if failed else 0
