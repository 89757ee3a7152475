"""formcheck analyze against the bare model loop, side by side, as ratios.

The anchor ("bare loop", issue 16) is what a user would otherwise run with this model: decode the
clip with PyAV (thread_type AUTO, straight to RGB) and call PoseLandmarker.detect_for_video (VIDEO
mode, the same model file, one person, confidences 0.5), nothing else. formcheck's
``analysis.analyze`` (the library function the CLI calls, in-process) runs the same clip at its
defaults (two people, two landmarkers side by side on a 2-core machine) with no outputs, with
--video and with --report; with --max-people 1; and with one landmarker (how it ran before issue
16). The bare loop at num_poses=2 is shown for reference. Variants alternate round by round; the
ratio is the median over rounds of the paired fps ratios.

Start-up (model load) is excluded on both sides: the anchor's clock starts after the
landmarker is created, analyze's at its ``on_start`` callback (estimator built, source open)
and stops when analyze returns (sinks finished: video flushed, report written).

    python benchmarks/bench_analyze.py [--quick] [--frames N] [--rounds R]
"""

from __future__ import annotations

import argparse
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import benchlib as bl
from benchlib import Timing

if TYPE_CHECKING:
    from formcheck.analysis import AnalysisSettings

TARGETS = {"analyze": 0.90, "analyze --video": 0.80}


def bare_loop(path: Path, model: Path, num_poses: int) -> Timing:
    import av
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=num_poses,
        min_pose_detection_confidence=0.5,
        min_pose_presence_confidence=0.5,
        min_tracking_confidence=0.5,
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker, av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        time_base = stream.time_base or Fraction(1, 1000)
        start = bl.stopwatch()
        frames = 0
        last = -1
        for vf in container.decode(stream):
            t_ms = max(round(float((vf.pts or 0) * time_base) * 1000), last + 1)
            last = t_ms
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=vf.to_ndarray(format="rgb24"))
            landmarker.detect_for_video(image, t_ms)
            frames += 1
        return bl.since(start, frames)


def formcheck_analyze(path: Path, output: str | None, *, settings: AnalysisSettings | None = None) -> Timing:
    from formcheck.analysis import AnalysisSettings, Outputs, analyze
    from formcheck.rules import load_exercise

    exercise = load_exercise(bl.ANCHOR_EXERCISE)
    frames = 0
    start: tuple[float, float] | None = None

    def on_start(_expected: int | None) -> None:
        nonlocal start
        start = bl.stopwatch()

    def on_step(_step: object) -> None:
        nonlocal frames
        frames += 1

    with tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp:
        outputs = Outputs()
        if output == "video":
            outputs = Outputs(video=Path(tmp) / "out.mp4")
        elif output == "report":
            outputs = Outputs(report=Path(tmp) / "out.html")
        elif output == "csv+json":
            outputs = Outputs(json=Path(tmp) / "out.json", csv=Path(tmp) / "out.csv")
        settings = settings or AnalysisSettings(model=str(bl.model_path("full")))
        analysis = analyze(
            path, exercise, outputs=outputs, settings=settings, on_start=on_start, on_step=on_step
        )
        assert start is not None
        timing = bl.since(start, frames)
        if analysis.outcome.error is not None:
            raise analysis.outcome.error
    return timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="first 300 frames, 2 rounds")
    parser.add_argument("--frames", type=int, help="use only the first N frames of the clip")
    parser.add_argument("--rounds", type=int, help="alternation rounds (default 2)")
    args = parser.parse_args()
    frames = args.frames or (300 if args.quick else None)
    rounds = args.rounds or 2
    src = bl.clip()
    path = bl.first_frames(src, frames) if frames else src
    model = bl.model_path("full")

    bl.header(f"analyze vs bare model loop: {path.name}, full model, {rounds} rounds, alternating")
    from formcheck.analysis import AnalysisSettings

    one_person = AnalysisSettings(model=str(model), max_people=1)
    one_landmarker = AnalysisSettings(model=str(model), landmarkers=1)
    variants = {
        "bare loop (num_poses=1)": lambda: bare_loop(path, model, 1),
        "analyze": lambda: formcheck_analyze(path, None),
        "analyze --video": lambda: formcheck_analyze(path, "video"),
        "analyze --report": lambda: formcheck_analyze(path, "report"),
        "analyze --max-people 1": lambda: formcheck_analyze(path, None, settings=one_person),
        "analyze, one landmarker": lambda: formcheck_analyze(path, None, settings=one_landmarker),
        "bare loop (num_poses=2)": lambda: bare_loop(path, model, 2),
    }
    results = bl.alternate(variants, rounds)

    anchor = results["bare loop (num_poses=1)"]
    print(f"\n   {'variant':<28} {'fps':>7} {'ratio':>6} {'cores':>6}  target")
    for name, timings in results.items():
        ratio = bl.paired_ratio(timings, anchor)
        cores = sum(t.cores_used for t in timings) / len(timings)
        target = TARGETS.get(name)
        verdict = f">= {target:.2f} {bl.verdict(ratio, target)}" if target else ""
        print(f"   {name:<28} {bl.median_fps(timings):7.2f} {ratio:6.3f} {cores:6.2f}  {verdict}")
    print("   (ratio: median of per-round fps / bare loop num_poses=1; cores: CPU time / wall time)")


if __name__ == "__main__":
    main()
