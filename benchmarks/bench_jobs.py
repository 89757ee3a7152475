"""Several videos at once: ``formcheck analyze a.mp4 b.mp4 --jobs N`` (the CLI, as a subprocess).

Two 720p clips (the first N frames of each), analysed by one worker and by two, alternating.
Wall time includes everything a user waits for (start-up, model load per worker); throughput
is total frames over wall time. CPU time of the children shows how many cores were busy.

The scaling target compares two worker processes with one worker running one landmarker
(``--landmarkers 1``): a single input at the defaults already runs two landmarkers side by side
on a 2-core machine (issue 16), shown as its own line.

    python benchmarks/bench_jobs.py [--quick] [--frames N] [--rounds R]
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import tempfile
import time
from collections.abc import Callable

import benchlib as bl

CLIPS = ("squat--front-20-reps-counter.mp4", "lunge--split-squat-dumbbells-side.mp4")  # both 1280x720
TARGET = 1.6


def cli_run(paths: list[str], jobs: int, frames: int, *extra: str) -> bl.Timing:
    cmd = ["formcheck", "analyze", *paths, "--exercise", bl.ANCHOR_EXERCISE, "--jobs", str(jobs), "-q"]
    cmd += extra
    cmd += ["--force"]  # a batch skips the inputs an earlier run did: every round must do them
    t0 = time.perf_counter()
    # In a folder of its own: a batch writes its summary and resume state in the current folder.
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-jobs-") as cwd:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        why = proc.stderr.read().decode()[-500:] if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {why}")
    return bl.Timing(frames, seconds, usage.ru_utime + usage.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="first 150 frames of each clip, 2 rounds")
    parser.add_argument("--frames", type=int, help="first N frames of each clip (default 600)")
    parser.add_argument("--rounds", type=int, help="alternation rounds (default 2)")
    args = parser.parse_args()
    frames = args.frames or (150 if args.quick else 600)
    rounds = args.rounds or 2
    paths = [str(bl.first_frames(bl.clip(name), frames)) for name in CLIPS]
    total = sum(bl.frame_count(bl.Path(p)) for p in paths)

    bl.header(f"--jobs: 2 clips x {frames} frames, CLI subprocess, {rounds} rounds, alternating")
    variants: dict[str, Callable[[], bl.Timing]] = {
        "analyze --jobs 1 --landmarkers 1": functools.partial(cli_run, paths, 1, total, "--landmarkers", "1"),
        "analyze --jobs 2": functools.partial(cli_run, paths, 2, total),
        "analyze --jobs 1 (defaults)": functools.partial(cli_run, paths, 1, total),
    }
    results = bl.alternate(variants, rounds)
    one, two = results["analyze --jobs 1 --landmarkers 1"], results["analyze --jobs 2"]
    print(f"\n   {'variant':<34} {'fps':>7} {'cores':>6}")
    for name, timings in results.items():
        cores = sum(t.cores_used for t in timings) / len(timings)
        print(f"   {name:<34} {bl.median_fps(timings):7.2f} {cores:6.2f}")
    ratio = bl.paired_ratio(two, one)
    print(f"   2 workers / 1 worker: {ratio:.2f}x  (target >= {TARGET}x: {bl.verdict(ratio, TARGET)})")


if __name__ == "__main__":
    main()
