"""What the recogniser looks at: a few posture and movement numbers per frame, summarised over
windows of a few seconds.

The numbers are the kind the rules themselves read (knee and hip bends in 3D, segment tilts from
the vertical in the picture, heights above the floor in leg lengths), but taken on both sides
and folded into side-free pairs (the more and the less bent knee), so that a left-leg and a
right-leg exercise, or a person facing either way, give the same features. Posture (upright,
lying, kneeling, seated, on all fours) shows in the tilts and heights; which joints move shows in
how far each number ranges over the window.

Everything is vectorised over a whole stretch of frames (numpy), so a track of a few thousand
frames costs a few milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from formcheck.landmarks import INDEX
from formcheck.pose import Pose, PoseFrame

MIN_VISIBILITY = 0.3  # below this a landmark is unknown (NaN) for the recogniser
WINDOW_S = 5.0  # a window holds one or two reps of most exercises, or a good part of a hold
HOP_S = 1.0

# Per-frame features, in column order. ``hi``/``lo``: the larger / smaller of the two sides.
FRAME_FEATURES: tuple[str, ...] = (
    "trunk_tilt",  # hip→shoulder from straight up in the picture: 0 upright, 90 lying, 180 head down
    "thigh_tilt_hi", "thigh_tilt_lo",  # hip→knee from straight down: 0 hanging, 90 level, 180 up
    "shank_tilt_hi", "shank_tilt_lo",  # knee→ankle from straight down
    "knee_flex_hi", "knee_flex_lo",  # 3D knee bend, 0 straight
    "hip_flex_hi", "hip_flex_lo",  # 3D hip bend (trunk to thigh), 0 straight
    "hip_height",  # hips above the lowest foot point, in leg lengths (standing ~0.9, lying ~0)
    "knee_height_lo",  # the lower knee above the lowest foot point (kneeling ~0)
    "wrist_height",  # the lower wrist above the lowest foot point (hands on the floor ~0)
    "shoulder_height",  # shoulders above the lowest foot point
    "ankle_height_diff",  # one foot higher than the other (one-leg stance, step-up, leg lifts)
    "thigh_spread",  # 3D angle between the thighs (butterfly, side lunge, clamshell)
    "feet_apart",  # 3D ankle distance, in leg lengths
    "body_aspect",  # the body's extent across over its extent up (lying: large)
    "shoulder_span",  # shoulder width over torso length in the picture (front ~0.7, side ~0.1)
    "hip_over_feet",  # hips across from the midpoint of the ankles, |x| in leg lengths (side lunge)
    "hip_travel",  # hips across the picture, in leg lengths: only its range is used (band walk)
    "hip_line_tilt",  # 3D hip-to-hip line from straight up: 0 stacked (lying on the side), 90 level
)  # fmt: skip
# Features whose level means nothing (a position in the picture): the window keeps only their range.
RANGE_ONLY: tuple[str, ...] = ("hip_travel",)
# Features read for the posture only (``posture.py``), not summarised for the window model: they
# tell positions apart for certain where they are clear, and the model, trained on a few dozen
# clips, learnt more from them than they hold (with the hip line in its windows, top-1 fell from
# 54 to 52 of 65 leave-one-source-out, while it tells the posture right on every sample track).
# Kept last, so that the windowed ones are a slice.
POSTURE_ONLY: tuple[str, ...] = ("hip_line_tilt",)
WINDOWED = len(FRAME_FEATURES) - len(POSTURE_ONLY)
assert FRAME_FEATURES[WINDOWED:] == POSTURE_ONLY


def _ix(name: str) -> int:
    return INDEX[name]


L_SH, R_SH, L_HIP, R_HIP = _ix("left_shoulder"), _ix("right_shoulder"), _ix("left_hip"), _ix("right_hip")
L_KNEE, R_KNEE, L_ANK, R_ANK = _ix("left_knee"), _ix("right_knee"), _ix("left_ankle"), _ix("right_ankle")
L_WR, R_WR = _ix("left_wrist"), _ix("right_wrist")
FOOT = [
    _ix(n)
    for n in ("left_ankle", "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index")
]
BODY = list(range(11, 33))  # shoulders down: the face is often cut off or turned away


def stack_poses(
    frames: Sequence[PoseFrame], poses: Sequence[Pose | None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t_s (N,), pixel landmarks (N, 33, 3) x, y, visibility, world (N, 33, 3)); NaN where unseen.
    Pixel x is measured from the middle of the picture, so that a mirrored video negates it."""
    n = len(frames)
    t_ms = np.fromiter((f.t_ms for f in frames), dtype=np.int64, count=n)
    size = np.array([f.image_size for f in frames], dtype=np.int64).reshape(n, 2)
    seen = np.array([p is not None for p in poses], dtype=bool)
    with_world = np.array([p is not None and p.world is not None for p in poses], dtype=bool)
    # np.array, not np.stack, of the per-frame arrays: the same result, a quarter of the time
    # (np.stack handles every array on its own; a run's recognition spent most of its time on it)
    landmarks = np.zeros((n, 33, 5), dtype=np.float32)
    world = np.zeros((n, 33, 3), dtype=np.float32)
    if seen.any():
        landmarks[seen] = np.array([p.landmarks for p in poses if p is not None])
    if with_world.any():
        world[with_world] = np.array([p.world for p in poses if p is not None and p.world is not None])
    return stack_rows(t_ms, size, landmarks, world, seen, with_world)


def stack_rows(
    t_ms: np.ndarray, image_size: np.ndarray, landmarks: np.ndarray, world: np.ndarray,
    seen: np.ndarray, with_world: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """``stack_poses``' arrays from poses already laid out in rows (``PoseStream``'s): frame
    times (N,), (width, height) (N, 2), landmarks (N, 33, 5) and world (N, 33, 3) as the pose
    model gives them, and whether each frame has a pose and world landmarks (only a frame with a
    pose has them); rows without are ignored. The same numbers as ``stack_poses`` on the same
    poses, to the last bit."""
    n = len(t_ms)
    t = t_ms.astype(np.float64) / 1000.0
    everyone = bool(seen.all())
    px = np.empty((n, 33, 3)) if everyone else np.full((n, 33, 3), np.nan)
    rows = slice(None) if everyone else np.flatnonzero(seen)
    lm = landmarks[rows]
    size = image_size[rows].astype(np.float64)
    px[rows, :, 0] = (lm[:, :, 0] - 0.5) * size[:, :1]  # from the middle: a mirror image negates x
    px[rows, :, 1] = lm[:, :, 1] * size[:, 1:]
    px[rows, :, 2] = lm[:, :, 3]
    if n and with_world.all():
        out_world = world.astype(np.float64)
    else:
        out_world = np.full((n, 33, 3), np.nan)
        out_world[with_world] = world[with_world]
    return t, px, out_world


def _norm(a: np.ndarray) -> np.ndarray:
    """Length along the last axis: ``np.linalg.norm(a, axis=-1)``'s arithmetic to the last bit,
    without its argument checks (called a few dozen times a stretch, which added up)."""
    return np.sqrt((a * a).sum(axis=-1))


def _angle(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(angle in degrees between vectors along the last axis, length of ``a``, length of ``b``)."""
    na = _norm(a)
    nb = _norm(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(a * b, axis=-1) / (na * nb)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))), na, nb


def _pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(larger, smaller) of two per-side series; unknown when either side is."""
    return np.maximum(a, b), np.minimum(a, b)


# The segments read in the picture: the trunk (shoulders' midpoint from the hips'), then each
# thigh (knee from hip) and shank (ankle from knee), measured from straight up and down.
SEGMENT_ENDS = [L_KNEE, R_KNEE, L_ANK, R_ANK]
SEGMENT_STARTS = [L_HIP, R_HIP, L_KNEE, R_KNEE]
SEGMENT_FROM = np.array([[0.0, -1.0]] + [[0.0, 1.0]] * 4)  # up for the trunk, down for the legs
# The joints read in 3D: hips, knees, ankles, left then right.
LEGS_3D = [L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANK, R_ANK]
HEIGHTS = [L_KNEE, R_KNEE, L_WR, R_WR]  # points whose height above the floor is read


def frame_features(px: np.ndarray, world: np.ndarray) -> np.ndarray:
    """(N, len(FRAME_FEATURES)) from ``stack_poses``' arrays; NaN where a feature is unknown.

    Like quantities are computed together (every picture tilt in one call, every 3D angle in
    another): on the few hundred frames of a short clip numpy's cost is per call, not per
    number, and each number is computed with the same arithmetic as one at a time."""
    vis = px[:, :, 2]
    xy = px[:, :, :2].copy()
    xy[vis < MIN_VISIBILITY] = np.nan

    # shoulders', hips' and ankles' midpoints: (N, 3, 2)
    mids = (xy[:, [L_SH, L_HIP, L_ANK]] + xy[:, [R_SH, R_HIP, R_ANK]]) / 2
    mid_sh, mid_hip, mid_ank = mids[:, 0], mids[:, 1], mids[:, 2]
    limbs = xy[:, SEGMENT_ENDS] - xy[:, SEGMENT_STARTS]
    segments = np.concatenate([(mid_sh - mid_hip)[:, None], limbs], axis=1)
    # tilts: trunk, left and right thigh, left and right shank; lengths the same order
    tilts, seg_len, _ = _angle(segments, SEGMENT_FROM)

    legs = world[:, LEGS_3D]  # (N, 6, 3)
    hips, knees, ankles = legs[:, 0:2], legs[:, 2:4], legs[:, 4:6]
    wsh = (world[:, L_SH] + world[:, R_SH]) / 2
    thighs = knees - hips
    # knee bends (thigh against shank, at the knee), hip bends (trunk against thigh, at the hip),
    # the angle between the thighs; left then right
    first = np.concatenate([hips - knees, wsh[:, None] - hips, thighs[:, :1]], axis=1)
    second = np.concatenate([ankles - knees, thighs, thighs[:, 1:]], axis=1)
    angles, _, second_len = _angle(first, second)
    knee_flex = 180.0 - angles[:, 0:2]
    hip_flex = 180.0 - angles[:, 2:4]
    thigh_spread = angles[:, 4]

    leg_px = np.fmax(seg_len[:, 1] + seg_len[:, 3], seg_len[:, 2] + seg_len[:, 4])
    with np.errstate(invalid="ignore", divide="ignore"):
        leg_px = np.where(leg_px > 1.0, leg_px, np.nan)
        floor = np.where(np.isnan(xy[:, FOOT, 1]), -np.inf, xy[:, FOOT, 1]).max(axis=1)  # lowest point
    floor = np.where(np.isfinite(floor), floor, np.nan)

    # heights above the lowest foot point, in leg lengths: knees, wrists, then the shoulders' and
    # hips' midpoints
    ys = np.concatenate([xy[:, HEIGHTS, 1], mids[:, :2, 1]], axis=1)
    heights = (floor[:, None] - ys) / leg_px[:, None]
    knee_h = np.fmin(heights[:, 0], heights[:, 1])
    wrist_h = np.fmin(heights[:, 2], heights[:, 3])
    ankle_diff = np.abs(xy[:, L_ANK, 1] - xy[:, R_ANK, 1]) / leg_px

    # thigh lengths then shank lengths, as ``second_len`` holds them
    wleg = np.fmax(second_len[:, 2] + second_len[:, 0], second_len[:, 3] + second_len[:, 1])
    # Which way the hips face: the world frame's y axis is the picture's down (an upright camera's
    # vertical), so the line from one hip joint to the other stands upright when the person lies
    # on their side and lies level when they stand, sit or lie on the back or front. Folded to
    # 0-90°: which hip is on top does not matter.
    hip_line = hips[:, 0] - hips[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        hip_line_tilt = np.degrees(np.arccos(np.clip(np.abs(hip_line[:, 1]) / _norm(hip_line), 0.0, 1.0)))
    feet_apart = _norm(ankles[:, 0] - ankles[:, 1]) / wleg

    body = xy[:, BODY]
    with np.errstate(invalid="ignore"):
        enough = (~np.isnan(body[:, :, 0])).sum(axis=1) >= 8
    span = np.where(enough[:, None], _nanrange(body), np.nan)  # (N, 2): across, up
    with np.errstate(invalid="ignore", divide="ignore"):
        aspect = np.log(np.where(span[:, 1] > 1.0, span[:, 0] / span[:, 1], np.nan))
        torso = seg_len[:, 0]
        shoulder_span = _norm(xy[:, L_SH] - xy[:, R_SH]) / np.where(torso > 1.0, torso, np.nan)

    cols = [
        tilts[:, 0], *_pair(tilts[:, 1], tilts[:, 2]), *_pair(tilts[:, 3], tilts[:, 4]),
        *_pair(knee_flex[:, 0], knee_flex[:, 1]), *_pair(hip_flex[:, 0], hip_flex[:, 1]),
        heights[:, 5], knee_h, wrist_h, heights[:, 4], ankle_diff,
        thigh_spread, feet_apart, aspect, shoulder_span,
        np.abs(mid_hip[:, 0] - mid_ank[:, 0]) / leg_px, mid_hip[:, 0] / leg_px, hip_line_tilt,
    ]  # fmt: skip
    return np.stack(cols, axis=1)


def _nanrange(a: np.ndarray) -> np.ndarray:
    """Largest minus smallest along axis 1, ignoring NaN (NaN where there is none)."""
    with np.errstate(invalid="ignore"):
        filled_lo = np.where(np.isnan(a), np.inf, a).min(axis=1)
        filled_hi = np.where(np.isnan(a), -np.inf, a).max(axis=1)
    out = filled_hi - filled_lo
    return np.where(np.isfinite(out), out, np.nan)


_RANGE_ONLY = [FRAME_FEATURES.index(n) for n in RANGE_ONLY]
WINDOW_FEATURES: tuple[str, ...] = tuple(f"{n}.median" for n in FRAME_FEATURES[:WINDOWED]) + tuple(
    f"{n}.range" for n in FRAME_FEATURES[:WINDOWED]
)


def summarise(feats: np.ndarray) -> np.ndarray | None:
    """One window's summary: each feature's median, then its 10-90 % range (how far it moves).
    None when too little of the window shows the person."""
    feats = feats[:, :WINDOWED]
    seen = ~np.isnan(feats)
    if seen.any(axis=1).mean() < 0.5:
        return None
    med, lo, hi = nanquantiles(feats, (0.5, 0.1, 0.9))
    med[_RANGE_ONLY] = 0.0
    return np.concatenate([med, hi - lo])


def nanquantiles(a: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Quantiles along the first axis, ignoring NaN (NaN where there is none), interpolated
    linearly as ``np.nanpercentile`` does: (len(qs), *a.shape[1:]). One sort for everything
    (``nanpercentile`` goes column by column, which was most of the recogniser's time)."""
    s = np.sort(a, axis=0)  # NaN sort last
    n = (~np.isnan(a)).sum(axis=0)
    top = np.maximum(n - 1, 0)
    out = np.empty((len(qs), *a.shape[1:]))
    for k, q in enumerate(qs):
        pos = q * top
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, top)
        frac = pos - lo
        below = np.take_along_axis(s, lo[None], axis=0)[0]
        above = np.take_along_axis(s, hi[None], axis=0)[0]
        out[k] = np.where(n > 0, below * (1 - frac) + above * frac, np.nan)
    return out


def summarise_windows(feats: np.ndarray, spans: Sequence[tuple[int, int]]) -> list[np.ndarray | None]:
    """``summarise`` of every window (first, end) of ``feats`` at once (one sort for all)."""
    if not spans:
        return []
    length = max(j - i for i, j in spans)
    stack = np.full((length, len(spans), WINDOWED), np.nan)
    for w, (i, j) in enumerate(spans):
        stack[: j - i, w] = feats[i:j, :WINDOWED]
    seen = ~np.isnan(stack).all(axis=2)  # (length, windows): frames showing the person
    enough = seen.sum(axis=0) >= 0.5 * np.array([j - i for i, j in spans])
    med, lo, hi = nanquantiles(stack, (0.5, 0.1, 0.9))
    med[:, _RANGE_ONLY] = 0.0
    rows = np.concatenate([med, hi - lo], axis=1)
    return [rows[w] if enough[w] else None for w in range(len(spans))]


def window_starts(t_s: np.ndarray, window_s: float = WINDOW_S, hop_s: float = HOP_S) -> list[tuple[int, int]]:
    """(first, end) frame index pairs of windows of ``window_s`` every ``hop_s``; a stretch shorter
    than one window is one window."""
    if len(t_s) == 0:
        return []
    first_t, last_t = float(t_s[0]), float(t_s[-1])
    # Every window starts hop_s after the one before, until one reaches the last frame. The
    # starts are summed one hop at a time (a cumulative sum adds in that order), so they are
    # the same to the last bit whichever way they are computed.
    count = max(1, math.ceil((last_t - first_t - window_s) / hop_s) + 2)
    while True:
        starts = np.cumsum(np.concatenate([[first_t], np.full(count - 1, hop_s)]))
        reach = starts + window_s
        done = np.flatnonzero(reach >= last_t)
        if len(done):
            break
        count *= 2
    starts, reach = starts[: done[0] + 1], reach[: done[0] + 1]
    first = np.searchsorted(t_s, starts, side="left")
    end = np.maximum(np.searchsorted(t_s, reach, side="left"), first + 1)
    return list(zip(first.tolist(), end.tolist(), strict=True))


def median(values: np.ndarray) -> float:
    """``np.median`` of a 1-D array (NaN if it is empty or holds a NaN), without calling it: its
    first call imports ``numpy.ma`` (7 ms a process, by ``python -X importtime``), which every
    ``analyze`` paid for the one median its check takes (the check's own work on a 20 s track
    is 2-4 ms)."""
    v = np.sort(values)  # NaN sorts last
    n = len(v)
    if not n or np.isnan(v[-1]):
        return float("nan")
    return float((v[(n - 1) // 2] + v[n // 2]) / 2)
