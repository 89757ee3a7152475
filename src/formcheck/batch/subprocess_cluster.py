"""A real Dask cluster on this machine: ``dask scheduler`` and ``dask worker`` processes on
127.0.0.1, for the tests, the benchmarks and for trying ``--scheduler`` out.

    with SubprocessCluster(workers=2) as cluster:
        main(["analyze", "videos/", "-e", "squat", "--json", "out/", "--scheduler", cluster.address])
        cluster.kill_worker(0)                      # SIGKILL: a machine that died mid-task

Each worker is its own process (``--no-nanny``: nothing restarts a killed worker, so its task
must move to another one) running one task at a time (``--nthreads 1``). Workers give up when
the scheduler has gone (``--death-timeout``), so nothing outlives a crashed caller for long;
``close`` stops every process it started, on any exit from the ``with`` block.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from formcheck.closing import Closing
from formcheck.errors import ClusterError


def _dask_command() -> list[str]:
    beside = Path(sys.executable).with_name("dask")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("dask")
    return [found] if found else [sys.executable, "-m", "dask"]


class SubprocessCluster(Closing):
    def __init__(
        self, workers: int = 2, *, start_timeout_s: float = 60, env: dict[str, str] | None = None
    ) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="formcheck-dask-"))
        self._env = {**os.environ, **(env or {})}
        self._procs: list[subprocess.Popen[bytes]] = []
        self._logs: list[IO[bytes]] = []
        self.workers: list[subprocess.Popen[bytes]] = []
        self.address = ""
        try:
            self._start(workers, start_timeout_s)
        except BaseException:
            self.close()
            raise

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self._folder / f"{name}.log").open("wb")
        self._logs.append(log)
        proc = subprocess.Popen(
            [*_dask_command(), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self._env,
            start_new_session=True,  # a Ctrl-C in the caller's terminal is the caller's to handle
        )
        self._procs.append(proc)
        return proc

    def _start(self, workers: int, timeout_s: float) -> None:
        scheduler_file = self._folder / "scheduler.json"
        self._spawn(
            "scheduler",
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
            ],
        )
        deadline = time.monotonic() + timeout_s
        while not scheduler_file.is_file() or not scheduler_file.stat().st_size:
            self._check_alive(deadline, "the scheduler")
        self.address = str(json.loads(scheduler_file.read_text())["address"])
        for i in range(workers):
            self.add_worker(f"w{i}")
        self.wait_for_workers(workers, deadline)

    def add_worker(self, name: str) -> subprocess.Popen[bytes]:
        proc = self._spawn(
            name,
            [
                "worker",
                self.address,
                "--name",
                name,
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--death-timeout",
                "30",
            ],
        )
        self.workers.append(proc)
        return proc

    def _check_alive(self, deadline: float, what: str) -> None:
        for proc in self._procs:
            if proc.poll() is not None:
                raise ClusterError(f"{what} exited ({proc.returncode}); see the logs in {self._folder}")
        if time.monotonic() > deadline:
            raise ClusterError(f"{what} did not start in time; see the logs in {self._folder}")
        time.sleep(0.1)

    def wait_for_workers(self, n: int, deadline: float) -> None:
        from distributed import Client

        with Client(self.address, timeout=10, set_as_default=False) as client:
            while len(client.scheduler_info(n_workers=-1)["workers"]) < n:
                self._check_alive(deadline, f"{n} workers")

    def worker_names(self) -> dict[str, str]:
        """Scheduler address of each worker -> its name (w0, w1, ...)."""
        from distributed import Client

        with Client(self.address, timeout=10, set_as_default=False) as client:
            info: dict[str, Any] = client.scheduler_info(n_workers=-1)["workers"]
        return {address: str(w.get("name")) for address, w in info.items()}

    def kill_worker(self, index: int) -> None:
        """SIGKILL: no goodbye to the scheduler, as when a machine dies."""
        proc = self.workers[index]
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def log(self, name: str) -> str:
        path = self._folder / f"{name}.log"
        return path.read_text(errors="replace") if path.is_file() else ""

    def close(self) -> None:
        # Workers first (they would otherwise wait --death-timeout for the scheduler), then it.
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self._procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self._procs.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()
        shutil.rmtree(self._folder, ignore_errors=True)
