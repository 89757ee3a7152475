"""What ``--stride`` costs and saves: rep-count accuracy on the sample suite, and analyze speed.

- **accuracy**: every sample track replayed with stride 1, 2, 3 (``pipeline.replay_track``,
  which drops the same frames ``analyze --stride`` drops) and judged by ``formcheck test``'s
  rules: rep clips counted exactly (``exact``), within one (``obo``), mean relative rep error
  (``mae``), hold clips within tolerance, clips passing.
- **speed**: ``analysis.analyze`` (in-process, no outputs) on the anchor clip with each
  stride, alternating; "source fps" is video frames covered per second of wall time.

    python benchmarks/bench_stride.py [--quick] [--frames N] [--rounds R]
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchlib as bl
from bench_analyze import formcheck_analyze

STRIDES = (1, 2, 3)


def accuracy(stride: int) -> tuple[Any, float, int]:
    from formcheck.engine import ExerciseEngine
    from formcheck.pipeline import replay_track
    from formcheck.suite import run_suite
    from formcheck.track import PoseTrack

    def runner(spec: Any, exercise: Any) -> dict[str, Any]:
        track = PoseTrack.load(spec.track)
        return replay_track(track, ExerciseEngine(exercise), person=spec.person, stride=stride).to_dict()

    t0 = time.perf_counter()
    report = run_suite(bl.REPO / "samples" / "expected.yaml", runner=runner)
    return report, time.perf_counter() - t0, len(report.failures)


def source_fps(path: Path, stride: int, source_frames: int) -> bl.Timing:
    """analyze with --stride: the timing in source frames (what the user waits for)."""
    import formcheck.analysis as analysis

    settings = analysis.AnalysisSettings(model=str(bl.model_path()), stride=stride)
    t = formcheck_analyze(path, None, settings=settings)
    return bl.Timing(source_frames, t.seconds, t.cpu_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="first 150 frames, 2 rounds")
    parser.add_argument("--frames", type=int, help="speed: first N frames of the clip (default 600)")
    parser.add_argument("--rounds", type=int, help="speed: alternation rounds (default 2)")
    args = parser.parse_args()
    frames = args.frames or (150 if args.quick else 600)
    rounds = args.rounds or 2

    bl.header("--stride: rep-count accuracy on the sample suite (replayed tracks)")
    print(
        f"   {'stride':>6} {'clips':>5} {'rep clips':>9} {'exact':>5} {'obo':>5} {'mae':>6} "
        f"{'hold ok':>7} {'failed':>6} {'seconds':>7}"
    )
    for stride in STRIDES:
        report, seconds, failed = accuracy(stride)
        m = report.real
        print(
            f"   {stride:6d} {m.clips:5d} {m.rep_clips:9d} {m.exact:5d} {m.obo:5d} {m.mae:6.3f} "
            f"{m.hold_ok:3d}/{m.hold_clips:<3d} {failed:6d} {seconds:7.2f}"
        )

    path = bl.first_frames(bl.clip(), frames)
    bl.header(f"--stride: analyze speed on {path.name}, {rounds} rounds, alternating")
    variants: dict[str, Callable[[], bl.Timing]] = {
        f"analyze --stride {s}": functools.partial(source_fps, path, s, frames) for s in STRIDES
    }
    results = bl.alternate(variants, rounds)
    base = results["analyze --stride 1"]
    print(f"\n   {'variant':<22} {'source fps':>10} {'speed-up':>8}")
    for name, timings in results.items():
        print(f"   {name:<22} {bl.median_fps(timings):10.2f} {bl.paired_ratio(timings, base):8.2f}")


if __name__ == "__main__":
    main()
