"""One batch input analysed where it runs: this process, a local worker process or a Dask worker.

``analyze_item`` is the one function every runner calls, and it calls the same
``formcheck.analysis.analyze`` as a single ``formcheck analyze``: there is no second code path
for the analysis. It never raises for a bad input: the failure comes back as data, so a bad input
fails alone and a cluster does not retry it on another worker as if the worker had died.

The task carries the loaded ``Exercise`` (not its id), so every worker applies exactly the rule the
client hashed for the resume key, whatever rule files the worker's own installation has.
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formcheck import __version__

if TYPE_CHECKING:
    from formcheck.analysis import AnalysisSettings, Outputs
    from formcheck.rules import Exercise

OK, PARTIAL, FAILED = "ok", "partial", "failed"
NOT_RUN = "not run"  # the batch was stopped before this input started

# One analysis (one MediaPipe graph) at a time per process, however many threads the worker
# runs tasks on: several graphs in one process oversubscribe the cores and MediaPipe is known to
# misbehave with many threads per process.
_ONE_AT_A_TIME = threading.Lock()
_threads_capped: int | None = None
# Set by a local pool's parent process on Ctrl-C (``stop_when``): the running analysis stops at its
# next frame with a partial result, as Ctrl-C itself would stop it.
_stop: Any = None


@dataclass(frozen=True)
class ItemTask:
    name: str
    path: Path
    exercise: Exercise
    outputs: Outputs
    settings: AnalysisSettings
    threads: int | None = None  # cap on the native libraries' threads (None: leave them)
    version: str = __version__  # the client's formcheck version


@dataclass
class ItemOutcome:
    """What became of one input; plain data, so it crosses processes and machines cheaply."""

    name: str
    status: str  # ok | partial | failed
    result: dict[str, Any] | None = None  # the session result (also partial ones)
    error: str | None = None  # the one-line message
    exit_code: int = 0
    frames: int = 0
    seconds: float = 0.0  # wall time of the analysis on the worker
    worker: str = ""  # host:pid that ran it
    version: str = __version__
    skipped: bool = False  # an earlier run's result, reused (set by the runner)
    outputs: dict[str, str] = field(default_factory=dict)  # kind -> path written


def stop_when(event: Any) -> None:
    """A local pool worker's initializer: ignore Ctrl-C and SIGTERM (they reach the whole process
    group; the parent decides) and stop the analysis when ``event`` is set."""
    global _stop
    _stop = event
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def cap_threads(n: int) -> None:
    """Limit OpenCV's and the math libraries' thread pools in this process to ``n``. The
    environment variables only reach libraries loaded after this call, hence once per process
    and before the first analysis."""
    global _threads_capped
    if _threads_capped == n:
        return
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ[var] = str(n)
    import cv2

    cv2.setNumThreads(n)
    _threads_capped = n


def analyze_item(task: ItemTask) -> ItemOutcome:
    """Analyse one input into its output files; the outcome says how it went."""
    from formcheck.analysis import analyze
    from formcheck.errors import FormcheckError, Interrupted

    worker = f"{socket.gethostname()}:{os.getpid()}"
    if task.version != __version__:
        return ItemOutcome(
            task.name,
            FAILED,
            error=f"the worker {worker} runs formcheck {__version__}, this client "
            f"{task.version}: install the same version on every worker",
            exit_code=1,
            worker=worker,
        )
    if _stop is not None and _stop.is_set():  # queued in a local pool before Ctrl-C
        return ItemOutcome(task.name, NOT_RUN, error="interrupted before this input ran", worker=worker)
    with _ONE_AT_A_TIME:
        _remove_leftovers(task.outputs)
        if task.threads is not None:
            cap_threads(task.threads)
        started = time.perf_counter()
        frames = 0

        def count(_step: object) -> None:
            nonlocal frames
            frames += 1
            if _stop is not None and _stop.is_set():
                raise KeyboardInterrupt  # the pipeline saves the partial result, as for Ctrl-C

        # The landmarkers stay at the file default however the cores are shared out: the poses,
        # and so the counts, must be those `analyze` gives the same input alone
        # (alternating.FILE_COUNT).
        try:
            analysis = analyze(
                task.path, task.exercise, outputs=task.outputs, settings=task.settings, on_step=count
            )
        except FormcheckError as err:
            return _outcome(task, FAILED, worker, started, frames, error=err.message, exit_code=err.exit_code)
        except Exception as err:  # a bug must not take the rest of the batch with it
            message = f"internal error: {type(err).__name__}: {err}"
            return _outcome(task, FAILED, worker, started, frames, error=message, exit_code=1)
        outcome = analysis.outcome
        result = outcome.result.to_dict()
        if outcome.interrupted:
            message = "interrupted: the results so far were saved and marked partial"
            return _outcome(task, PARTIAL, worker, started, frames, result, message, Interrupted.exit_code)
        if outcome.error is not None:
            error = outcome.error
            return _outcome(task, FAILED, worker, started, frames, result, error.message, error.exit_code)
        return _outcome(task, OK, worker, started, frames, result)


def _remove_leftovers(outputs: Outputs) -> None:
    """Delete the hidden temporary files a killed earlier attempt left beside this task's outputs
    (``formcheck.files`` writes ``.<name>.<random>.tmp`` and renames it when complete): the task
    runs again here, so whatever they held is being redone."""
    for path in outputs.paths():
        folder = Path(path).parent
        for stale in folder.glob(f".{glob.escape(Path(path).name)}.*"):
            with contextlib.suppress(OSError):
                stale.unlink()


def _outcome(
    task: ItemTask,
    status: str,
    worker: str,
    started: float,
    frames: int,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    exit_code: int = 0,
) -> ItemOutcome:
    written = {}
    if status != FAILED or result is not None:
        for kind in ("json", "csv", "video", "report"):
            path = getattr(task.outputs, kind)
            if path is not None and Path(path).is_file():
                written[kind] = str(path)
    return ItemOutcome(
        task.name,
        status,
        result,
        error,
        exit_code,
        frames,
        time.perf_counter() - started,
        worker,
        outputs=written,
    )
