"""The rule engine alone, on recorded pose tracks: frames per second per exercise.

For every rule file found (``rules/``), every sample track of that exercise
(``samples/expected.yaml``) is replayed two ways:

- **engine**: the pose frames and the selected person are built before the clock starts;
  only ``ExerciseEngine.update`` is timed (``engine_speed.run_once``; exercises with no recorded
  clip use their generated tracks);
- **replay**: ``pipeline.replay_track`` (a loaded track through ``PoseTrack.frame``, person
  selection, the engine and ``finish``), i.e. what ``formcheck test`` does per clip.

    python benchmarks/bench_engine.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import time

import benchlib as bl


def main() -> None:
    from engine_speed import TARGET_FPS, load_replays, run_once  # the engine-only timing, shared

    from formcheck.engine import ExerciseEngine
    from formcheck.pipeline import replay_track
    from formcheck.rules import load_exercise
    from formcheck.suite.spec import load_suite
    from formcheck.track import PoseTrack

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat instead of three")
    parser.add_argument("--repeat", type=int, help="best of N timings per track (default 3)")
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)

    bl.header(f"rule engine on replayed tracks (best of {repeat}, alternating engine/replay)")
    expected = bl.REPO / "samples" / "expected.yaml"
    prepared, generated = load_replays(expected, None)  # frames and selected person pre-built
    clips = load_suite(expected).clips
    print(f"\n   {'exercise':<22} {'tracks':>6} {'frames':>7} {'engine fps':>11} {'replay fps':>11}  target")
    worst = float("inf")
    for exercise_id, runs in prepared.items():
        exercise = load_exercise(exercise_id)
        tracks = [
            (PoseTrack.load(c.track), c.person)
            for c in clips
            if c.exercise == exercise_id and c.synthetic == (exercise_id in generated)
        ]
        total = sum(len(r) for r in runs)
        engine_s = replay_s = float("inf")
        for _ in range(repeat):
            engine_s = min(engine_s, run_once(exercise, runs))
            t0 = time.perf_counter()
            for track, person in tracks:
                replay_track(track, ExerciseEngine(exercise), person=person)
            replay_s = min(replay_s, time.perf_counter() - t0)
        engine_fps, replay_fps = total / engine_s, total / replay_s
        worst = min(worst, engine_fps)
        label = f"{exercise_id}{' *' if exercise_id in generated else ''}"
        print(
            f"   {label:<22} {len(tracks):6d} {total:7d} {engine_fps:11,.0f} {replay_fps:11,.0f}"
            f"  >= {TARGET_FPS:,} {bl.verdict(engine_fps, TARGET_FPS)}"
        )
    print(f"   slowest exercise (engine only): {worst:,.0f} frames/s")
    if generated:
        print("   * generated clips (the exercise has no recorded clip)")


if __name__ == "__main__":
    main()
