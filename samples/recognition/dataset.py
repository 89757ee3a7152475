"""The recogniser's data: every sample track with its exercise (the id before ``--`` in its
name) and its source (``sources.tsv``; synthetic tracks form a source of their own that is
never left out, as they show no real person), cut into feature windows.

Used by ``train.py`` (fit the committed model, leave-one-source-out figures) and
``benchmarks/recognition.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from formcheck.people import PersonSelector
from formcheck.pose import Pose, PoseFrame
from formcheck.recognition.features import frame_features, stack_poses, summarise_windows, window_starts
from formcheck.recognition.rulefit import rule_fit, thin
from formcheck.rules import Exercise, list_exercises
from formcheck.track import SUFFIX, PoseTrack

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent
REAL_DIRS = (SAMPLES / "tracks",)
SYNTHETIC_DIRS = (SAMPLES / "synthetic", HERE / "synthetic")
SYNTHETIC = "synthetic"


@dataclass
class Clip:
    name: str  # the track's stem
    exercise: str
    source: str
    frames: list[PoseFrame]
    poses: list[Pose | None]  # the selected person, as the pipeline selects them

    @property
    def synthetic(self) -> bool:
        return self.source == SYNTHETIC


def sources() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (HERE / "sources.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            stem, source = line.split("\t")
            out[stem] = source
    return out


def people() -> dict[str, str]:
    """Whom to follow in a clip, from ``expected.yaml`` (``person``; default auto)."""
    spec = yaml.safe_load((SAMPLES / "expected.yaml").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for entry in spec.get("clips", []):
        stem = str(entry.get("track", "")).rsplit("/", 1)[-1].removesuffix(SUFFIX)
        if entry.get("person") and stem not in out:
            out[stem] = str(entry["person"])
    return out


def load_clips(exercises: Iterable[str] | None = None) -> list[Clip]:
    """Every real and synthetic track whose exercise is in ``exercises`` (default: all)."""
    wanted = None if exercises is None else set(exercises)
    src, who = sources(), people()
    clips: list[Clip] = []
    for folder, synthetic in [(d, False) for d in REAL_DIRS] + [(d, True) for d in SYNTHETIC_DIRS]:
        for path in sorted(folder.glob(f"*{SUFFIX}")):
            stem = path.name.removesuffix(SUFFIX)
            exercise = stem.split("--")[0]
            if wanted is not None and exercise not in wanted:
                continue
            if not synthetic and stem not in src:
                raise SystemExit(f"{path}: no source in {HERE / 'sources.tsv'}")
            track = PoseTrack.load(path)
            selector = PersonSelector(who.get(stem, "auto"))
            frames = list(track)
            poses = [selector.select(f) for f in frames]
            clips.append(Clip(stem, exercise, SYNTHETIC if synthetic else src[stem], frames, poses))
    return clips


@dataclass
class WindowSet:
    x: np.ndarray  # (windows, features)
    exercise: np.ndarray  # per window
    source: np.ndarray
    clip: np.ndarray

    def weights(self) -> np.ndarray:
        """Each clip weighs the same in training, however long it is."""
        names, counts = np.unique(self.clip, return_counts=True)
        per = dict(zip(names, counts, strict=True))
        return np.array([1.0 / per[c] for c in self.clip])

    def subset(self, mask: np.ndarray) -> WindowSet:
        return WindowSet(self.x[mask], self.exercise[mask], self.source[mask], self.clip[mask])


def windows(clips: list[Clip]) -> WindowSet:
    xs, ex, so, cl = [], [], [], []
    for clip in clips:
        t, px, world = stack_poses(*thin(clip.frames, clip.poses, max_frames=None))
        feats = frame_features(px, world)
        for row in summarise_windows(feats, window_starts(t)):
            if row is None:
                continue
            xs.append(row)
            ex.append(clip.exercise)
            so.append(clip.source)
            cl.append(clip.name)
    return WindowSet(np.array(xs), np.array(ex), np.array(so), np.array(cl))


def rule_fits(clips: list[Clip], rules: Iterable[Exercise]) -> dict[str, dict[str, np.ndarray]]:
    """Per clip, per rule: ``rulefit.rule_fit`` on the clip's thinned poses (as ``recognise``
    computes it)."""
    rules = list(rules)
    out: dict[str, dict[str, np.ndarray]] = {}
    for clip in clips:
        frames, poses = thin(clip.frames, clip.poses)
        out[clip.name] = {e.id: rule_fit(e, frames, poses) for e in rules}
    return out


# The posture each bundled exercise is done in, as its rule file says (the wrong-exercise runs of
# benchmarks/recognition.py pair a clip with a rule of the same and of another posture).
POSTURE: dict[str, str] = {e.id: e.posture or "" for e in list_exercises()}


def joined(
    parts: Iterable[Sequence[PoseFrame]], gaps_s: Iterable[float], *, filler: PoseFrame | None = None
) -> tuple[list[PoseFrame], list[tuple[float, float]]]:
    """Several clips' frames one after the other, as if filmed in a row: each clip's timestamps
    shifted to start ``gaps_s`` after the previous one's last frame, the gap filled with frames
    at the previous clip's rate showing nobody (``filler`` None) or ``filler``'s poses (someone
    standing still). Also each clip's (start_s, end_s) in the result. Frame indices count on."""
    out: list[PoseFrame] = []
    spans: list[tuple[float, float]] = []
    t_ms = 0
    step_ms = 33
    for k, (frames, gap) in enumerate(zip(parts, [0.0, *gaps_s], strict=False)):
        if k:
            end = t_ms + round(gap * 1000)
            size = filler.image_size if filler is not None else out[-1].image_size
            poses = filler.poses if filler is not None else ()
            while t_ms + step_ms < end:
                t_ms += step_ms
                out.append(PoseFrame(len(out), t_ms, size, poses))
            t_ms = end
        first = frames[0].t_ms
        start = t_ms
        for f in frames:
            t_ms = start + f.t_ms - first
            out.append(PoseFrame(len(out), t_ms, f.image_size, f.poses))
        spans.append((start / 1000, t_ms / 1000))
        if len(frames) > 1:
            step_ms = max(1, (frames[-1].t_ms - first) // (len(frames) - 1))
    return out, spans
