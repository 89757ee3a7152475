"""`formcheck test`: the sample suite; one row per clip, a summary line, non-zero on failure."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from formcheck.cli.options import DEFAULT_MODEL, ModelOption, RulesDirOption
from formcheck.errors import SuiteFailure, UsageError

if TYPE_CHECKING:
    from formcheck.suite import ClipRow


def register(app: typer.Typer) -> None:
    app.command("test")(test_command)


def test_command(
    samples: Path = typer.Argument(
        Path("samples"), help="The samples folder (holding expected.yaml) or an expectations file."
    ),
    clips: Path | None = typer.Option(
        None, "--clips", help="Folder of the sample videos: pose-estimate them again (model needed)."
    ),
    tracks: Path | None = typer.Option(
        None,
        "--tracks",
        metavar="DIR",
        help="Replay the tracks of the same names in DIR instead: the same clips recorded with other "
        "settings (formcheck record --max-people 1, another --model).",
    ),
    json_path: Path | None = typer.Option(None, "--json", help="Write the whole table as JSON."),
    exercise: str | None = typer.Option(
        None,
        "--exercise",
        "-e",
        help="Only this exercise's clips; auto: every clip, its exercise recognised from its track first "
        "(a clip recognised as another exercise fails).",
    ),
    clip: str | None = typer.Option(None, "--clip", help="Only clips whose name matches this pattern."),
    model: ModelOption = DEFAULT_MODEL,
    rules_dir: RulesDirOption = [],  # noqa: B006 - typer copies the default
    variant: str | None = typer.Option(
        None,
        "--variant",
        help="Replay every track transformed: mirror, half-rate, tilt-left, tilt-right, look-down, "
        "look-up, turn-left, turn-right, jitter, slow, fast, late-start, early-end, gap, cut, far, flicker, "
        "leg-flicker, no-feet, bystander, webcam.",
    ),
    hide_untouched: bool = typer.Option(
        False,
        "--hide-untouched",
        help="Print no row of the untouched part of the split (samples/README.md), nor name its "
        "clips among the failures: the clips not to look at while tuning rules. Its figures are "
        "still printed, and --json still holds every row.",
    ),
) -> None:
    """Replay every sample clip's pose track through its exercise's rules and compare with the labels.

    With --variant the tracks are transformed first (the expectations with them, e.g. sides
    swapped for mirror): does a rule still hold for a person facing the other way, a camera
    that is not level, a slower mover?

    With --tracks the same clips are replayed as recorded with other settings: how much do the
    counts depend on the estimator's settings rather than on the movement?

    Example: formcheck test samples/ --exercise squat --variant mirror
    """
    from formcheck.files import check_writable
    from formcheck.pipeline import write_json_atomic
    from formcheck.suite import run_suite
    from formcheck.suite.variants import VARIANTS

    chosen = None
    if variant is not None:
        if variant not in VARIANTS:
            raise UsageError(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
        chosen = VARIANTS[variant]
    if clips is not None and not clips.is_dir():
        raise UsageError(f"--clips must be a folder of videos: {clips}")
    if tracks is not None and not tracks.is_dir():
        raise UsageError(f"--tracks must be a folder of pose tracks: {tracks}")
    if json_path is not None:
        check_writable(json_path)

    def print_row(row: ClipRow) -> None:
        if hide_untouched and row.part == "untouched":
            return
        if not printed:
            if chosen is not None:
                typer.echo(f"variant {chosen.name}: {chosen.description}")
            typer.echo(format_header())
            printed.append(True)
        typer.echo(format_row(row))

    printed: list[bool] = []
    recognise = exercise == "auto"
    if exercise is not None and not recognise:
        from formcheck.rules import load_exercise

        load_exercise(exercise, list(rules_dir) or None)  # a typo: "unknown exercise (did you mean ...?)"
    report = run_suite(
        samples,
        exercise=None if recognise else exercise,
        recognise=recognise,
        clip_glob=clip,
        clips_dir=clips,
        tracks_dir=tracks,
        model=model,
        rules_dirs=list(rules_dir) or None,
        variant=chosen,
        on_row=print_row,
    )
    if not report.rows:
        raise UsageError("no sample clip matches the filters")
    if json_path is not None:
        write_json_atomic(json_path, report.to_dict())
    if report.skipped:
        missing = sorted({r.spec.exercise for r in report.skipped})
        typer.echo(f"skipped {len(report.skipped)} clip(s): no rule for {', '.join(missing)}")
    if report.real is not None:
        typer.echo(report.real.line())
    for part, metrics in report.parts.items():
        typer.echo(f"{part}: {metrics.line()}")
    if report.synthetic is not None:
        typer.echo("synthetic: " + report.synthetic.line())
    if report.failures:
        named = [r for r in report.failures if not (hide_untouched and r.part == "untouched")]
        names = ", ".join(r.spec.key for r in named[:5])
        unnamed = len(report.failures) - min(len(named), 5)
        more = "" if not unnamed else f"{' and ' if names else ''}{unnamed} more"
        count = f"{len(report.failures)} of {len(report.rows)}"
        raise SuiteFailure(f"{count} clips outside tolerance: {names}{more}")


_COLUMNS = "{:<46} {:<20} {:<22} {:<20} {:<34} {}"


def format_header() -> str:
    return _COLUMNS.format(
        "clip", "exercise", "reps exp->got (L/R)", "held s exp->got", "faults exp->got", "status"
    )


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def format_row(row: ClipRow) -> str:
    j = row.judgement
    name = row.spec.key if len(row.spec.key) <= 46 else row.spec.key[:45] + "~"
    status = row.status if not row.message else f"{row.status} ({row.message})"
    if j is None:
        return _COLUMNS.format(name, row.spec.exercise, "", "", "", status)
    reps = ""
    if j.reps_expected is not None:
        total, left, right = j.reps_expected
        reps = f"{total}->{_count(j.reps_got[0])}"
        if left is not None or right is not None:
            reps += f" ({_count(left)}/{_count(right)}->{_count(j.reps_got[1])}/{_count(j.reps_got[2])})"
    held = ""
    if j.hold_error_s is not None:
        held = f"{sum(j.hold_expected.values()):.1f}->{sum(j.hold_got.values()):.1f}"
    faults = ""
    if j.faults_expected or j.faults_got:
        exp = ",".join(dict.fromkeys(j.faults_expected)) or "-"
        faults = f"{exp}->{','.join(j.faults_got) or '-'}"
    return _COLUMNS.format(name, row.spec.exercise, reps, held, faults, status)
