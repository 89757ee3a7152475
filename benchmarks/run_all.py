"""Run every benchmark in turn and print their figures: ``python benchmarks/run_all.py [--quick]``.

Each benchmark is a separate script (and a separate process, so one's imports and threads do not
affect the next). ``benchmarks/live_latency.py`` (live mode) is run too when it exists.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    "bench_startup.py",
    "bench_engine.py",
    "bench_analyze.py",
    "bench_stride.py",
    "bench_jobs.py",
    "bench_memory.py",
    "bench_cluster.py",
)
# Written by others, with their own options: run as they are, without --quick.
OTHERS = ("live_latency.py",)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short inputs, fewer rounds (~10 min)")
    args = parser.parse_args()
    failed = []
    for name in (*SCRIPTS, *OTHERS):
        script = HERE / name
        if not script.exists():
            print(f"\n== {name}: not present, skipped")
            continue
        t0 = time.perf_counter()
        quick = args.quick and name not in OTHERS
        cmd = [sys.executable, str(script), *(["--quick"] if quick else [])]
        # MediaPipe's native INFO/WARNING lines go to stderr; keep them out of the figures.
        code = subprocess.run(cmd, stderr=subprocess.DEVNULL).returncode
        print(f"   [{name}: {time.perf_counter() - t0:.0f} s, exit {code}]", flush=True)
        if code != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)} (run them alone to see their errors)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
