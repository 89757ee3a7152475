"""Pose-track variants: the same recorded movement as another camera or person would give it.

Rules are tuned on a few dozen clips; these transforms ask whether a rule still gives the same
answer when the person faces the other way (``mirrored``), the camera films at half the frame
rate (``every_other_frame``), is not level (``tilted``) or looks down on the person from a shelf
or up from the floor (``pitched``), films them from an angle (``turned``), the model is noisier
(``jittered``), or the person moves slower or faster (``retimed``); the recording starts late,
mid-rep (``late_start``), or stops early, mid-rep (``early_end``), loses a second of frames
(``with_gap``) or is edited (a second cut out, the next shot framed closer: ``edited_cut``),
is framed from the shins up (``without_feet``) or shows a second person
standing still (``with_still_bystander``). Each returns a new ``PoseTrack``; the input is never
changed. The sample suite runs them through ``formcheck test --variant``.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from formcheck.landmarks import INDEX, NAMES, SIDES, TORSO, other_side
from formcheck.pose import PRESENCE, VISIBILITY, X, Y, Z
from formcheck.track import PoseTrack


def _mirror_index(name: str) -> int:
    side, _, joint = name.partition("_")
    return INDEX[f"{other_side(side)}_{joint}"] if side in SIDES else INDEX[name]


# Landmark order with every left_* and right_* exchanged: the mirror image of a person is a
# person whose left is where their right was.
SWAPPED_SIDES: tuple[int, ...] = tuple(_mirror_index(n) for n in NAMES)


def mirrored(track: PoseTrack) -> PoseTrack:
    """The track of the horizontally flipped video: x reflected, left and right exchanged."""
    landmarks = track.landmarks[:, SWAPPED_SIDES, :].copy()
    landmarks[:, :, X] = 1.0 - landmarks[:, :, X]
    world = track.world[:, SWAPPED_SIDES, :].copy()
    world[:, :, 0] = -world[:, :, 0]
    return replace(track, landmarks=landmarks, world=world)


def every_other_frame(track: PoseTrack) -> PoseTrack:
    """The track a camera at half the frame rate would have given (frames 0, 2, 4, ...)."""
    keep = np.arange(0, len(track), 2)
    return _frames(track, keep, fps=track.fps / 2 if track.fps else 0.0)


def tilted(track: PoseTrack, degrees: float) -> PoseTrack:
    """The track of a camera rolled by ``degrees`` (positive = the picture turns clockwise).

    Image points turn about the picture's centre, in pixels so the aspect ratio is kept; world
    points (camera-aligned, origin between the hips) turn about their origin by the same angle.
    """
    w, h = track.image_size
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    landmarks = track.landmarks.copy()
    px = (landmarks[:, :, X] - 0.5) * w
    py = (landmarks[:, :, Y] - 0.5) * h
    # y points down in both spaces, so this turns the picture clockwise for positive degrees.
    landmarks[:, :, X] = (c * px - s * py) / w + 0.5
    landmarks[:, :, Y] = (s * px + c * py) / h + 0.5
    world = track.world.copy()
    wx, wy = track.world[:, :, 0], track.world[:, :, 1]
    world[:, :, 0] = c * wx - s * wy
    world[:, :, 1] = s * wx + c * wy
    return replace(track, landmarks=landmarks, world=world)


HIPS = (INDEX["left_hip"], INDEX["right_hip"])


def _pixels_per_metre(track: PoseTrack, px: np.ndarray) -> float:
    """The pose's pixels per metre: image over world lengths of the thighs, shins and trunk
    sides, where the body is most nearly across the picture (the 90th percentile of the frames:
    a segment pointing at the camera is short in the picture, never long)."""
    seg = [
        (INDEX[f"{side}_{a}"], INDEX[f"{side}_{b}"])
        for side in SIDES
        for a, b in (("hip", "knee"), ("knee", "ankle"), ("shoulder", "hip"))
    ]
    image_len = sum(np.linalg.norm(px[:, i] - px[:, j], axis=1) for i, j in seg)
    world_len = sum(np.linalg.norm(track.world[:, i] - track.world[:, j], axis=1) for i, j in seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = image_len / world_len
    return float(np.nanpercentile(ratio, 90)) if np.isfinite(ratio).any() else 0.0


def pitched(track: PoseTrack, degrees: float) -> PoseTrack:
    """The track of a camera pitched down by ``degrees`` (negative: up), as a phone on a shelf
    looks down at the person and one on the floor looks up: each pose turns about the horizontal
    line through its hips, so what is farther from the camera rises in the picture (looking
    down), a vertical segment shortens by the cosine and one pointing away from the camera turns
    up into the picture. World points (camera-aligned, origin between the hips) turn about their
    origin, so every 3D angle is unchanged; image points move by the same turn of their world
    position, at the pose's pixels per metre (image over world segment lengths, the frames where
    the body is most nearly across the picture). The model's depth guess is taken from the world
    points: the image ``z`` reads three to four times deeper than that on the sample tracks, and
    turned into height it would put a lying person's feet in the air. The image ``z`` itself
    turns with the heights, at that same stretch (as the model would guess the new depths; see
    ``turned``). A projection without perspective: only where the points would land is imitated,
    not how the pose model would see a body from above."""
    return _turned_about_hips(track, degrees, Y)


def turned(track: PoseTrack, degrees: float) -> PoseTrack:
    """The track of a camera moved ``degrees`` round the person (an angled view where the clip
    was side-on or front-on): each pose turns about the vertical line through its hips, so that
    what is nearer the camera than the hips moves left in the picture for positive degrees and
    what is farther moves right; a segment across the picture shortens by the cosine and one
    pointing at the camera turns out into the picture. As ``pitched``: world points (camera-aligned,
    origin between the hips) turn about their origin, so every 3D angle is unchanged; image
    points move by the same turn of their world depth at the pose's pixels per metre, and the
    image depth (in the picture's width, as MediaPipe gives it) turns with the image x at the
    model's own depth scale (below). Heights in the picture do not change. A projection without
    perspective, and with the visibility the clip had: only where the points would land is
    imitated, not which ones the model would then see (turned toward the camera, the far leg
    shows more)."""
    # the same turn as ``pitched``'s, about the vertical instead of the horizontal: turning the
    # camera left (degrees > 0) turns the world's x toward its depth the other way round
    return _turned_about_hips(track, -degrees, X)


def _turned_about_hips(track: PoseTrack, degrees: float, axis: int) -> PoseTrack:
    """Each pose turned by ``degrees`` about the line through its hips along the picture's other
    axis: ``axis`` Y (the picture's up) turns toward the depth about the horizontal, X (across)
    about the vertical. World points turn about their origin; image points along ``axis`` move by
    the same turn of their world depth at the pose's pixels per metre, and the image depth turns
    with them at the model's own depth scale (``_image_depth_scale``)."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    w, h = track.image_size
    landmarks = track.landmarks.copy()
    world = track.world.copy()
    if not len(world):
        return replace(track, landmarks=landmarks, world=world)
    px = landmarks[:, :, [X, Y]] * np.array([w, h], dtype=np.float64)
    per_metre = _pixels_per_metre(track, px)
    hips = list(HIPS)
    wa, wz = track.world[:, :, axis], track.world[:, :, 2]
    world[:, :, axis] = c * wa - s * wz
    world[:, :, 2] = s * wa + c * wz
    # z grows away from the camera: a point beyond the hips (z > 0) moves toward -axis
    a = px[:, :, axis]
    ca = a[:, hips].mean(axis=1, keepdims=True)
    dz = (wz - wz[:, hips].mean(axis=1, keepdims=True)) * per_metre
    landmarks[:, :, axis] = (ca + c * (a - ca) - s * dz) / (w, h)[axis]
    # The image depth is the model's guess of the world depth, k times too deep (k ~3.5 on the
    # sample tracks, r 0.96-1.00 against the world points): the turned depth keeps that guess's
    # scale, or image-space angles (which read it) would change as no camera makes them.
    z = track.landmarks[:, :, Z].astype(np.float64)
    zc = z[:, hips].mean(axis=1, keepdims=True)
    k = _image_depth_scale(track, (z - zc) * w, dz)
    landmarks[:, :, Z] = zc + c * (z - zc) + s * k * (a - ca) / w
    return replace(track, landmarks=landmarks, world=world)


def _image_depth_scale(track: PoseTrack, image_depth_px: np.ndarray, world_depth_px: np.ndarray) -> float:
    """How many times deeper the image depth reads than the world depth (both from the hips, in
    pixels): least squares over every landmark seen, 1.0 where nothing is."""
    finite = np.isfinite(image_depth_px) & np.isfinite(world_depth_px)
    seen = (track.landmarks[:, :, VISIBILITY] > 0.5) & finite
    a, b = image_depth_px[seen], world_depth_px[seen]
    bb = float((b * b).sum())
    return float((a * b).sum()) / bb if bb > 0 else 1.0


def jittered(track: PoseTrack, sigma: float, *, seed: int = 0) -> PoseTrack:
    """Independent Gaussian noise on every landmark of every frame.

    ``sigma`` is a fraction of the picture's height for image points (the same number of pixels
    in x and y) and of a 1.7 m person for world points, so one figure means one amount of
    noise relative to the body in both spaces.
    """
    rng = np.random.default_rng(seed)
    w, h = track.image_size
    landmarks = track.landmarks.copy()
    shape = landmarks.shape[:2]
    landmarks[:, :, X] += (rng.normal(0.0, sigma * h, shape) / w).astype(np.float32)
    landmarks[:, :, Y] += rng.normal(0.0, sigma, shape).astype(np.float32)
    world = track.world + rng.normal(0.0, sigma * 1.7, track.world.shape).astype(np.float32)
    return replace(track, landmarks=landmarks, world=world)


def retimed(track: PoseTrack, factor: float) -> PoseTrack:
    """Every timestamp multiplied by ``factor``: 1.5 is the same movement 50 % slower.

    The frames stay the same, so the frame rate becomes ``fps / factor``.
    """
    if factor <= 0:
        raise ValueError(f"factor must be positive, got {factor}")
    t_ms = np.round(track.t_ms * factor).astype(np.int64)
    meta = dict(track.meta, fps=track.fps / factor if track.fps else 0.0)
    return replace(track, meta=meta, t_ms=t_ms)


def late_start(track: PoseTrack, seconds: float = 1.0) -> PoseTrack:
    """The recording started ``seconds`` later: the frames before cut off, timestamps kept (so
    the expectations' times stay valid)."""
    if len(track) == 0:
        return track
    keep = np.flatnonzero(track.t_ms >= track.t_ms[0] + seconds * 1000.0)
    return _frames(track, keep, fps=track.fps)


def early_end(track: PoseTrack, seconds: float = 1.0) -> PoseTrack:
    """The recording stopped ``seconds`` early (a user reaching for the stop button mid-rep):
    the last frames cut off."""
    if len(track) == 0:
        return track
    keep = np.flatnonzero(track.t_ms <= track.t_ms[-1] - seconds * 1000.0)
    return _frames(track, keep, fps=track.fps)


def gap_bounds_ms(track: PoseTrack, seconds: float = 1.0) -> tuple[float, float]:
    """Where ``with_gap`` loses its frames: ``seconds`` centred on the middle of the track."""
    if len(track) == 0:
        return 0.0, 0.0
    middle = (float(track.t_ms[0]) + float(track.t_ms[-1])) / 2.0
    return middle - seconds * 500.0, middle + seconds * 500.0


def with_gap(track: PoseTrack, seconds: float = 1.0) -> PoseTrack:
    """``seconds`` of frames lost in the middle of the track (a stalled camera or decoder, a
    dropped network stream): no frame at all arrives in between."""
    lo, hi = gap_bounds_ms(track, seconds)
    keep = np.flatnonzero((track.t_ms < lo) | (track.t_ms >= hi))
    return _frames(track, keep, fps=track.fps)


CUT_ZOOM = 1.25  # the next shot a quarter closer (or further): a cut between two cameras, a zoom
CUT_MARGIN = 0.02  # of the picture: the closer shot keeps the whole person this far inside it
CUT_SHIFT = 0.1  # of the picture's width: the next shot's framing moves the person across


def cut_bounds_ms(track: PoseTrack, seconds: float = 1.0) -> tuple[float, float, float]:
    """Where ``edited_cut`` removes its frames (as ``gap_bounds_ms``), and by how much the frames
    after it move earlier: the time removed, less one frame interval (so the first frame after
    the cut follows the last one before it as the next frame would)."""
    lo, hi = gap_bounds_ms(track, seconds)
    before = track.t_ms[track.t_ms < lo]
    after = track.t_ms[track.t_ms >= hi]
    if not len(before) or not len(after):
        return lo, hi, 0.0
    step = float(np.median(np.diff(track.t_ms))) if len(track) > 1 else 0.0
    return lo, hi, max(0.0, float(after[0] - before[-1]) - step)


def edited_cut(track: PoseTrack, seconds: float = 1.0) -> PoseTrack:
    """An edited video: ``seconds`` in the middle cut out and the time closed up (the frame after
    the cut follows the one before it at once), and the shot after it framed differently: closer
    (``CUT_ZOOM`` about the person's middle) where the whole person still fits in the picture,
    else wider (``1 / CUT_ZOOM``), and the person moved ``CUT_SHIFT`` of the picture across it,
    toward its middle, where they still fit. The person is seen throughout, but the movement and
    the body's place and size in the picture jump from one frame to the next."""
    _, hi, shift = cut_bounds_ms(track, seconds)
    out = with_gap(track, seconds)  # the same frames lost, their times then closed up
    if shift <= 0.0:
        return out
    after = out.t_ms >= hi
    t_ms = np.where(after, out.t_ms - round(shift), out.t_ms).astype(out.t_ms.dtype)
    rows = np.repeat(after, out.pose_count)
    landmarks = out.landmarks.copy()
    moved = landmarks[rows]
    xy = moved[:, :, [X, Y]].astype(np.float64)
    seen = moved[:, :, VISIBILITY] >= 0.5
    if not seen.any():
        return replace(out, t_ms=t_ms)
    lo_xy, hi_xy = xy[seen].min(axis=0), xy[seen].max(axis=0)
    centre = (lo_xy + hi_xy) / 2.0
    half = np.maximum((hi_xy - lo_xy) / 2.0, 1e-6)
    room = np.minimum(centre, 1.0 - centre)  # from the person's middle to the nearer edge
    zoom = CUT_ZOOM if bool((half * CUT_ZOOM <= room - CUT_MARGIN).all()) else 1.0 / CUT_ZOOM
    # and the person a little off where they were across the picture, toward its middle, where
    # they still fit in it
    across = CUT_SHIFT if centre[0] < 0.5 else -CUT_SHIFT
    if abs(centre[0] + across - 0.5) + half[0] * zoom > 0.5 - CUT_MARGIN:
        across = 0.0
    moved[:, :, [X, Y]] = centre + (xy - centre) * zoom + np.array([across, 0.0])
    moved[:, :, Z] *= zoom
    landmarks[rows] = moved
    return replace(out, t_ms=t_ms, landmarks=landmarks)


def flickering(track: PoseTrack, share: float, *, seed: int = 0) -> PoseTrack:
    """The detection lost on ``share`` of the frames, at random (seeded): the frames still
    arrive, with nobody in them (a dim room, a far or half-hidden person, a detector on the edge
    of its confidence)."""
    counts = track.pose_count
    if len(track) == 0:
        return track
    lost = (np.random.default_rng(seed).random(len(track)) < share) & (counts > 0)
    kept_rows = np.repeat(~lost, counts)
    return replace(
        track,
        pose_count=np.where(lost, 0, counts).astype(counts.dtype),
        landmarks=track.landmarks[kept_rows],
        world=track.world[kept_rows],
    )


def farther(track: PoseTrack, factor: float) -> PoseTrack:
    """The person filmed from further away: the picture shrunk by ``factor`` about its centre
    (depth with it; world landmarks, in metres, unchanged). What lay outside the picture stays
    unseen, though it now falls inside."""
    from formcheck.engine.landmark_rows import FRAME_MARGIN

    landmarks = track.landmarks.copy()
    xy = landmarks[:, :, [X, Y]]
    outside = ((xy < -FRAME_MARGIN) | (xy > 1 + FRAME_MARGIN)).any(axis=2)
    landmarks[:, :, [X, Y]] = 0.5 + (xy - 0.5) * factor
    landmarks[:, :, Z] *= factor
    landmarks[outside, VISIBILITY] = 0.0
    landmarks[outside, PRESENCE] = 0.0
    return replace(track, landmarks=landmarks)


LOWER_LEG = {
    side: tuple(INDEX[f"{side}_{part}"] for part in ("knee", "ankle", "heel", "foot_index")) for side in SIDES
}


def leg_flickering(track: PoseTrack, share: float, *, seed: int = 0) -> PoseTrack:
    """On ``share`` of the frames (at random, seeded) the knee, ankle and foot of one leg (either,
    at random) are unseen (visibility 0): a leg half hidden behind the other, or just outside the
    picture, whose visibility flickers about the rules' limit."""
    rng = np.random.default_rng(seed)
    landmarks = track.landmarks.copy()
    hit = rng.random(len(landmarks)) < share
    left = rng.random(len(landmarks)) < 0.5
    for side, rows in (("left", hit & left), ("right", hit & ~left)):
        for i in LOWER_LEG[side]:
            landmarks[rows, i, VISIBILITY] = 0.0
    return replace(track, landmarks=landmarks)


FEET = tuple(INDEX[f"{side}_{part}"] for side in SIDES for part in ("ankle", "heel", "foot_index"))


def without_feet(track: PoseTrack) -> PoseTrack:
    """The picture cut at the shins: ankles, heels and toes below the bottom edge and unseen
    (visibility and presence 0), as a close-up or a laptop camera on a desk gives."""
    landmarks = track.landmarks.copy()  # world landmarks share the picture's visibility
    landmarks[:, FEET, VISIBILITY] = 0.0
    landmarks[:, FEET, PRESENCE] = 0.0
    landmarks[:, FEET, Y] = np.maximum(landmarks[:, FEET, Y], 1.05)
    return replace(track, landmarks=landmarks)


def with_still_bystander(track: PoseTrack, *, seed: int = 0) -> PoseTrack:
    """A second person standing still beside the subject on every frame, from the first one on
    (a coach or a relative in the room, seen before the exerciser is, as MediaPipe may list them
    first): the subject's own first pose, a tenth nearer the camera (10 % bigger), standing just
    beyond the stretch of the picture the subject moves through, on the side with more room,
    with landmark noise of 0.2 % of the picture height (the model's jitter on a still person);
    landmarks it pushes out of the picture are unseen. A track that already holds two people (a
    real bystander) is returned as it is."""
    counts = track.pose_count
    if len(track) == 0 or counts.max() != 1:
        return track
    offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
    first = int(offsets[int(np.flatnonzero(counts)[0])])
    template = track.landmarks[first].copy()
    torso = template[list(TORSO), :2].mean(axis=0)
    template[:, :2] = torso + (template[:, :2] - torso) * 1.1
    seen = track.landmarks[:, :, VISIBILITY] >= 0.5
    xs = track.landmarks[:, :, X][seen]
    lo, hi = (float(np.min(xs)), float(np.max(xs))) if xs.size else (0.4, 0.6)
    margin = 0.05
    if 1.0 - hi >= lo:  # more room on the right
        template[:, X] += hi + margin - float(template[:, X].min())
    else:
        template[:, X] -= float(template[:, X].max()) - (lo - margin)
    rng = np.random.default_rng(seed)
    w, h = track.image_size
    n = len(track)
    bystander = np.repeat(template[None], n, axis=0)
    bystander[:, :, X] += (rng.normal(0.0, 0.002 * h, (n, len(template))) / max(w, 1)).astype(np.float32)
    bystander[:, :, Y] += rng.normal(0.0, 0.002, (n, len(template))).astype(np.float32)
    xy = bystander[:, :, [X, Y]]
    outside = ((xy < 0) | (xy > 1)).any(axis=2)
    bystander[:, :, VISIBILITY] = np.where(outside, 0.0, bystander[:, :, VISIBILITY])
    world = np.repeat(track.world[first][None], n, axis=0)
    starts = offsets[:-1]  # each frame's bystander goes before its subject
    return replace(
        track,
        pose_count=counts + 1,
        landmarks=np.insert(track.landmarks, starts, bystander, axis=0),
        world=np.insert(track.world, starts, world, axis=0),
    )


def _frames(track: PoseTrack, keep: np.ndarray, *, fps: float) -> PoseTrack:
    """The frames ``keep`` (sorted indices) of ``track``, with their poses."""
    offsets = np.concatenate([[0], np.cumsum(track.pose_count, dtype=np.int64)])
    rows = np.concatenate([np.arange(offsets[i], offsets[i + 1]) for i in keep] or [np.zeros(0, np.int64)])
    meta = dict(track.meta, fps=fps, frame_count=len(keep))
    return PoseTrack(
        meta=meta,
        frame_index=track.frame_index[keep],
        t_ms=track.t_ms[keep],
        pose_count=track.pose_count[keep],
        landmarks=track.landmarks[rows],
        world=track.world[rows],
    )
