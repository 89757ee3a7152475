"""Several exercises in a row: where each one starts and ends, and which it is.

Pure and timestamp-driven, on the recogniser's per-frame features (``features``, taken at
``rulefit.FIT_FPS``); the orchestration (poses in, one engine per segment) is
``formcheck.segmented``.

1. **Rests** cut the input into active stretches. A rest is at least ``REST_S`` of frames in
   which the person is not seen (longer than a tracker's dropout), or ``STILL_REST_S`` in which
   they are not seen or stand still in a neutral stance (upright trunk, straight knees and hips,
   feet under the hips, nothing moving): longer than the pause a slow tempo makes at the start
   position between two reps, so a set is not cut in two. Holds are not neutral stances (a wall
   sit bends the knees, a standing stretch bends a knee or the trunk, or sets the feet apart), so
   they are never rests.
2. **Switches without a rest**: inside an active stretch, the windows' log-probabilities
   (``recognise.windows_from_features``) are smoothed by a Viterbi pass whose every change of
   exercise costs ``SWITCH_PENALTY``; a change is kept only when both sides last ``MIN_PART_S``
   (a set of even a few reps lasts longer; anything shorter is one exercise's odd windows).
3. Each part is **judged on its own windows** (``recognise.judge``), the leading rules re-ranked
   by their own engines' fit. Adjacent parts judged the same exercise are joined (and judged
   again); a part too short to name, or not clearly one exercise, is kept as a "not sure"
   segment (``recognition.id`` None) and counts nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from formcheck.pose import Pose, PoseFrame
from formcheck.recognition.features import (
    FRAME_FEATURES,
    HOP_S,
    WINDOW_S,
    frame_features,
    median,
    stack_poses,
)
from formcheck.recognition.model import Model, bundled_model
from formcheck.recognition.recognise import Recognition, judge, windows_from_features
from formcheck.recognition.rulefit import thin

if TYPE_CHECKING:
    from formcheck.rules import Exercise

REST_S = 3.0  # nobody seen this long is a rest: longer than a tracker's dropout
# Standing still must last longer: a slow tempo pauses up to 3-4 s at the start position, and
# the tracker may lose the person for a moment in the same pause.
STILL_REST_S = 5.0
MIN_ACTIVE_S = 1.0  # a person seen for less between two rests is a false detection, not a segment
# Changing exercise inside an active stretch costs this much log-probability: windows overlap
# (a 5 s window every second), so a real change shows in some five windows in a row, each
# usually several nats apart; one odd window does not pay for it.
SWITCH_PENALTY = 25.0
MIN_PART_S = 10.0  # both sides of a switch without a rest last this long (a set of a few reps)

# The neutral stance a rest can be stood in (degrees, leg lengths).
NEUTRAL_TRUNK = 20.0  # trunk within this of upright
NEUTRAL_BEND = 25.0  # knees and hips bent less than this
NEUTRAL_HIP_HEIGHT = 0.75  # hips this high above the feet (standing ~0.9)
NEUTRAL_FEET = 0.6  # ankles less than this apart (a lunge or calf stretch stands wider)
# Still: over each STILL_BIN_S, the joints range less than these (a rep moves them tens of
# degrees; a calf raise lifts the hips by a tenth of a leg).
STILL_BIN_S = 0.5
STILL_DEG = 8.0
STILL_HEIGHT = 0.03

_F = {name: i for i, name in enumerate(FRAME_FEATURES)}


@dataclass(frozen=True)
class Segment:
    start_s: float  # the first and last frame of the part in which the person is seen
    end_s: float
    recognition: Recognition

    @property
    def exercise(self) -> str | None:
        return self.recognition.id

    def to_dict(self) -> dict[str, Any]:
        rec = self.recognition.to_dict()
        if self.exercise is None and self.recognition.leading is not None:
            rec["leading"] = self.recognition.leading  # not sure: the likeliest, all the same
        return {
            "start_s": round(self.start_s, 2),
            "end_s": round(self.end_s, 2),
            "exercise": self.exercise,
            "recognition": rec,
        }


def still_standing(t_s: np.ndarray, feats: np.ndarray) -> np.ndarray:
    """Per frame: the person stands still in a neutral stance (see ``NEUTRAL_*``, ``STILL_*``)."""
    n = len(t_s)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    with np.errstate(invalid="ignore"):
        neutral = (
            (feats[:, _F["trunk_tilt"]] < NEUTRAL_TRUNK)
            & (feats[:, _F["knee_flex_hi"]] < NEUTRAL_BEND)
            & (feats[:, _F["hip_flex_hi"]] < NEUTRAL_BEND)
            & (feats[:, _F["hip_height"]] > NEUTRAL_HIP_HEIGHT)
            & (feats[:, _F["feet_apart"]] < NEUTRAL_FEET)
        )
    angles = feats[
        :, [_F[k] for k in ("trunk_tilt", "knee_flex_hi", "knee_flex_lo", "hip_flex_hi", "hip_flex_lo")]
    ]
    height = feats[:, _F["hip_height"]]
    bins = np.floor((t_s - t_s[0]) / STILL_BIN_S).astype(np.int64)
    edges = np.flatnonzero(np.diff(bins)) + 1
    # Frames without the person are rests of their own; a bin is judged on the others.
    shown = ~np.isnan(feats).all(axis=1)
    for a, b in zip(np.r_[0, edges], np.r_[edges, n], strict=True):
        on = np.flatnonzero(shown[a:b]) + a
        if len(on) == 0 or not neutral[on].all():
            continue
        with np.errstate(invalid="ignore"):
            span = np.nanmax(angles[on], axis=0) - np.nanmin(angles[on], axis=0)
            rise = float(np.nanmax(height[on]) - np.nanmin(height[on]))
        if bool((span < STILL_DEG).all()) and rise < STILL_HEIGHT:
            out[on] = True
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) of each run of True."""
    d = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def _duration(t_s: np.ndarray, i: int, j: int) -> float:
    """From frame i to the frame after j - 1 (the next frame's time, or one frame more)."""
    step = median(np.diff(t_s)) if len(t_s) > 1 else 0.0
    end = float(t_s[j]) if j < len(t_s) else float(t_s[-1]) + step
    return end - float(t_s[i])


def active_stretches(t_s: np.ndarray, feats: np.ndarray, seen: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) frame spans between rests, trimmed to the frames that show the person."""
    rest = np.zeros(len(t_s), dtype=bool)
    for mask, least in ((~seen, REST_S), (~seen | still_standing(t_s, feats), STILL_REST_S)):
        for i, j in _runs(mask):
            if _duration(t_s, i, j) >= least:
                rest[i:j] = True
    out = []
    for i, j in _runs(~rest):
        idx = np.flatnonzero(seen[i:j])
        if len(idx) == 0:
            continue
        a, b = i + int(idx[0]), i + int(idx[-1]) + 1
        if _duration(t_s, a, b) >= MIN_ACTIVE_S:
            out.append((a, b))
    return out


def viterbi(log_p: np.ndarray, penalty: float) -> np.ndarray:
    """The most likely label per row of ``log_p`` (rows, labels) when each change of label costs
    ``penalty``; NaN rows (nothing seen) favour no label."""
    lp = np.nan_to_num(log_p, nan=0.0)
    n, k = lp.shape
    score = lp[0].copy()
    back = np.zeros((n, k), dtype=np.intp)
    for r in range(1, n):
        best = int(np.argmax(score))
        switch = score[best] - penalty
        stay = score >= switch
        back[r] = np.where(stay, np.arange(k), best)
        score = np.where(stay, score, switch) + lp[r]
    labels = np.empty(n, dtype=np.intp)
    labels[-1] = int(np.argmax(score))
    for r in range(n - 1, 0, -1):
        labels[r - 1] = back[r, labels[r]]
    return labels


def _parts(
    t_s: np.ndarray, feats: np.ndarray, seen: np.ndarray, columns: list[int], model: Model
) -> list[tuple[int, int]]:
    """An active stretch's frames (first, end) split where the smoothed exercise changes."""
    n = len(t_s)
    w = windows_from_features(t_s, feats, seen, model)
    if len(w.spans) < 2 or not columns:
        return [(0, n)]
    labels = viterbi(w.log_proba[:, columns], SWITCH_PENALTY)
    cuts = [0]
    for r in np.flatnonzero(np.diff(labels)) + 1:
        # Between the centres of the last window of one label and the first of the next.
        at = float(t_s[w.spans[r][0]]) + (WINDOW_S - HOP_S) / 2
        cut = int(np.searchsorted(t_s, at))
        if (
            float(t_s[cut - 1] - t_s[cuts[-1]]) >= MIN_PART_S
            and float(t_s[-1] - t_s[min(cut, n - 1)]) >= MIN_PART_S
        ):
            cuts.append(cut)
    return list(zip(cuts, [*cuts[1:], n], strict=True))


@dataclass(frozen=True)
class Parts:
    """A stretch of poses cut into its parts (rests and switches, steps 1 and 2), at the
    recogniser's rate, before any part is judged (step 3)."""

    frames: list[PoseFrame]
    poses: list[Pose | None]
    t_s: np.ndarray
    features: np.ndarray
    seen: np.ndarray
    by_stretch: list[list[tuple[int, int]]]  # per active stretch, (first, end) indices of its parts

    @property
    def count(self) -> int:
        """How many parts, over every stretch."""
        return sum(len(spans) for spans in self.by_stretch)


def find_parts(
    frames: Sequence[PoseFrame],
    poses: Sequence[Pose | None],
    *,
    rules: Mapping[str, Exercise],
    model: Model | None = None,
) -> Parts:
    """Steps 1 and 2 on ``frames`` (``poses``: the person followed): ``rules`` only by their
    ids (those the model knows). One part is one exercise, or none: nothing left to judge apart
    (``formcheck.segmented`` then recognises the input as a whole)."""
    model = model or bundled_model()
    thinned, thinned_poses = thin(frames, poses, max_frames=None)
    if not thinned:
        return Parts([], [], np.empty(0), np.empty((0, len(FRAME_FEATURES))), np.zeros(0, dtype=bool), [])
    t, px, world = stack_poses(thinned, thinned_poses)
    feats = frame_features(px, world)
    seen = np.array([p is not None for p in thinned_poses], dtype=bool)
    columns = [i for i, c in enumerate(model.classes) if c in rules]
    by_stretch = [
        [(i + a, i + b) for a, b in _parts(t[i:j], feats[i:j], seen[i:j], columns, model)]
        for i, j in active_stretches(t, feats, seen)
    ]
    return Parts(thinned, thinned_poses, t, feats, seen, by_stretch)


def judge_parts(parts: Parts, *, rules: Mapping[str, Exercise], model: Model | None = None) -> list[Segment]:
    """Step 3: each part judged on its own windows; adjacent parts of one active stretch judged
    the same exercise are joined (and judged again)."""
    model = model or bundled_model()
    frames, poses, t, feats, seen = parts.frames, parts.poses, parts.t_s, parts.features, parts.seen

    def judged(a: int, b: int) -> Recognition:
        w = windows_from_features(t[a:b], feats[a:b], seen[a:b], model)
        return judge(w, model, candidates=rules, rules=rules, thinned=thin(frames[a:b], poses[a:b]))

    out: list[Segment] = []
    for stretch in parts.by_stretch:
        spans = list(stretch)
        recs = [judged(a, b) for a, b in spans]
        # Parts judged the same exercise are one set the windows hesitated over.
        k = 0
        while k + 1 < len(spans):
            if recs[k].id is not None and recs[k].id == recs[k + 1].id:
                spans[k : k + 2] = [(spans[k][0], spans[k + 1][1])]
                recs[k : k + 2] = [judged(*spans[k])]
            else:
                k += 1
        for (a, b), rec in zip(spans, recs, strict=True):
            idx = a + np.flatnonzero(seen[a:b])
            if len(idx):
                out.append(Segment(float(t[idx[0]]), float(t[idx[-1]]), rec))
    return out


def judge_part(
    frames: Sequence[PoseFrame],
    poses: Sequence[Pose | None],
    *,
    rules: Mapping[str, Exercise],
    model: Model | None = None,
) -> Recognition:
    """A segment's stretch judged on its own windows, as ``judge_parts`` judges it."""
    model = model or bundled_model()
    frames, poses = thin(frames, poses, max_frames=None)
    t, px, world = stack_poses(frames, poses)
    seen = np.array([p is not None for p in poses], dtype=bool)
    w = windows_from_features(t, frame_features(px, world), seen, model)
    return judge(w, model, candidates=rules, rules=rules, thinned=thin(frames, poses))
