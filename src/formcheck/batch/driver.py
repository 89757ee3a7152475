"""A batch from start to end: plan the tasks, skip what an earlier run already did, run the rest on
a runner, record each outcome as it arrives, write the summary.

    items = inputs.name_items(inputs.dedupe(...))
    tasks = plan(items, outputs=Outputs(json=Path("out")), settings=AnalysisSettings())
    with PoolRunner(2) as runner:
        batch = run_batch(tasks, items, runner, summary_dir=Path("out"))
    batch.exit_code   # 0, or the exit code of the first input (in input order) that failed
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from formcheck.analysis import AnalysisSettings, Outputs
from formcheck.batch.inputs import BatchItem
from formcheck.batch.resume import ResumeStore, task_key
from formcheck.batch.summary import INDEX_HTML, SUMMARY_CSV, row, write_index_html, write_summary_csv
from formcheck.batch.task import FAILED, NOT_RUN, OK, PARTIAL, ItemOutcome, ItemTask
from formcheck.errors import Interrupted, RuleError

_EXTENSIONS = {"json": ".json", "csv": ".csv", "video": ".mp4", "report": ".html"}


class Runner(Protocol):
    description: str

    def threads(self) -> int | None: ...

    def run(self, tasks: Sequence[ItemTask]) -> Iterator[ItemOutcome]: ...


def item_outputs(folders: Outputs, name: str) -> Outputs:
    """Each output option names a folder; the item's files are ``<folder>/<name>.<ext>``."""
    paths = {}
    for kind, ext in _EXTENSIONS.items():
        folder = getattr(folders, kind)
        paths[kind] = None if folder is None else Path(folder).absolute() / f"{name}{ext}"
    return Outputs(**paths, report_details=folders.report_details)  # the clinician and note on each report


def summary_folder(folders: Outputs) -> Path:
    """Beside the per-input files: the report folder (index.html links the reports), else the
    first other output folder, else the current folder."""
    for folder in (folders.report, folders.json, folders.csv, folders.video):
        if folder is not None:
            return Path(folder).absolute()
    return Path.cwd()


def plan(
    items: Sequence[BatchItem],
    *,
    outputs: Outputs,
    settings: AnalysisSettings,
    rules_dirs: Sequence[Path] = (),
) -> list[ItemTask]:
    """One task per named item. Every exercise is loaded here, once: an unknown id or a broken
    rule file stops the batch before any work, naming the manifest line that asked for it."""
    from formcheck.rules import load_exercise

    exercises = {}
    for item in items:
        if item.exercise not in exercises:
            try:
                exercises[item.exercise] = load_exercise(item.exercise, rules_dirs=list(rules_dirs) or None)
            except RuleError as err:
                where = f"{item.origin}: " if item.origin else ""
                raise RuleError(f"{where}{err.message}", detail=err.detail) from None
    tasks = []
    for item in items:
        item_settings = settings if item.person is None else replace(settings, person=item.person)
        tasks.append(
            ItemTask(
                item.name,
                item.path,
                exercises[item.exercise],
                item_outputs(outputs, item.name),
                item_settings,
            )
        )
    return tasks


@dataclass
class BatchResult:
    items: list[BatchItem]
    outcomes: list[ItemOutcome | None]  # in input order; None: not run (interrupted)
    summary_csv: Path
    index_html: Path
    interrupted: bool = False

    @property
    def counts(self) -> dict[str, int]:
        ran = [o for o in self.outcomes if o is not None]
        return {
            "inputs": len(self.items),
            "ok": sum(o.status == OK for o in ran),
            "skipped": sum(o.skipped for o in ran),
            "failed": sum(o.status == FAILED for o in ran),
            "partial": sum(o.status == PARTIAL for o in ran),
            "not_run": sum(o is None for o in self.outcomes),
        }

    @property
    def exit_code(self) -> int:
        """Interrupted: 130; else the code of the first failed input in input order; else 0."""
        if self.interrupted:
            return Interrupted.exit_code
        for outcome in self.outcomes:
            if outcome is not None and outcome.status != OK:
                return outcome.exit_code or 1
        return 0


def run_batch(
    tasks: Sequence[ItemTask],
    items: Sequence[BatchItem],
    runner: Runner,
    *,
    summary_dir: Path,
    force: bool = False,
    on_plan: Callable[[int, int], None] | None = None,
    on_outcome: Callable[[ItemOutcome], None] | None = None,
) -> BatchResult:
    """Run ``tasks`` (one per item, same order). ``on_plan(to_run, skipped)`` is called once the
    earlier results are known; ``on_outcome`` for each input as it completes (skipped ones
    first)."""
    store = ResumeStore(summary_dir)
    keys = {t.name: task_key(t) for t in tasks}
    outcomes: dict[str, ItemOutcome] = {}
    to_run = []
    for task in tasks:
        earlier = None if force else store.done(task, keys[task.name])
        if earlier is None:
            to_run.append(task)
        else:
            outcomes[task.name] = earlier
    if on_plan is not None:
        on_plan(len(to_run), len(tasks) - len(to_run))
    for outcome in list(outcomes.values()):
        if on_outcome is not None:
            on_outcome(outcome)
    interrupted = False
    if to_run:
        threads = runner.threads()
        to_run = [replace(t, threads=threads) for t in to_run]
        stream = runner.run(to_run)
        try:
            for outcome in stream:
                if outcome.status == NOT_RUN:
                    continue
                outcomes[outcome.name] = outcome
                store.save(keys.get(outcome.name), outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
                # Ctrl-C reached the analysis: the runner stops after handing over what it has.
                interrupted = interrupted or outcome.status == PARTIAL
        except KeyboardInterrupt:
            interrupted = True
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # a generator's cleanup: cancel what is still queued on a cluster
    ordered = [outcomes.get(t.name) for t in tasks]
    rows = [row(item, outcome) for item, outcome in zip(items, ordered, strict=True)]
    summary_dir.mkdir(parents=True, exist_ok=True)
    result = BatchResult(
        list(items), ordered, summary_dir / SUMMARY_CSV, summary_dir / INDEX_HTML, interrupted
    )
    write_summary_csv(result.summary_csv, rows)
    write_index_html(result.index_html, rows)
    return result
