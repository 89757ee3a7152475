"""`formcheck analyze --scheduler` on a real Dask cluster: a `dask scheduler` and two `dask worker`
processes on 127.0.0.1 (``formcheck.batch.SubprocessCluster``), a batch of pose tracks and short
clips. Every file matches the local run byte for byte; a worker killed mid-task costs nothing
(each input once, same files); a rerun skips everything; a corrupted input fails alone.

Bounded: every subprocess call has a timeout, and the cluster's processes are stopped when the
module ends, whatever happened.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.errors import InputError

pytest.importorskip("distributed")

from formcheck.batch.subprocess_cluster import SubprocessCluster

pytestmark = [pytest.mark.model, pytest.mark.slow]

TRACKS = Path(__file__).resolve().parents[1] / "samples" / "tracks"
TRACK_NAMES = ("squat--front-knees-cave-in", "squat--studio-angled-side", "lunge--forward-home")
CLIPS = ("squat--front-good.mp4", "glute-bridge--home.mp4")
CLIP_FRAMES = 45  # ~2-5 s of model time each on a busy 2-core machine: long enough to be killed in
RUN_TIMEOUT_S = 240


@pytest.fixture(scope="module")
def batch_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with three pose tracks and the first frames of two shared clips (in clips/, so
    their names differ from the tracks')."""
    from shared_data import SHARED_SAMPLES, cut_first_frames

    if not os.environ.get("FORMCHECK_MODEL_DIR"):
        pytest.skip("needs FORMCHECK_MODEL_DIR with the pose model")
    folder = tmp_path_factory.mktemp("batch-in")
    for name in TRACK_NAMES:
        shutil.copy(TRACKS / f"{name}.track.npz", folder)
    (folder / "clips").mkdir()
    for clip in CLIPS:
        source = SHARED_SAMPLES / "clips" / clip
        if not source.is_file():
            pytest.skip(f"needs the shared sample clip {clip}")
        cut_first_frames(source, folder / "clips" / clip, CLIP_FRAMES)
    return folder


@pytest.fixture(scope="module")
def local_run(batch_inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the same batch in this process, one input after another."""
    out = tmp_path_factory.mktemp("local-out")
    assert (
        main(["analyze", str(batch_inputs), "-e", "squat", "--json", str(out), "--csv", str(out), "-q"]) == 0
    )
    return out


@pytest.fixture(scope="module")
def cluster() -> Iterator[SubprocessCluster]:
    with SubprocessCluster(workers=2, start_timeout_s=90) as c:
        yield c


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "formcheck", "analyze", *args]


def _summary(folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((folder / "summary.csv").open(encoding="utf-8")))


def _same_files(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir() if p.suffix in (".json", ".csv") and p.name != "summary.csv")
    assert len(names) == 2 * (len(TRACK_NAMES) + len(CLIPS))
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs from the local run"


def test_the_cluster_writes_the_same_files_as_the_local_run(
    batch_inputs: Path, local_run: Path, cluster: SubprocessCluster, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        _cli(
            str(batch_inputs),
            "-e",
            "squat",
            "--json",
            str(out),
            "--csv",
            str(out),
            "-q",
            "--scheduler",
            cluster.address,
        ),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    _same_files(out, local_run)
    rows = _summary(out)
    assert [r["status"] for r in rows] == ["ok"] * len(rows)
    pids = {r["worker"] for r in rows}
    assert len(pids) == 2, f"both workers should have had inputs: {pids}"
    assert not any(r["worker"].endswith(f":{os.getpid()}") for r in rows)  # not run by this process


def test_a_worker_killed_mid_task_loses_and_duplicates_nothing(
    batch_inputs: Path, local_run: Path, cluster: SubprocessCluster, tmp_path: Path
) -> None:
    from distributed import Client

    out = tmp_path / "out"
    batch = subprocess.Popen(
        _cli(
            str(batch_inputs / "clips"),
            str(batch_inputs),
            "-e",
            "squat",
            "--json",
            str(out),
            "--csv",
            str(out),
            "-q",
            "--scheduler",
            cluster.address,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    names = cluster.worker_names()
    victim = None
    try:
        with Client(cluster.address, timeout=10, set_as_default=False) as client:
            deadline = time.monotonic() + RUN_TIMEOUT_S
            # Wait until a worker is executing a clip (not merely holding it), a second into it.
            while victim is None and time.monotonic() < deadline and batch.poll() is None:
                executing = client.run(lambda dask_worker: [str(k) for k in dask_worker.state.executing])
                for address, keys in executing.items():
                    clip_keys = [k for k in keys if "formcheck-" in k and any(c[:-4] in k for c in CLIPS)]
                    if clip_keys:
                        time.sleep(1.0)
                        still = client.run(
                            lambda dask_worker: [str(k) for k in dask_worker.state.executing],
                            workers=[address],
                        )
                        if clip_keys[0] in still.get(address, []):
                            victim = (address, clip_keys[0])
                        break
                time.sleep(0.2)
            assert victim is not None, "no worker was seen running a clip"
            index = int(names[victim[0]].removeprefix("w"))
            cluster.kill_worker(index)
        stdout, stderr = batch.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait(timeout=10)
    assert batch.returncode == 0, stderr[-2000:]
    rows = _summary(out)
    assert sorted(r["name"] for r in rows) == sorted([*TRACK_NAMES, *(c[:-4] for c in CLIPS)])  # each once
    assert all(r["status"] == "ok" for r in rows)
    assert sum(line.startswith(tuple(f"{r['name']}:" for r in rows)) for line in stdout.splitlines()) == len(
        rows
    )
    killed_name = next(c[:-4] for c in CLIPS if c[:-4] in victim[1])
    survivor_pid = str(cluster.workers[1 - index].pid)
    redone = next(r for r in rows if r["name"] == killed_name)
    assert redone["worker"].endswith(f":{survivor_pid}"), "the killed worker's input ran again elsewhere"
    _same_files(out, local_run)
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != ".formcheck-batch"]
    assert leftovers == [], "a half-written file was left behind"


def test_a_rerun_skips_everything_and_a_corrupted_input_fails_alone(
    batch_inputs: Path, cluster: SubprocessCluster, tmp_path: Path
) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(batch_inputs, inputs, ignore=shutil.ignore_patterns(CLIPS[0]))  # one clip is enough
    out = tmp_path / "out"
    command = _cli(str(inputs), "-e", "squat", "--json", str(out), "-q", "--scheduler", cluster.address)
    assert subprocess.run(command, capture_output=True, timeout=RUN_TIMEOUT_S).returncode == 0
    written = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert rerun.returncode == 0
    assert f"{len(written)} of {len(written)} inputs done by an earlier run: skipped" in rerun.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")} == written
    assert all(r["skipped"] == "yes" for r in _summary(out))

    broken = inputs / "clips" / CLIPS[1]
    broken.write_bytes(broken.read_bytes()[:4096])  # cut off: no decodable frame left
    failed = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert failed.returncode in (InputError.exit_code, 4), failed.stderr[-2000:]
    assert "Traceback" not in failed.stderr
    rows = {r["name"]: r for r in _summary(out)}
    bad = rows.pop(CLIPS[1][:-4])
    assert bad["status"] == "failed" and bad["error"] and bad["skipped"] == ""
    assert all(r["status"] == "ok" and r["skipped"] == "yes" for r in rows.values())
