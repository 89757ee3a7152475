"""Where a batch's tasks run: in this process, in a local process pool, or on a Dask cluster.

Every runner calls the same ``task.analyze_item`` and yields outcomes as they complete; only the
transport differs. The Dask runner needs the ``cluster`` extra (``dask[distributed]``) and a
running scheduler; its workers need formcheck installed (same version) and must see the inputs
and output folders at the same paths as this machine (shared storage).

A Dask worker that dies mid-task has its task re-run on another worker by the scheduler (up to
``distributed.scheduler.allowed-failures`` deaths). Outputs are renamed into place only when
complete and the client takes one outcome per task, so a re-run neither loses nor duplicates
anything.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from formcheck import interrupts
from formcheck.batch.task import FAILED, PARTIAL, ItemOutcome, ItemTask, analyze_item, stop_when
from formcheck.closing import Closing
from formcheck.errors import ClusterError

SCHEDULER_ENV = "FORMCHECK_SCHEDULER"
# How often a wait on the pool looks for a Ctrl-C: ``formcheck analyze`` only records the signal
# (``formcheck.interrupts``), so a wait that never returned would never see it.
POLL_S = 0.2


def threads_per_worker(workers_per_host: int, cores: int | None = None) -> int:
    """Native threads each worker may use so that the workers of one machine fill its cores
    without oversubscribing them."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers_per_host))


class InlineRunner(Closing):
    """One input after another in this process (``--jobs 1``): Ctrl-C stops at the current input,
    whose partial result is still saved."""

    description = "this process"

    def threads(self) -> int | None:
        return None  # alone on the machine: let the libraries use every core

    def run(self, tasks: Sequence[ItemTask]) -> Iterator[ItemOutcome]:
        for task in tasks:
            outcome = analyze_item(task)
            yield outcome
            if outcome.status == PARTIAL:  # Ctrl-C reached the analysis: the batch stops here
                return

    def close(self) -> None:
        pass


class PoolRunner(Closing):
    """``--jobs N`` worker processes on this machine.

    Ctrl-C is this process's to handle: the workers ignore it, and are asked through an event to
    stop the inputs they are on, whose partial results are saved and reported like any other.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.description = f"{jobs} local worker processes"
        # "spawn", not fork: a forked child inherits locks held by this process's other threads
        # (the progress bar's, a Dask client's, MediaPipe's) and can hang on them for ever.
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=stop_when, initargs=(self._stop,)
        )

    def threads(self) -> int | None:
        return threads_per_worker(self.jobs)

    def run(self, tasks: Sequence[ItemTask]) -> Iterator[ItemOutcome]:
        pending: dict[Future[ItemOutcome], ItemTask] = {self._pool.submit(analyze_item, t): t for t in tasks}
        try:
            while pending:
                done, _ = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                for future in done:
                    yield _pool_outcome(future, pending.pop(future))
                interrupts.check()  # a Ctrl-C recorded while this process waited on the pool
        except KeyboardInterrupt:
            self._stop.set()
            running = [(f, t) for f, t in pending.items() if not f.cancel()]
            for future, task in running:  # they stop at their next frame and save what they have
                yield _pool_outcome(future, task)

    def close(self) -> None:
        self._stop.set()  # nothing more is wanted from the inputs still running
        self._pool.shutdown(wait=True, cancel_futures=True)


def _pool_outcome(future: Future[ItemOutcome], task: ItemTask) -> ItemOutcome:
    try:
        return future.result()
    except Exception as err:  # the worker process died (killed, out of memory)
        message = f"{task.path.name}: worker process failed: {err or type(err).__name__}"
        return ItemOutcome(task.name, FAILED, error=message, exit_code=1)


class DaskRunner(Closing):
    """The workers of a running Dask cluster (``--scheduler tcp://HOST:PORT``)."""

    def __init__(
        self, address: str, *, connect_timeout_s: float = 10, no_workers_grace_s: float = 60
    ) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ClusterError(
                "--scheduler needs Dask: pip install 'formcheck[cluster]' (dask[distributed])"
            ) from None
        self.address = address
        self.no_workers_grace_s = no_workers_grace_s
        try:
            self._client: Any = Client(address, timeout=connect_timeout_s, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as err:
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {_why(err)}") from None
        try:
            self._client.wait_for_workers(1, timeout=no_workers_grace_s)
        except (TimeoutError, OSError) as err:
            self.close()
            raise ClusterError(
                f"the Dask scheduler at {address} has no workers (waited {no_workers_grace_s:.0f}s): "
                f"start some with `dask worker {address} --nthreads 1`"
            ) from err
        self.description = f"Dask scheduler {address}"

    def workers(self) -> dict[str, Any]:
        return dict(self._client.scheduler_info(n_workers=-1).get("workers", {}))

    def threads(self) -> int | None:
        """Each machine's cores shared among the worker processes on it (the tightest machine
        sets the cap for all)."""
        workers = self.workers()
        try:
            cores = self._client.run(os.cpu_count)
        except Exception:  # a worker left meanwhile: keep the libraries' defaults
            return None
        per_host: dict[str, list[int]] = {}
        for address, info in workers.items():
            per_host.setdefault(str(info.get("host")), []).append(int(cores.get(address) or 1))
        if not per_host:
            return None
        return min(threads_per_worker(len(c), max(c)) for c in per_host.values())

    def run(self, tasks: Sequence[ItemTask]) -> Iterator[ItemOutcome]:
        from distributed import wait as dask_wait
        from distributed.client import FutureCancelledError

        pending = {
            self._client.submit(
                analyze_item, task, key=f"formcheck-{task.name}-{os.urandom(4).hex()}", pure=False
            ): task
            for task in tasks
        }
        alone_since: float | None = None
        try:
            while pending:
                try:
                    with self._client.as_current():  # ``wait`` finds the client it waits on there
                        done, _ = dask_wait(list(pending), timeout=2, return_when="FIRST_COMPLETED")
                except TimeoutError:  # nothing finished in those 2 s
                    done = set()
                for future in done:
                    task = pending.pop(future)
                    try:
                        yield future.result()
                    except (FutureCancelledError, Exception) as err:
                        yield _dask_failure(task, err)
                interrupts.check()  # a Ctrl-C recorded while this process waited on the cluster
                if not done:
                    # A cluster that lost every worker would wait for ever: give up after a grace.
                    if self.workers():
                        alone_since = None
                    elif alone_since is None:
                        alone_since = time.monotonic()
                    elif time.monotonic() - alone_since > self.no_workers_grace_s:
                        for task in pending.values():
                            yield ItemOutcome(
                                task.name,
                                FAILED,
                                exit_code=ClusterError.exit_code,
                                error=f"not run: the Dask cluster at {self.address} has no workers left",
                            )
                        pending.clear()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        client, self._client = getattr(self, "_client", None), None
        if client is not None:
            client.close()


def _dask_failure(task: ItemTask, err: BaseException) -> ItemOutcome:
    name = type(err).__name__
    if name == "KilledWorker":
        message = f"the worker running it died each time it was tried ({err})"
    elif isinstance(err, ModuleNotFoundError):
        message = f"a worker cannot import {err.name}: install formcheck on every worker"
    else:
        message = f"the cluster failed to run it: {name}: {err}"
    return ItemOutcome(task.name, FAILED, error=message, exit_code=ClusterError.exit_code)


def _why(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__
