"""Batches on a Dask cluster: ``formcheck analyze --scheduler`` with 1 vs 2 local workers, the
scheduler's overhead per input, and the costs that grow with a cluster (model start-up per
worker, input hashing on the client, what crosses the network per input).

Real processes: a ``dask scheduler`` and ``dask worker --nthreads 1 --no-nanny`` processes on
127.0.0.1 (``formcheck.batch.subprocess_cluster``). Two clusters stay up side by side (one worker,
two workers; idle workers cost nothing) and the batches alternate between them, A B A B.

    python benchmarks/bench_cluster.py [--quick] [--frames N] [--rounds R] [--tiny N]
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import benchlib as bl

# Four 720p/1080p clips cut to their first N frames: four inputs, so two workers have two each.
CLIPS = (
    "squat--front-20-reps-counter.mp4",
    "lunge--split-squat-dumbbells-side.mp4",
    "squat--front-good.mp4",
    "glute-bridge--home.mp4",
)
TINY_TRACK = bl.REPO / "samples" / "tracks" / "squat--front-knees-cave-in.track.npz"  # 87 frames


def cli_batch(inputs: list[str], scheduler: str, out: Path, frames: int) -> bl.Timing:
    """One whole batch through the CLI (client start-up, hashing, scheduling, model per input)."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "formcheck",
        "analyze",
        *inputs,
        "-e",
        bl.ANCHOR_EXERCISE,
        "--json",
        str(out),
        "-q",
        "--scheduler",
        scheduler,
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-800:]}")
    return bl.Timing(frames, seconds)


def scaling(frames: int, rounds: int) -> None:
    from formcheck.batch.subprocess_cluster import SubprocessCluster

    inputs = [str(bl.first_frames(bl.clip(name), frames)) for name in CLIPS]
    total = sum(bl.frame_count(Path(p)) for p in inputs)
    bl.header(f"cluster: {len(inputs)} clips x {frames} frames, 1 vs 2 workers, {rounds} rounds, alternating")
    out = bl.SCRATCH / "cluster-out"
    with SubprocessCluster(workers=1) as one, SubprocessCluster(workers=2) as two:
        # A first batch on each warms the workers (imports), as a long-running cluster would be.
        cli_batch(inputs[:1], one.address, out, 0)
        cli_batch(inputs[:2], two.address, out, 0)
        results = bl.alternate(
            {
                "1 worker": lambda: cli_batch(inputs, one.address, out, total),
                "2 workers": lambda: cli_batch(inputs, two.address, out, total),
            },
            rounds,
        )
    ratio = bl.paired_ratio(results["2 workers"], results["1 worker"])
    for name, timings in results.items():
        print(f"   {name:<10} {bl.median_fps(timings):7.2f} frames/s over the batch (wall time, CLI)")
    print(f"   2 workers / 1 worker: {ratio:.2f}x on {os.cpu_count()} cores")


def overhead(tiny: int, rounds: int) -> None:
    """Per-input cost of going through the scheduler: many tiny inputs (an 87-frame pose track,
    no model) in this process vs on one Dask worker, same library calls."""
    from formcheck.analysis import AnalysisSettings, Outputs
    from formcheck.batch import BatchItem, name_items, plan, run_batch
    from formcheck.batch.runners import DaskRunner, InlineRunner
    from formcheck.batch.subprocess_cluster import SubprocessCluster

    folder = bl.SCRATCH / "tiny-tracks"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(tiny):
        path = folder / f"t{i:04d}.track.npz"
        if not path.exists():
            shutil.copy(TINY_TRACK, path)
        paths.append(path)
    items = name_items([BatchItem(p, bl.ANCHOR_EXERCISE) for p in paths])
    out = bl.SCRATCH / "tiny-out"
    tasks = plan(items, outputs=Outputs(json=out), settings=AnalysisSettings())
    bl.header(
        f"scheduler overhead: {tiny} tiny inputs (pose tracks, 87 frames), {rounds} rounds, alternating"
    )

    def timed(runner: object) -> float:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        t0 = time.perf_counter()
        batch = run_batch(tasks, items, runner, summary_dir=out, force=True)  # type: ignore[arg-type]
        assert batch.exit_code == 0
        return time.perf_counter() - t0

    with SubprocessCluster(workers=1) as cluster, DaskRunner(cluster.address) as dask:
        timed(dask)  # warm the worker's imports
        inline, remote = [], []
        for r in range(rounds):
            inline.append(timed(InlineRunner()))
            remote.append(timed(dask))
            print(
                f"   round {r + 1}/{rounds}  this process {inline[-1]:.2f} s   "
                f"one Dask worker {remote[-1]:.2f} s"
            )
        task_bytes = len(pickle.dumps(tasks[0]))
        per_input = [(b - a) / tiny * 1000 for a, b in zip(inline, remote, strict=True)]
    print(
        f"   scheduler overhead: {statistics.median(per_input):.1f} ms per input (median of rounds; "
        f"one worker, so no parallel gain hides it)"
    )
    print(f"   task sent per input: {task_bytes} bytes (paths, settings, the loaded rule)")


def costs(frames: int) -> None:
    """What each worker pays before its first frame, and what the client pays per input."""
    from formcheck.batch.resume import file_sha256
    from formcheck.models import resolve_model

    bl.header("costs per worker and per input")
    code = (
        "import time; t0 = time.perf_counter(); "
        "from formcheck.estimation.mediapipe_landmarker import MediaPipeEstimator; "
        "t1 = time.perf_counter(); e = MediaPipeEstimator(%r); t2 = time.perf_counter(); e.close(); "
        "e = MediaPipeEstimator(%r); t3 = time.perf_counter(); "
        "print(t1 - t0, t2 - t1, t3 - t2)"
    )
    model = str(resolve_model("full").path)
    runs = []
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-c", code % (model, model)], capture_output=True, text=True)
        runs.append([float(x) for x in proc.stdout.split()])
    imp, first, again = (statistics.median(r[i] for r in runs) for i in range(3))
    print(
        f"   fresh worker: formcheck's estimator module (cv2, numpy) {imp:.2f} s, then the first "
        f"estimator (imports mediapipe, loads the model) {first:.2f} s; each later input loads the "
        f"model again: {again:.2f} s"
    )
    clip = bl.clip(CLIPS[0])
    size = clip.stat().st_size
    t0 = time.perf_counter()
    file_sha256(clip)
    seconds = time.perf_counter() - t0
    print(
        f"   client sha256 of the inputs: {size / seconds / 1e6:.0f} MB/s ({clip.name}, {size / 1e6:.1f} MB)"
    )
    result = bl.SCRATCH / "cluster-out"
    sizes = [p.stat().st_size for p in result.glob("*.json")]
    if sizes:
        print(
            f"   session result per input (JSON, what a worker sends back): {statistics.median(sizes)} bytes"
        )
    per_frame = bl.frame_count(bl.first_frames(clip, frames))
    print(
        f"   input read per {per_frame}-frame clip of {clip.name}: "
        f"{bl.first_frames(clip, frames).stat().st_size / 1e6:.1f} MB from shared storage"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 frames per clip, 2 rounds, 100 tiny inputs")
    parser.add_argument("--frames", type=int, help="first N frames of each clip (default 200)")
    parser.add_argument("--rounds", type=int, help="alternation rounds (default 3; 2 with --quick)")
    parser.add_argument("--tiny", type=int, help="tiny inputs for the overhead (default 200)")
    args = parser.parse_args()
    frames = args.frames or (60 if args.quick else 200)
    rounds = args.rounds or (2 if args.quick else 3)
    tiny = args.tiny or (100 if args.quick else 200)
    scaling(frames, rounds)
    overhead(tiny, rounds)
    costs(frames)


if __name__ == "__main__":
    main()
