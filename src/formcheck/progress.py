"""Progress bars for long runs (frames with frames/s and ETA; downloads with bytes), on stderr.

Shown only when stderr is a terminal and not ``quiet``: piped or logged output stays clean.
Both bars are context managers and cost nothing when hidden, so callers always use them.

    with FrameProgress("squat.mp4", total=source.frame_count, quiet=quiet) as progress:
        for frame in source:
            ...
            progress.advance()
"""

from __future__ import annotations

import sys
from typing import Any, Self, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from formcheck.closing import Closing


def should_show(quiet: bool = False, stream: TextIO | None = None) -> bool:
    stream = stream if stream is not None else sys.stderr
    return not quiet and bool(getattr(stream, "isatty", lambda: False)())


class _FramesPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:5.1f} frames/s", style="progress.data.speed")


class _Bar(Closing):
    """A rich progress bar with one task, or nothing at all when hidden."""

    def __init__(
        self, label: str, total: int | None, columns: tuple[Any, ...], *, show: bool, stream: TextIO
    ) -> None:
        self.label = label
        self.completed = 0
        self._total = total
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if show:
            self._progress = Progress(*columns, console=Console(file=stream), transient=False)

    def __enter__(self) -> Self:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=self._total)
        return self

    @property
    def shown(self) -> bool:
        return self._progress is not None

    def start(self, total: int | None) -> None:
        """Set (or correct) the expected total, e.g. once the source has been opened."""
        self._total = total if total and total > 0 else None
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=self._total)

    def advance(self, n: int = 1) -> None:
        self.completed += n
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)

    def update(self, completed: int, total: int | None = None) -> None:
        """Set the absolute amount done (a download's bytes so far)."""
        self.completed = completed
        if total is not None and total != self._total:
            self.start(total)
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=completed)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


class FrameProgress(_Bar):
    """Frames done of the total (when known), frames/s and time left."""

    def __init__(
        self, label: str, *, total: int | None = None, quiet: bool = False, stream: TextIO | None = None
    ) -> None:
        stream = stream if stream is not None else sys.stderr
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _FramesPerSecond(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        )
        super().__init__(label, total, columns, show=should_show(quiet, stream), stream=stream)

    def __enter__(self) -> FrameProgress:
        super().__enter__()
        return self


class ByteProgressBar(_Bar):
    """Bytes downloaded of the total, speed and time left."""

    def __init__(
        self, label: str, total: int | None, *, quiet: bool = False, stream: TextIO | None = None
    ) -> None:
        stream = stream if stream is not None else sys.stderr
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        super().__init__(label, total, columns, show=should_show(quiet, stream), stream=stream)

    def __enter__(self) -> ByteProgressBar:
        super().__enter__()
        return self
