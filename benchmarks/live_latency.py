"""Live-mode latency: frame capture to display, with the model's own per-frame time.

Replays a sample clip at real-time pace as if it were a camera, through the real live session
and window (run under a display, e.g. ``xvfb-run -a python benchmarks/live_latency.py``), and
prints the median and 95th percentile of capture-to-display latency, the effective fps, the
frames dropped, and the pose model's time per frame measured in the same run.

    FORMCHECK_MODEL_DIR=/path/to/models python benchmarks/live_latency.py [CLIP] [--model full]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

# ../shared beside the repository (as on CI), or the folder FORMCHECK_SHARED_SAMPLES names
SAMPLES = Path(
    os.environ.get("FORMCHECK_SHARED_SAMPLES") or Path(__file__).resolve().parents[2] / "shared" / "samples"
)
DEFAULT_CLIP = SAMPLES / "clips" / "squat--wide-prenatal-front.mp4"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--model", default="full")
    parser.add_argument(
        "--landmarkers", type=int, default=None,
        help="pose models side by side (default: formcheck's, one per core, at most 2)",
    )  # fmt: skip
    parser.add_argument("--exercise", default="squat")
    parser.add_argument(
        "--max-people", type=int, default=None,
        help="people the model looks for (default: formcheck's); 1 gives the one-person model time "
        "issue 16's target is a multiple of",
    )  # fmt: skip
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        print("needs a display: run under xvfb-run -a", file=sys.stderr)
        return 2

    from formcheck.estimation.alternating import AlternatingEstimator
    from formcheck.estimation.landmarkers import make_estimator
    from formcheck.estimation.mediapipe_landmarker import DEFAULT_MAX_PEOPLE
    from formcheck.live.session import LiveSession
    from formcheck.live.window import LiveWindow
    from formcheck.models import resolve_model
    from formcheck.rules import load_exercise
    from formcheck.sources import open_source

    exercise = load_exercise(args.exercise)
    source = open_source(args.clip, realtime=True)
    window = LiveWindow(title="formcheck benchmark", show_fps=True)
    people = args.max_people or DEFAULT_MAX_PEOPLE
    with (
        make_estimator(
            resolve_model(args.model).path, max_people=people, count=args.landmarkers, live=True
        ) as estimator,
        tempfile.TemporaryDirectory() as tmp,
    ):
        session = LiveSession(
            source,
            estimator,
            [exercise],
            json_path=Path(tmp) / "bench.json",
            controls=window,
            sinks=[window],
            source_name=source.name,
        )
        window.set_capture_clock(session.feed.captured_at)
        outcome = session.run()
        count = estimator.count if isinstance(estimator, AlternatingEstimator) else 1
    window.destroy()
    source.close()

    latency = np.array(window.latencies_ms)
    model = np.array(outcome.model_ms[1:])  # the first call includes the model's warm-up
    duration = (source.frame_count or 0) / (source.fps or 1)
    print(f"clip: {args.clip.name} ({source.frame_count} frames, {source.fps:.0f} fps, model {args.model},"
          f" max people {people}, landmarkers {count})")  # fmt: skip
    print(f"frames: {outcome.received} received, {outcome.analysed} analysed and shown "
          f"({outcome.received - outcome.analysed} dropped as stale)")  # fmt: skip
    if duration:
        print(f"effective fps: {outcome.analysed / duration:.1f}")
    p50, p95 = np.median(latency), np.percentile(latency, 95)
    print(f"capture→display latency: median {p50:.0f} ms, p95 {p95:.0f} ms")
    print(f"model per frame:         median {np.median(model):.0f} ms, p95 {np.percentile(model, 95):.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
