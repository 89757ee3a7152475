"""Engine speed: frames per second of ``ExerciseEngine.update`` alone, per exercise.

Replays the recorded pose tracks of the sample suite (``samples/expected.yaml``), and the
generated ones of an exercise that has no recorded clip (marked ``*``): person selection runs
once up front, so the timed loop is ``engine.update`` only (a fresh engine per replay, best of
several rounds, since other processes share the CPU). Prints frames/s per exercise and the
minimum. Target: at least 50,000 frames/s for every exercise.

    python benchmarks/engine_speed.py [--rounds 5] [--exercise squat] [--rules-dir DIR] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections import defaultdict
from pathlib import Path

from formcheck.engine import ExerciseEngine
from formcheck.people import PersonSelector
from formcheck.pose import Pose, PoseFrame
from formcheck.rules import Exercise, load_exercise
from formcheck.suite.spec import load_suite
from formcheck.track import PoseTrack

REPO = Path(__file__).resolve().parent.parent
TARGET_FPS = 50_000
Replay = list[tuple[PoseFrame, Pose | None]]


def load_replays(expected: Path, only: str | None) -> tuple[dict[str, list[Replay]], set[str]]:
    """Pre-selected (frame, pose) pairs by exercise: its recorded clips, or its generated ones
    when it has none; and the exercises replayed from generated clips."""
    clips = [c for c in load_suite(expected).clips if not only or c.exercise == only]
    recorded = {c.exercise for c in clips if not c.synthetic}
    by_exercise: dict[str, list[Replay]] = defaultdict(list)
    for clip in clips:
        if clip.synthetic and clip.exercise in recorded:
            continue
        selector = PersonSelector(clip.person)
        by_exercise[clip.exercise].append([(pf, selector.select(pf)) for pf in PoseTrack.load(clip.track)])
    return dict(sorted(by_exercise.items())), set(by_exercise) - recorded


def run_once(exercise: Exercise, replays: list[Replay]) -> float:
    """Seconds spent in ``engine.update`` over all the replays (a fresh engine per replay)."""
    total = 0.0
    for replay in replays:
        engine = ExerciseEngine(exercise)
        update = engine.update
        t0 = time.perf_counter()
        for pf, pose in replay:
            update(pf, pose)
        total += time.perf_counter() - t0
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--expected", type=Path, default=REPO / "samples" / "expected.yaml")
    ap.add_argument("--rules-dir", type=Path, action="append", default=None)
    ap.add_argument("--exercise", default=None)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="cProfile one round instead of timing")
    args = ap.parse_args()
    replays, generated = load_replays(args.expected, args.exercise)
    worst, worst_id = float("inf"), ""
    for ex_id, runs in replays.items():
        exercise = load_exercise(ex_id, args.rules_dir)
        frames = sum(len(r) for r in runs)
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            run_once(exercise, runs)
            prof.disable()
            print(f"== {ex_id}")
            pstats.Stats(prof).sort_stats("tottime").print_stats(15)
            continue
        best = min(run_once(exercise, runs) for _ in range(args.rounds))
        fps = frames / best
        if fps < worst:
            worst, worst_id = fps, ex_id
        label = f"{ex_id}{' *' if ex_id in generated else ''}"
        print(f"{label:24s} {frames:6d} frames  {1e6 * best / frames:6.1f} µs/frame  {fps:8,.0f} fps")
    if not args.profile and replays:
        verdict = "OK" if worst >= TARGET_FPS else "below target"
        print(f"minimum: {worst:,.0f} fps ({worst_id}; target {TARGET_FPS:,}): {verdict}")
        if generated:
            print("* generated clips (the exercise has no recorded clip)")


if __name__ == "__main__":
    main()
