"""`formcheck analyze` over many inputs: folders, globs, a CSV manifest, ``--jobs``, ``--scheduler``.

Only argument handling and formatting; the batch itself is ``formcheck.batch``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formcheck.errors import UsageError

if TYPE_CHECKING:
    from formcheck.analysis import AnalysisSettings, Outputs
    from formcheck.batch import BatchItem, BatchResult, ItemOutcome


# The names each output option gives its files: refused as a batch's folder while none exists.
_FILE_SUFFIXES = {
    "--json": (".json",), "--csv": (".csv",), "--video": (".mp4", ".m4v"),
    "--report": (".html", ".htm", ".pdf"),
}  # fmt: skip


def is_batch(inputs: list[Path], manifest: Path | None, scheduler: str | None) -> bool:
    """Several inputs, a folder, a glob, a manifest or a cluster: a batch (outputs are folders,
    a summary is written, finished inputs are skipped on a rerun)."""
    if manifest is not None or scheduler or len(inputs) != 1:
        return True
    only = inputs[0]
    return only.is_dir() or (not only.exists() and any(c in str(only) for c in "*?["))


def collect_items(
    inputs: list[Path], manifest: Path | None, exercise: str | None, outputs: Outputs
) -> list[BatchItem]:
    from formcheck.batch import BatchItem, dedupe, expand, name_items, read_manifest

    exclude = [Path(p) for p in outputs.paths()]
    items: list[BatchItem] = []
    if inputs and not exercise:
        raise UsageError("--exercise is needed for the inputs named on the command line")
    for spec in inputs:
        items += [BatchItem(p, exercise or "") for p in expand(spec, exclude=exclude)]
    if manifest is not None:
        items += read_manifest(manifest, default_exercise=exercise, exclude=exclude)
    if not items:
        raise UsageError("no inputs: name video files, pose tracks or folders, or give --manifest FILE")
    return name_items(dedupe(items))


def run_batch_command(
    *,
    inputs: list[Path],
    manifest: Path | None,
    exercise: str | None,
    outputs: Outputs,
    settings: AnalysisSettings,
    rules_dir: list[Path],
    jobs: int,
    scheduler: str | None,
    force: bool,
    quiet: bool,
    on_results: Callable[[list[tuple[str, dict[str, Any], bool]]], None] | None = None,
) -> int:
    from formcheck.batch import plan, run_batch, summary_folder
    from formcheck.batch.progress import BatchProgress
    from formcheck.batch.runners import DaskRunner, InlineRunner, PoolRunner

    for option, folder in outputs.named():
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"with several inputs, output options name folders; {folder} is a file")
        if not folder.exists() and folder.suffix.lower() in _FILE_SUFFIXES[option]:
            # A new name in the option's own file format is a file the user meant, not a folder
            # to create: say so rather than make a folder called out.json.
            raise UsageError(
                f"with several inputs, {option} names a folder, and {folder} is a file name: "
                f"name a folder (such as {folder.with_suffix('')}/)"
            )
    items = collect_items(inputs, manifest, exercise, outputs)
    tasks = plan(items, outputs=outputs, settings=settings, rules_dirs=rules_dir)
    for folder in outputs.paths():
        folder.mkdir(parents=True, exist_ok=True)
    summary_dir = summary_folder(outputs)
    runner: Any
    if scheduler:
        runner = DaskRunner(scheduler)
    elif jobs > 1 and len(tasks) > 1:
        runner = PoolRunner(min(jobs, len(tasks)))
    else:
        runner = InlineRunner()
    with runner, BatchProgress(quiet=quiet) as progress:

        def started(to_run: int, skipped: int) -> None:
            progress.start(to_run, skipped)
            if skipped:
                print(
                    f"{skipped} of {len(tasks)} inputs done by an earlier run: skipped (--force redoes them)",
                    file=sys.stderr,
                )

        def finished(outcome: ItemOutcome) -> None:
            progress.advance(outcome)
            if not outcome.skipped:
                _print_outcome(outcome)

        batch = run_batch(
            tasks, items, runner, summary_dir=summary_dir, force=force, on_plan=started, on_outcome=finished
        )
    _print_totals(batch)
    if on_results is not None:  # e.g. stored in the history: the inputs analysed by this run
        done = [
            (str(item.path), o.result, o.status != "ok")
            for item, o in zip(batch.items, batch.outcomes, strict=True)
            if o is not None and o.result is not None and not o.skipped
        ]
        on_results(done)
    return batch.exit_code


def _print_outcome(outcome: ItemOutcome) -> None:
    if outcome.error is not None:
        print(f"formcheck: error: {outcome.error}", file=sys.stderr)
    if outcome.result is not None:
        print(f"{outcome.name}: {_one_line(outcome.result)}")


def _one_line(result: dict[str, Any]) -> str:
    parts = [str(result.get("exercise_name") or result.get("exercise"))]
    reps = result.get("reps") or {}
    if reps.get("total") is not None and (reps.get("total") or not result.get("holds")):
        sides = (
            f" (left {reps.get('left')}, right {reps.get('right')})" if reps.get("left") is not None else ""
        )
        parts.append(f"{reps.get('total')} reps{sides}, {reps.get('good')} good, {reps.get('faulty')} faulty")
    holds = result.get("holds") or []
    if holds:
        parts.append(f"held {sum(float(h.get('seconds') or 0) for h in holds):.1f}s in {len(holds)} holds")
    faults = result.get("faults") or []
    if faults:
        parts.append(f"{len(faults)} faults")
    parts.append(f"pose seen {100 * float(result.get('pose_coverage') or 0):.0f}%")
    if result.get("partial"):
        parts.append("partial")
    return ", ".join(parts)


def _print_totals(batch: BatchResult) -> None:
    counts = batch.counts
    done = counts["ok"]
    line = f"{done} of {counts['inputs']} inputs analysed"
    if counts["skipped"]:
        line += f" ({counts['skipped']} by an earlier run)"
    print(line, file=sys.stderr)
    for item, outcome in zip(batch.items, batch.outcomes, strict=True):
        if outcome is not None and outcome.status != "ok":
            print(f"  failed: {item.path} ({outcome.error})", file=sys.stderr)
    if counts["not_run"]:
        print(
            f"  not run: {counts['not_run']} (interrupted; rerun the same command to finish)", file=sys.stderr
        )
    print(f"summary: {batch.summary_csv}  {batch.index_html}", file=sys.stderr)
