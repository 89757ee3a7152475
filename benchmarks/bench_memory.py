"""Peak resident memory against video length: it must not grow with the input.

``formcheck analyze`` (the CLI, a subprocess; peak RSS from ``os.wait4``'s rusage of that one
child) with every sink on (--json --csv --report --video) on a short input (the first N frames
of the anchor clip) and on that input played ten times in a row (concatenated into /tmp).
Also with no outputs, to separate the model's memory from the sinks'.

    python benchmarks/bench_memory.py [--quick] [--frames N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

import benchlib as bl

TARGET = 1.10  # long / short peak RSS


def peak_rss_mib(video: Path, outputs: bool) -> float:
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp:
        cmd = ["formcheck", "analyze", str(video), "--exercise", bl.ANCHOR_EXERCISE, "-q"]
        if outputs:
            out = Path(tmp)
            cmd += ["--json", str(out / "r.json"), "--csv", str(out / "r.csv")]
            cmd += ["--report", str(out / "r.html"), "--video", str(out / "r.mp4")]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(
                f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}"
            )
    return usage.ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 frames short, 600 long")
    parser.add_argument("--frames", type=int, help="frames of the short input (default 300)")
    args = parser.parse_args()
    frames = args.frames or (60 if args.quick else 300)
    short = bl.first_frames(bl.clip(), frames)
    long = bl.repeated(short, 10)
    n_short, n_long = bl.frame_count(short), bl.frame_count(long)

    bl.header(f"peak RSS vs length: {n_short} and {n_long} frames (CLI subprocess)")
    print(f"   {'outputs':<34} {'short MiB':>9} {'long MiB':>9} {'long/short':>10}  target <= {TARGET}")
    for outputs in (False, True):
        a = peak_rss_mib(short, outputs)
        b = peak_rss_mib(long, outputs)
        label = "--json --csv --report --video" if outputs else "none"
        verdict = bl.verdict(b / a, TARGET, higher_is_better=False)
        print(f"   {label:<34} {a:9.1f} {b:9.1f} {b / a:10.3f}  {verdict}")


if __name__ == "__main__":
    main()
