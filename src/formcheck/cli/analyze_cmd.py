"""`formcheck analyze`: recorded videos (or pose tracks) in, summary table and files out."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from formcheck.cli.options import (
    DEFAULT_MAX_PEOPLE,
    DEFAULT_MODEL,
    HistoryOption,
    LandmarkersOption,
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
        None,
        metavar="INPUT...",
        help="Video files, pose tracks (.track.npz) from `formcheck record`, folders, or quoted globs.",
        show_default=False,
    ),
    exercise: str | None = typer.Option(
        None,
        "--exercise",
        "-e",
        help="Exercise id (see `formcheck rules list`), or auto to recognise it from the movement.",
        show_default=False,
    ),
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
    landmarkers: LandmarkersOption = None,
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Analyse this many inputs at once."),
    manifest: Path | None = typer.Option(
        None, "--manifest", metavar="FILE", help="CSV of inputs: columns input, exercise[, person]."
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        metavar="tcp://HOST:PORT",
        envvar="FORMCHECK_SCHEDULER",
        help="Run the inputs on the workers of this Dask scheduler (needs formcheck[cluster]).",
    ),
    force: bool = typer.Option(False, "--force", help="Analyse again inputs an earlier batch already did."),
    rules_dir: RulesDirOption = [],  # noqa: B006 - typer copies the default
    quiet: QuietOption = False,
    save: bool = typer.Option(False, "--save", help="Also store each result in the history database."),
    history: HistoryOption = None,
) -> int:
    """Analyse recorded videos: count reps, time holds, find form faults.

    With several inputs (or folders, globs, a --manifest), each output option names a folder that
    receives <name>.json, .csv, .mp4 and .html per input, plus summary.csv and index.html for the
    batch; a rerun skips inputs already analysed (--force redoes them).

    Example: formcheck analyze squat.mp4 --exercise squat --report squat.html
    """
    from formcheck.analysis import AnalysisSettings, Outputs
    from formcheck.cli.analyze_batch import is_batch, run_batch_command
    from formcheck.files import is_stdout
    from formcheck.history.store import default_path
    from formcheck.recognition.choose import AUTO
    from formcheck.render.report import ReportDetails
    from formcheck.rules import load_exercise

    inputs = list(inputs or [])
    details = ReportDetails(patient, clinician, note)
    if report_path is None and details != ReportDetails():
        raise UsageError("--patient, --clinician and --note go on the report: add --report FILE")
    outputs = Outputs(json_path, csv_path, video_path, report_path, details)
    settings = AnalysisSettings(
        model=model, stride=stride, person=person, max_people=max_people, landmarkers=landmarkers
    )
    if is_batch(inputs, manifest, scheduler):
        if exercise == AUTO:
            raise UsageError("--exercise auto recognises one input at a time; name the exercise for a batch")
        if any(is_stdout(p) for p in outputs.paths()):
            raise UsageError("with several inputs, output options name folders; - is not a folder")
        return run_batch_command(
            inputs=inputs, manifest=manifest, exercise=exercise, outputs=outputs, settings=settings,
            rules_dir=list(rules_dir), jobs=jobs, scheduler=scheduler, force=force, quiet=quiet,
            on_results=(lambda results: save_results(results, history)) if save else None,
        )  # fmt: skip
    if exercise is None:
        raise UsageError("missing option --exercise (see `formcheck rules list`)")
    if exercise != AUTO:
        load_exercise(exercise, rules_dirs=list(rules_dir) or None)  # an unknown id fails before any work
    # A single input's report shows the trend against the earlier sessions in the history; a
    # batch's reports do not (its inputs are stored only once all are done, and may be anyone's).
    trend_from = (history or default_path()) if report_path is not None else None
    task = (inputs[0], exercise, tuple(rules_dir), replace(outputs, history=trend_from), settings)
    # The result itself goes to standard output (`--json -`): the summary goes to stderr.
    summary_to_stderr = any(is_stdout(p) for p in outputs.paths())
    done = _analyze_with_progress(task, quiet=quiet)
    _print_one(inputs[0], done, summary_to_stderr)
    summary, error, _written = done
    if save and summary is not None:
        save_results([(str(inputs[0]), summary, error is not None)], history)
    return error.exit_code if error is not None else 0


def save_results(results: list[tuple[str, dict[str, Any], bool]], history: Path | None) -> None:
    """One history session per input analysed, (source, result, partial): a partial result is
    stored too, marked interrupted."""
    from formcheck.history.recorder import HistoryRecorder
    from formcheck.history.store import HistoryStore

    with HistoryStore(history) as store:
        for source, summary, partial in results:
            recorder = HistoryRecorder(store, "analyze", source=source)
            # Several exercises in a row: one session, a set per counted segment.
            for done in (
                [s for s in summary["segments"] if s.get("format")] if "segments" in summary else [summary]
            ):
                recorder.add(done)
            recorder.end(interrupted=partial)
            print(f"history: session {recorder.session_id} in {store.path}", file=sys.stderr)


Task = tuple[Path, str, tuple[Path, ...], Any, Any]
# What one input came to: its result (None when it failed before running), the error or
# interruption that ended it, and the outputs actually written.
Done = tuple[dict[str, Any] | None, FormcheckError | None, list[Path]]


def _analyze_with_progress(task: Task, *, quiet: bool) -> Done:
    from formcheck import interrupts
    from formcheck.analysis import analyze
    from formcheck.progress import FrameProgress
    from formcheck.recognition.choose import AUTO, choose_exercise
    from formcheck.rules import load_exercise

    path, exercise_id, rules_dir, outputs, settings = task
    try:
        recognition = None
        if exercise_id == AUTO:
            from formcheck.segmented import OneExercise, analyze_auto
            from formcheck.track import is_track_path

            # Several exercises in a row: one result per segment; one exercise: analysed as one,
            # from the same poses. A video's poses are estimated in full first: this bar.
            with FrameProgress(f"{path.name} (poses)", quiet=quiet or is_track_path(path)) as poses:
                auto = analyze_auto(
                    path, outputs=outputs, settings=settings, rules_dirs=list(rules_dir) or None,
                    on_start=poses.start, on_frame=poses.advance,
                )  # fmt: skip
            if not isinstance(auto, OneExercise):
                error = segmented_error(auto)
                if isinstance(error, Interrupted):
                    interrupts.mark_reported()
                return auto.to_dict(), error, auto.written
            found = auto
        else:
            found = None
            rule = load_exercise(exercise_id, rules_dirs=list(rules_dir) or None)
        # With --video, `found` holds the estimator of the video's first seconds, carrying on.
        with found or nullcontext():
            if found is not None:
                rules = list(rules_dir) or None
                rule, recognition = choose_exercise(path, settings, rules, track=found.track)
            with FrameProgress(path.name, quiet=quiet) as progress:
                analysis = analyze(
                    path,
                    rule,
                    outputs=outputs,
                    settings=settings,
                    on_start=progress.start,
                    on_step=lambda _step: progress.advance(),
                    recognition=recognition,
                    track=found.track if found is not None else None,
                    estimator=found.estimator if found is not None else None,
                )
        outcome = analysis.outcome
        summary = outcome.result.to_dict()
        if recognition is not None:
            summary["recognition"] = recognition.to_dict()
        error = outcome.error
        if outcome.interrupted:
            error = Interrupted(interrupted_message(summary, analysis.written, outputs.paths()))
            interrupts.mark_reported()
        return summary, error, analysis.written
    except FormcheckError as err:
        return None, err, []


def segmented_error(segmented: Any) -> FormcheckError | None:
    """The interruption that ended an input of several exercises (its estimation or a segment's
    run: the later ones were not run), or the error that ended a segment's run."""
    from formcheck.files import describe

    if segmented.interrupted:
        where = ", ".join(describe(p) for p in segmented.written)
        saved = f"the partial results were written to {where}" if where else "no output was asked for"
        found = f"{len(segmented.runs)} segment{'' if len(segmented.runs) == 1 else 's'}"
        return Interrupted(f"interrupted ({segmented.duration_s:.1f} s of video analysed, {found}): {saved}")
    for r in segmented.runs:
        if r.outcome is not None and r.outcome.error is not None:
            return r.outcome.error
    return segmented.truncation  # a cut video whose last segment was not recognised


def interrupted_message(summary: dict[str, Any], written: list[Path], asked: Sequence[Path | str]) -> str:
    """Exactly what an interrupted analysis saved (``written`` may hold files an output brings
    along, such as a report's rep table, beside the ``asked`` outputs)."""
    from formcheck.files import describe

    seconds = float(summary.get("duration_s") or 0)
    frames = int(summary.get("frames") or 0)
    got = f"{seconds:.1f} s of video analysed" if frames else "no frame analysed yet"
    if written:
        where = ", ".join(describe(p) for p in written)
        unwritten = [p for p in asked if p not in written]
        missing = f" ({len(unwritten)} other output not written)" if unwritten else ""
        return f"interrupted ({got}): the partial results were written to {where}{missing}"
    if asked:
        return f"interrupted ({got}): no output could be written"
    return f"interrupted ({got}): no output was asked for (--json, --csv, --video, --report)"


def _print_one(path: Path, done: Done, summary_to_stderr: bool) -> None:
    from rich.console import Console

    from formcheck.cli.summary import print_summary

    summary, error, written = done
    if summary is not None and "segments" in summary:
        from formcheck.cli.summary import print_segments

        print_segments(
            _display_name(path), summary, Console(stderr=True) if summary_to_stderr else None, written=written
        )
    elif summary is not None:
        console = Console(stderr=True) if summary_to_stderr else None
        print_summary(_display_name(path), summary, console, written=written)
    if error is not None:
        print(f"formcheck: error: {error.message}", file=sys.stderr)


def _display_name(path: Path) -> str:
    from formcheck.track import SUFFIX

    return path.name.removesuffix(SUFFIX)
