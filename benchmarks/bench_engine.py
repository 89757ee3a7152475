"""The rule engine alone, on recorded pose tracks: frames per second per exercise.

For every rule file found (``rules/``), every sample track of that exercise
(``samples/expected.yaml``) is replayed two ways:

- **engine**: the pose frames and the selected person are built before the clock starts;
  only ``ExerciseEngine.update`` (and ``finish``) is timed;
- **replay**: ``pipeline.replay_track`` (a loaded track through ``PoseTrack.frame``, person
  selection, the engine and ``finish``), i.e. what ``formcheck test`` does per clip.

    python benchmarks/bench_engine.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import time

import benchlib as bl

TARGET_FPS = 50_000


def main() -> None:
    from formcheck.engine import ExerciseEngine
    from formcheck.people import PersonSelector
    from formcheck.pipeline import replay_track
    from formcheck.rules import load_exercise, rule_paths
    from formcheck.suite.spec import load_suite
    from formcheck.track import PoseTrack

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat instead of three")
    parser.add_argument("--repeat", type=int, help="best of N timings per track (default 3)")
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)

    bl.header(f"rule engine on replayed tracks (best of {repeat}, alternating engine/replay)")
    spec = load_suite(bl.REPO / "samples" / "expected.yaml")
    rules = rule_paths()
    print(f"   rule files: {', '.join(sorted(rules))}")
    print(f"\n   {'exercise':<20} {'tracks':>6} {'frames':>7} {'engine fps':>11} {'replay fps':>11}  target")
    worst = float("inf")
    for exercise_id in sorted(rules):
        exercise = load_exercise(exercise_id)
        entries = [c for c in spec.clips if c.exercise == exercise_id and c.track.exists()]
        if not entries:
            print(f"   {exercise_id:<20} no sample tracks")
            continue
        tracks = [(PoseTrack.load(c.track), c.person) for c in entries]
        # Pre-built inputs: the engine's clock sees only engine work.
        prepared = []
        for track, person in tracks:
            selector = PersonSelector(person)
            frames = [track.frame(i) for i in range(len(track))]
            prepared.append([(f, selector.select(f)) for f in frames])
        total = sum(len(p) for p in prepared)
        engine_s = replay_s = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            for pairs in prepared:
                engine = ExerciseEngine(exercise)
                for pose_frame, pose in pairs:
                    engine.update(pose_frame, pose)
                engine.finish()
            engine_s = min(engine_s, time.perf_counter() - t0)
            t0 = time.perf_counter()
            for track, person in tracks:
                replay_track(track, ExerciseEngine(exercise), person=person)
            replay_s = min(replay_s, time.perf_counter() - t0)
        engine_fps, replay_fps = total / engine_s, total / replay_s
        worst = min(worst, engine_fps)
        print(
            f"   {exercise_id:<20} {len(tracks):6d} {total:7d} {engine_fps:11,.0f} {replay_fps:11,.0f}"
            f"  >= {TARGET_FPS:,} {bl.verdict(engine_fps, TARGET_FPS)}"
        )
    print(f"   slowest exercise (engine only): {worst:,.0f} frames/s")


if __name__ == "__main__":
    main()
