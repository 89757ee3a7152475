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
from formcheck.errors import FormcheckError, UsageError


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
    report_path: Path | None = typer.Option(
        None,
        "--report",
        help="Write a self-contained HTML report (a .pdf name prints it to PDF through Chromium); "
        "its rep table goes beside it as NAME.reps.csv.",
    ),
    patient: str = typer.Option("", "--patient", help="Patient's name or id, printed on the report."),
    clinician: str = typer.Option("", "--clinician", help="Clinician's name, printed on the report."),
    note: str = typer.Option("", "--note", help="A free note printed on the report."),
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
    from formcheck.render.report import ReportDetails
    from formcheck.rules import load_exercise

    several = len(inputs) > 1
    details = ReportDetails(patient, clinician, note)
    if report_path is None and details != ReportDetails():
        raise UsageError("--patient, --clinician and --note go on the report: add --report FILE")
    outputs = Outputs(json_path, csv_path, video_path, report_path, details)
    if several:
        for folder in outputs.paths():
            if folder.exists() and not folder.is_dir():
                raise UsageError(f"with several inputs, output options name folders; {folder} is a file")
            folder.mkdir(parents=True, exist_ok=True)
    load_exercise(exercise, rules_dirs=list(rules_dir) or None)  # an unknown id fails before any work
    settings = AnalysisSettings(model=model, stride=stride, person=person, max_people=max_people)
    tasks = [(p, exercise, tuple(rules_dir), outputs.for_input(p, several), settings) for p in inputs]

    results: list[tuple[Path, dict[str, Any] | None, FormcheckError | None]] = []
    if jobs > 1 and several:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for task, (summary, error) in zip(tasks, pool.map(_analyze_quietly, tasks), strict=True):
                results.append((task[0], summary, error))
                _print_one(task[0], summary, error)
    else:
        for task in tasks:
            summary, error = _analyze_with_progress(task, quiet=quiet or jobs > 1)
            results.append((task[0], summary, error))
            _print_one(task[0], summary, error)
    return _finish(results)


Task = tuple[Path, str, tuple[Path, ...], Any, Any]


def _analyze_with_progress(task: Task, *, quiet: bool) -> tuple[dict[str, Any] | None, FormcheckError | None]:
    from formcheck.analysis import analyze
    from formcheck.errors import Interrupted
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
        error = outcome.error
        if outcome.interrupted:
            error = Interrupted("interrupted: the results so far were saved and marked partial")
        return outcome.result.to_dict(), error
    except FormcheckError as err:
        return None, err


def _analyze_quietly(task: Task) -> tuple[dict[str, Any] | None, FormcheckError | None]:
    return _analyze_with_progress(task, quiet=True)


def _print_one(path: Path, summary: dict[str, Any] | None, error: FormcheckError | None) -> None:
    from formcheck.cli.summary import print_summary

    if error is not None:
        print(f"formcheck: error: {error.message}", file=sys.stderr)
    if summary is not None:
        print_summary(_display_name(path), summary)


def _display_name(path: Path) -> str:
    from formcheck.track import SUFFIX

    return path.name.removesuffix(SUFFIX)


def _finish(results: list[tuple[Path, dict[str, Any] | None, FormcheckError | None]]) -> int:
    failed = [(p, e) for p, _, e in results if e is not None]
    if len(results) > 1:
        print(f"{len(results) - len(failed)} of {len(results)} inputs analysed", file=sys.stderr)
        for p, e in failed:
            print(f"  failed: {p} ({e.message})", file=sys.stderr)
    return failed[0][1].exit_code if failed else 0
