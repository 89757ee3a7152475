"""Start-up: ``formcheck --help`` (must not import mediapipe), and time to the first processed frame.

- ``formcheck --help`` and ``formcheck analyze --help``: wall time of the subprocess (best
  and median of N), and whether mediapipe/cv2/av got imported (``-X importtime``).
- first frame: ``formcheck analyze CLIP`` as a subprocess, time from launch until the first
  step reaches ``on_step`` (measured in-process in a child via ``analysis.analyze``), i.e.
  imports + model load + first decode + first inference.

    python benchmarks/bench_startup.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import benchlib as bl

HELP_TARGET_S = 0.5

# Runs in a fresh interpreter; prints seconds from interpreter start to the first processed frame.
FIRST_FRAME = """
import sys, time
t0 = time.perf_counter()
from formcheck.analysis import AnalysisSettings, analyze
from formcheck.rules import load_exercise
class First(Exception): pass
def on_step(step):
    raise First
try:
    analyze(sys.argv[1], load_exercise(sys.argv[2]), settings=AnalysisSettings(model=sys.argv[3]),
            on_step=on_step)
except First:
    print(time.perf_counter() - t0)
"""


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def heavy_imports(args: list[str]) -> list[str]:
    cmd = [sys.executable, "-X", "importtime", "-m", "formcheck", *args]
    err = subprocess.run(cmd, capture_output=True, text=True).stderr
    loaded = {line.rsplit("|", 1)[-1].strip() for line in err.splitlines() if "|" in line}
    return sorted(m for m in ("mediapipe", "cv2", "av", "numpy", "rich") if m in loaded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    args = parser.parse_args()
    n = 3 if args.quick else 7

    bl.header(f"start-up (subprocesses, {n} runs each, alternating)")
    commands = {
        "formcheck --help": ["formcheck", "--help"],
        "formcheck analyze --help": ["formcheck", "analyze", "--help"],
        "python -c pass": [sys.executable, "-c", "pass"],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(n):
        for name, cmd in commands.items():
            times[name].append(timed(cmd))
    print(f"   {'command':<28} {'best s':>7} {'median s':>8}  heavy imports")
    for name, ts in times.items():
        heavy = ", ".join(heavy_imports(commands[name][1:])) if name.startswith("formcheck") else ""
        mark = ""
        if name == "formcheck --help":
            verdict = bl.verdict(statistics.median(ts), HELP_TARGET_S, higher_is_better=False)
            mark = f"  target < {HELP_TARGET_S}s: {verdict}"
        print(f"   {name:<28} {min(ts):7.3f} {statistics.median(ts):8.3f}  {heavy or '-'}{mark}")

    clip = bl.first_frames(bl.clip(), 30)
    model = str(bl.model_path())
    firsts = []
    for _ in range(max(2, n // 2)):
        out = subprocess.run(
            [sys.executable, "-c", FIRST_FRAME, str(clip), bl.ANCHOR_EXERCISE, model],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        firsts.append(float(out.strip().splitlines()[-1]))
    print(
        f"   time to first processed frame (imports + model load + 1 frame): "
        f"best {min(firsts):.2f}s, median {statistics.median(firsts):.2f}s"
    )


if __name__ == "__main__":
    main()
