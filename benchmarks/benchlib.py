"""Shared helpers for the benchmark scripts: machine facts, inputs, timing side by side.

Every benchmark compares variants measured in the same run, alternating A B A B ..., and
reports ratios: other processes share the CPU, so absolute figures from separate runs do not
compare, but ratios from interleaved rounds do.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# ../shared beside the repository, as on CI
SHARED = Path(__file__).resolve().parents[2] / "shared"
CLIPS_DIR = Path(os.environ.get("FORMCHECK_CLIPS_DIR", SHARED / "samples" / "clips"))
MODEL_DIR = Path(os.environ.get("FORMCHECK_MODEL_DIR", SHARED / "models"))
# Generated inputs (trimmed and concatenated clips) live here, never in the repository.
SCRATCH = Path(os.environ.get("FORMCHECK_BENCH_TMP", "/tmp/formcheck-bench"))
ANCHOR_CLIP = "squat--front-20-reps-counter.mp4"  # 1280x720, 1289 frames, 29.97 fps
ANCHOR_EXERCISE = "squat"

# The engine must see the model folder too when a benchmark runs formcheck in a subprocess.
os.environ.setdefault("FORMCHECK_MODEL_DIR", str(MODEL_DIR))


def machine() -> str:
    """One line: date, cores, CPU model, Python and library versions."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for name in ("mediapipe", "av", "cv2", "numpy"):
        try:
            module = __import__(name)
            versions.append(f"{name} {module.__version__}")
        except ImportError:
            continue
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{_dt.date.today().isoformat()}  nproc={os.cpu_count()}  cpu={cpu}  "
        f"python {platform.python_version()}  {', '.join(versions)}  load1={load:.2f}"
    )


def header(title: str) -> None:
    print(f"\n== {title}")
    print(f"   {machine()}")
    sys.stdout.flush()


def model_path(variant: str = "full") -> Path:
    path = MODEL_DIR / f"pose_landmarker_{variant}.task"
    if not path.exists():
        sys.exit(f"model not found: {path} (set FORMCHECK_MODEL_DIR)")
    return path


def clip(name: str = ANCHOR_CLIP) -> Path:
    path = CLIPS_DIR / name
    if not path.exists():
        sys.exit(f"clip not found: {path} (set FORMCHECK_CLIPS_DIR)")
    return path


def _ffmpeg(args: list[str], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(".tmp-" + out.name)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args, str(tmp)],
        check=True,
    )
    os.replace(tmp, out)
    return out


def first_frames(src: Path, frames: int) -> Path:
    """The first ``frames`` frames of ``src`` (stream copy: the same pictures, no re-encode)."""
    out = SCRATCH / f"{src.stem}--first{frames}.mp4"
    if out.exists():
        return out
    return _ffmpeg(["-i", str(src), "-an", "-frames:v", str(frames), "-c", "copy"], out)


def repeated(src: Path, times: int) -> Path:
    """``src`` played ``times`` times in a row (concat demuxer, stream copy, timestamps continue)."""
    out = SCRATCH / f"{src.stem}--x{times}.mp4"
    if out.exists():
        return out
    listing = SCRATCH / f"{src.stem}--x{times}.txt"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text("".join(f"file '{src}'\n" for _ in range(times)))
    return _ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), "-an", "-c", "copy"], out)


def frame_count(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sum(1 for _ in container.demux(stream) if _.size)


@dataclass
class Timing:
    frames: int
    seconds: float  # wall time of the frame loop (start-up excluded)
    cpu_seconds: float = float("nan")  # process CPU time over the same span, when known

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("nan")

    @property
    def cores_used(self) -> float:
        return self.cpu_seconds / self.seconds if self.seconds > 0 else float("nan")


def alternate(variants: dict[str, Callable[[], Timing]], rounds: int) -> dict[str, list[Timing]]:
    """Run each variant once per round, in the same order every round; all timings by name."""
    results: dict[str, list[Timing]] = {name: [] for name in variants}
    for r in range(rounds):
        for name, fn in variants.items():
            t = fn()
            results[name].append(t)
            print(f"   round {r + 1}/{rounds}  {name:<28} {t.frames:5d} frames  {t.fps:7.2f} fps", flush=True)
    return results


def median_fps(timings: list[Timing]) -> float:
    return statistics.median(t.fps for t in timings)


def paired_ratio(a: list[Timing], b: list[Timing]) -> float:
    """Median over rounds of fps(a) / fps(b): each round's pair ran back to back."""
    return statistics.median(x.fps / y.fps for x, y in zip(a, b, strict=True))


def stopwatch() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float], frames: int) -> Timing:
    wall, cpu = start
    return Timing(frames, time.perf_counter() - wall, time.process_time() - cpu)


def verdict(value: float, target: float, *, higher_is_better: bool = True) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "MET" if ok else "NOT MET"
