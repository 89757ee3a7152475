"""Draw one review sheet per clip: thumbnails at the labelled times plus the pose signals.

Used to check ``labels.yaml`` by eye (see LABEL_REVIEW.md). Each sheet is a PNG with 16
thumbnails (timestamp burned in; chosen around the labelled rep peaks, the troughs between
them and the hold edges) above a plot of the recorded pose track: hip height and knee angles
over time, with the labelled rep times as vertical lines and the holds shaded.

    python samples/review_sheets.py ../shared/samples OUT_DIR [CLIP_GLOB]

Needs the videos (never copied into the repo) and matplotlib; not part of the package.
"""

from __future__ import annotations

import fnmatch
import itertools
import sys
from pathlib import Path

import cv2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import yaml

from formcheck.sources.video_file import VideoFileSource
from formcheck.track import PoseTrack

THUMBS = 16
SAMPLES = Path(__file__).resolve().parent


def key_times(label: dict, duration: float) -> list[float]:
    """Rep peaks, the troughs between them, hold and fault edges; thinned or filled to 16."""
    times: list[float] = []
    reps = [float(t) for t in label.get("rep_times") or []]
    times += reps
    times += [(a + b) / 2 for a, b in itertools.pairwise(reps)]
    for h in label.get("holds") or []:
        times += [
            float(h["start_s"]) - 0.5,
            float(h["start_s"]) + 0.5,
            float(h["end_s"]) - 0.5,
            float(h["end_s"]) + 0.5,
        ]
    active = label.get("active") or [0.0, duration]
    times += [float(active[0]), float(active[1])]
    times = sorted({round(min(max(t, 0.0), duration - 0.05), 2) for t in times})
    if len(times) > THUMBS:
        idx = np.linspace(0, len(times) - 1, THUMBS).round().astype(int)
        times = [times[i] for i in idx]
    fill = list(np.linspace(0.2, duration - 0.2, THUMBS + 2)[1:-1])
    while len(times) < THUMBS and fill:
        t = fill.pop(len(fill) // 2)
        if all(abs(t - u) > min(0.4, duration / 40) for u in times):
            times.append(round(float(t), 2))
    return sorted(times)


def grab(video: Path, times: list[float]) -> list[tuple[float, np.ndarray]]:
    out: list[tuple[float, np.ndarray]] = []
    pending = sorted(times)
    with VideoFileSource(video) as src:
        for frame in src:
            while pending and frame.t_ms / 1000 >= pending[0] - 0.02:
                h, w = frame.image.shape[:2]
                scale = 240 / max(h, w)
                small = cv2.resize(frame.image, (int(w * scale), int(h * scale)))
                out.append((frame.t_ms / 1000, small[:, :, ::-1]))
                pending.pop(0)
            if not pending:
                break
    return out


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    u, v = a - b, c - b
    cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
    return float(np.degrees(np.arccos(np.clip(cos, -1, 1))))


def signals(track: PoseTrack) -> dict[str, np.ndarray]:
    """Per frame, for the biggest pose: hip height and the knee and hip angles (image plane)."""
    names = ["hip_y", "knee_L", "knee_R", "hip_L", "hip_R", "ankle_y"]
    rows = []
    aspect = track.image_size[0] / track.image_size[1]
    for pf in track:
        if not pf.poses:
            rows.append([np.nan] * len(names))
            continue
        pose = max(pf.poses, key=lambda p: np.ptp(p.landmarks[:, 1]))
        xy = pose.landmarks[:, :2].astype(float) * np.array([aspect, 1.0])
        rows.append(
            [
                1 - (xy[23, 1] + xy[24, 1]) / 2,
                _angle(xy[23], xy[25], xy[27]),
                _angle(xy[24], xy[26], xy[28]),
                _angle(xy[11], xy[23], xy[25]),
                _angle(xy[12], xy[24], xy[26]),
                1 - (xy[27, 1] + xy[28, 1]) / 2,
            ]
        )
    arr = np.asarray(rows)
    out = {n: arr[:, i] for i, n in enumerate(names)}
    out["t"] = track.t_ms / 1000
    return out


def sheet(label: dict, video: Path, track_path: Path, out: Path) -> None:
    probe = PoseTrack.load(track_path) if track_path.exists() else None
    duration = float(probe.t_ms[-1] / 1000) if probe is not None else 60.0
    thumbs = grab(video, key_times(label, duration))
    fig = plt.figure(figsize=(16, 13))
    grid = fig.add_gridspec(5, 8, height_ratios=[1, 1, 1, 1, 1.6])
    for i, (t, img) in enumerate(thumbs[:THUMBS]):
        ax = fig.add_subplot(grid[i // 4, (i % 4) * 2 : (i % 4) * 2 + 2])
        ax.imshow(img)
        ax.set_title(f"{t:.2f}s", fontsize=10)
        ax.axis("off")
    ax = fig.add_subplot(grid[4, :])
    if probe is not None:
        s = signals(probe)
        for name in ("knee_L", "knee_R", "hip_L", "hip_R"):
            ax.plot(s["t"], s[name], lw=0.8, label=name)
        ax2 = ax.twinx()
        ax2.plot(s["t"], s["hip_y"], "k", lw=1.4, label="hip height")
        ax2.plot(s["t"], s["ankle_y"], "k:", lw=1.0, label="ankle height")
        ax2.legend(loc="upper right", fontsize=8)
    for t in label.get("rep_times") or []:
        ax.axvline(float(t), color="r", lw=0.8)
    for h in label.get("holds") or []:
        ax.axvspan(float(h["start_s"]), float(h["end_s"]), color="g", alpha=0.15)
    ax.set_xticks(np.arange(0, duration + 1, 1.0))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.suptitle(f"{label['clip']}  reps={label.get('reps')}  by_side={label.get('reps_by_side')}")
    fig.tight_layout()
    fig.savefig(out, dpi=60)
    plt.close(fig)


def main(argv: list[str]) -> int:
    shared, out_dir = Path(argv[0]), Path(argv[1])
    pattern = argv[2] if len(argv) > 2 else "*"
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = yaml.safe_load((shared / "labels.yaml").read_text())
    for label in labels:
        if not fnmatch.fnmatch(label["clip"], pattern):
            continue
        stem = label["clip"].removesuffix(".mp4")
        sheet(
            label,
            shared / "clips" / label["clip"],
            SAMPLES / "tracks" / f"{stem}.track.npz",
            out_dir / f"{stem}.png",
        )
        print(stem, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
