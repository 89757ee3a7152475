"""The progress bar across a batch: inputs done of the total, frames/s over the whole batch, time
left and failures so far, on stderr (shown only on a terminal, as ``formcheck.progress``).

Inputs skipped because an earlier run did them count as done from the start and are left out of
the speed, so the time left reflects the work that remains.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from formcheck.batch.task import FAILED, PARTIAL, ItemOutcome
from formcheck.closing import Closing
from formcheck.progress import should_show


class BatchProgress(Closing):
    def __init__(
        self, *, quiet: bool = False, stream: TextIO | None = None, force_show: bool = False
    ) -> None:
        stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.failed = 0
        self.frames = 0
        self.skipped = 0
        self._started = time.monotonic()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if force_show or should_show(quiet, stream):
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("inputs  {task.fields[speed]}  {task.fields[failures]}"),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=stream, force_terminal=force_show or None),
                transient=False,
            )

    def __enter__(self) -> BatchProgress:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task("batch", total=None, speed="", failures="")
        return self

    def start(self, to_run: int, skipped: int) -> None:
        """The batch's size once the earlier results are known."""
        self.skipped = skipped
        self._started = time.monotonic()
        if self._progress is not None and self._task is not None:
            label = f"batch ({skipped} done earlier)" if skipped else "batch"
            self._progress.reset(
                self._task,
                total=to_run + skipped,
                completed=skipped,
                description=label,
                speed="",
                failures="",
            )
        self.done = skipped

    @property
    def frames_per_s(self) -> float:
        elapsed = time.monotonic() - self._started
        return self.frames / elapsed if elapsed > 0 else 0.0

    def advance(self, outcome: ItemOutcome) -> None:
        if outcome.skipped:
            return  # counted in start()
        self.done += 1
        self.frames += outcome.frames
        self.failed += outcome.status in (FAILED, PARTIAL)
        if self._progress is not None and self._task is not None:
            failures = f"{self.failed} failed" if self.failed else ""
            self._progress.update(
                self._task, advance=1, speed=f"{self.frames_per_s:6.1f} frames/s", failures=failures
            )

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
