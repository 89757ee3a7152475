"""Compile one measure on one side into a flat function ``read(geometry) -> value | None``.

The generic ``MeasureReader`` would branch on the measure's kind, look up its indices and call
the geometry helpers on every frame; a compiled reader has its landmark indices and options
bound at load time and the arithmetic inlined. The arithmetic is that of the helpers in
``geometry`` (``interior_angle``, ``tilt``, ``lean``, ``fppa``, ``_dist``), spelled out with the
same operations in the same order, so the values are bit-identical.

``max(-1.0, min(1.0, x))`` is spelled ``x if x < 1.0 else 1.0``, then ``x if x > -1.0 else -1.0``:
the builtins' exact semantics (``min`` keeps its first argument unless a later one is smaller,
so NaN gives 1.0), without two calls.

Coordinates are always 3 values per landmark here (image: pixels with z scaled like x; world:
metres), which is what selects the 3D path of ``interior_angle``; a ``space: picture`` measure
reads only the first two (``_flat``), as the generic reader does on 2D points.
"""

from __future__ import annotations

from collections.abc import Callable
from math import acos, asin, atan2, degrees, hypot, sqrt

from formcheck.engine.geometry import DEPTH_KINDS, ELEVATION_SIZE_FOLLOW, MIN_NORM, NOT_YET, FrameGeometry
from formcheck.engine.level import CameraLevel, is_levelled, levelled
from formcheck.rules.model import PLACE_KINDS, Measure

Reader = Callable[[FrameGeometry], float | None]


def compile_reader(measure: Measure, idx: tuple[int, ...], level: CameraLevel | None = None) -> Reader:
    """The reader of ``measure`` on the landmarks ``idx`` (one side's indices). ``level``: the
    camera's tilt once learnt (``level.CameraLevel``), which world tilts and leans turn their
    segment by."""
    kind = measure.kind
    if measure.space == "picture" and kind in DEPTH_KINDS:
        return _flat(idx, measure)
    if kind == "angle":
        return _angle(idx, measure.convention == "flexion")
    level = level if is_levelled(measure) else None
    if kind == "tilt":
        return _tilt(idx, measure.tilt_from, level)
    if kind == "lean":
        return _lean(idx, level)
    if kind == "fppa":
        return _fppa(idx)
    if kind == "height":
        return _height(idx, measure.per)
    if kind in PLACE_KINDS:
        return _place(idx, measure.per, across=kind == "across")
    return _distance(idx, measure.per, measure.axis)


def _angle(idx: tuple[int, ...], flexion: bool) -> Reader:
    ia, ib, ic = idx

    def angle(geo: FrameGeometry) -> float | None:
        ok = geo.ok
        if not (ok[ia] and ok[ib] and ok[ic]):
            return None
        co = geo.coords
        a, b, c = co[ia], co[ib], co[ic]
        b0, b1, b2 = b[0], b[1], b[2]
        u0, u1, u2 = a[0] - b0, a[1] - b1, a[2] - b2
        v0, v1, v2 = c[0] - b0, c[1] - b1, c[2] - b2
        nu = sqrt(u0 * u0 + u1 * u1 + u2 * u2)
        nv = sqrt(v0 * v0 + v1 * v1 + v2 * v2)
        if nu < MIN_NORM or nv < MIN_NORM:
            return None
        cos = (u0 * v0 + u1 * v1 + u2 * v2) / (nu * nv)
        cos = cos if cos < 1.0 else 1.0  # clamped as max(-1.0, min(1.0, cos)) would (see above)
        inner = degrees(acos(cos if cos > -1.0 else -1.0))
        return 180.0 - inner if flexion else inner

    return angle


def _tilt(idx: tuple[int, ...], reference: str, level: CameraLevel | None) -> Reader:
    ia, ib = idx
    # the angle from straight up uses -y, from straight down +y; from the horizontal it is
    # signed, asin(-y): positive while the second point is above the first
    sign = -1.0 if reference == "up" else 1.0
    horizontal = reference not in ("up", "down")

    def tilt(geo: FrameGeometry) -> float | None:
        ok = geo.ok
        if not (ok[ia] and ok[ib]):
            return None
        co = geo.coords
        a, b = co[ia], co[ib]
        v0, v1, v2 = b[0] - a[0], b[1] - a[1], b[2] - a[2]
        if level is not None and (r := level.rotation) is not None:
            v0, v1, v2 = levelled(r, v0, v1, v2)
        n = sqrt(v0 * v0 + v1 * v1 + v2 * v2)
        if n < MIN_NORM:
            return None
        vy = v1 / n
        if horizontal:
            return degrees(asin(min(1.0, max(-1.0, -vy))))
        vy = sign * vy  # exactly -vy or vy
        vy = vy if vy < 1.0 else 1.0
        return degrees(acos(vy if vy > -1.0 else -1.0))

    return tilt


def _lean(idx: tuple[int, ...], level: CameraLevel | None) -> Reader:
    ia, ib = idx

    def lean(geo: FrameGeometry) -> float | None:
        ok = geo.ok
        if not (ok[ia] and ok[ib]):
            return None
        facing = geo.facing_found  # found once per frame, for every lean
        if facing is NOT_YET:
            facing = geo.facing()
        if facing is None:
            return None
        co = geo.coords
        a, b = co[ia], co[ib]
        v0, v1, v2 = b[0] - a[0], b[1] - a[1], b[2] - a[2]
        if level is not None and (r := level.rotation) is not None:
            v0, v1, v2 = levelled(r, v0, v1, v2)
        forward = v0 * facing[0] + v2 * facing[1]
        up = -v1  # y grows downwards
        if hypot(forward, up) < MIN_NORM:
            return None
        return degrees(atan2(forward, up))

    return lean


def _fppa(idx: tuple[int, ...]) -> Reader:
    ih, ik, ia, io = idx  # hip, knee, ankle of the side, and the other hip

    def fppa(geo: FrameGeometry) -> float | None:
        ok = geo.ok
        if not (ok[ih] and ok[ik] and ok[ia] and ok[io]):
            return None
        co = geo.coords
        hip, knee, ankle, other = co[ih], co[ik], co[ia], co[io]
        h0, h1, k0, k1 = hip[0], hip[1], knee[0], knee[1]
        # the interior hip-knee-ankle angle in the image plane (2D ``interior_angle``)
        u0, u1 = h0 - k0, h1 - k1
        v0, v1 = ankle[0] - k0, ankle[1] - k1
        nu = sqrt(u0 * u0 + u1 * u1)
        nv = sqrt(v0 * v0 + v1 * v1)
        if nu < MIN_NORM or nv < MIN_NORM:
            return None
        cos = (u0 * v0 + u1 * v1) / (nu * nv)
        cos = cos if cos < 1.0 else 1.0  # clamped as max(-1.0, min(1.0, cos)) would (see above)
        inner = degrees(acos(cos if cos > -1.0 else -1.0))
        dx, dy = ankle[0] - h0, ankle[1] - h1
        knee_side = dx * (k1 - h1) - dy * (k0 - h0)
        midline_side = dx * (other[1] - h1) - dy * (other[0] - h0)
        deflection = 180.0 - inner
        return deflection if knee_side * midline_side > 0 else -deflection

    return fppa


def _height(idx: tuple[int, ...], per: str) -> Reader:
    ia, ib = idx

    def height(geo: FrameGeometry) -> float | None:
        ok = geo.ok
        if not (ok[ia] and ok[ib]):
            return None
        norm = geo.norm(per)
        if norm is None:
            return None
        co = geo.coords
        return (co[ib][1] - co[ia][1]) / norm

    return height


def _place(idx: tuple[int, ...], per: str, across: bool) -> Reader:
    """Where a point is in the picture per body size, from where it was first seen: up the
    picture (elevation) or across it to the right (across)."""
    (ia,) = idx
    axis, sign = (0, 1.0) if across else (1, -1.0)  # y grows downwards in the picture
    size: float | None = None  # the body size followed so far, and
    origin: float | None = None  # the point's first place in the picture (this reader's state)

    def place(geo: FrameGeometry) -> float | None:
        nonlocal size, origin
        if not geo.ok[ia]:
            return None
        norm = geo.picture_norm(per)
        if norm is None:
            return None
        size = norm if size is None else size + ELEVATION_SIZE_FOLLOW * (norm - size)
        v = geo.coords[ia][axis]
        if origin is None:
            origin = v
        return sign * (v - origin) / size

    return place


def _distance(idx: tuple[int, ...], per: str, axis: str) -> Reader:
    ia, ib = idx
    # the coordinate a distance along one axis reads (None: the straight-line distance)
    col = 0 if axis == "horizontal" else 1 if axis == "vertical" else None

    def distance(geo: FrameGeometry) -> float | None:
        ok = geo.ok
        if not (ok[ia] and ok[ib]):
            return None
        norm = geo.norm(per)
        if norm is None:
            return None
        co = geo.coords
        a, b = co[ia], co[ib]
        if col is not None:
            return abs(a[col] - b[col]) / norm
        dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
        return sqrt(dx * dx + dy * dy + dz * dz) / norm

    return distance


def _flat(idx: tuple[int, ...], measure: Measure) -> Reader:
    """The reader of an angle, tilt, distance or height measured flat in the picture (x and y;
    body sizes by ``picture_norm``): the 2D paths of ``interior_angle``, ``tilt`` and ``_dist``."""
    kind, per, col = measure.kind, measure.per, None
    flexion = measure.convention == "flexion"
    sign = -1.0 if measure.tilt_from == "up" else 1.0
    horizontal = measure.tilt_from not in ("up", "down")
    if kind == "distance" and measure.axis != "any":
        col = 0 if measure.axis == "horizontal" else 1
    ia, ib = idx[0], idx[1]
    ic = idx[2] if kind == "angle" else ib

    def flat(geo: FrameGeometry) -> float | None:
        ok = geo.ok
        if not (ok[ia] and ok[ib] and ok[ic]):
            return None
        co = geo.coords
        a, b = co[ia], co[ib]
        if kind == "angle":
            c = co[ic]
            b0, b1 = b[0], b[1]
            u0, u1 = a[0] - b0, a[1] - b1
            v0, v1 = c[0] - b0, c[1] - b1
            nu = sqrt(u0 * u0 + u1 * u1)
            nv = sqrt(v0 * v0 + v1 * v1)
            if nu < MIN_NORM or nv < MIN_NORM:
                return None
            cos = (u0 * v0 + u1 * v1) / (nu * nv)
            cos = cos if cos < 1.0 else 1.0  # clamped as max(-1.0, min(1.0, cos)) would
            inner = degrees(acos(cos if cos > -1.0 else -1.0))
            return 180.0 - inner if flexion else inner
        if kind == "tilt":
            v0, v1 = b[0] - a[0], b[1] - a[1]
            n = sqrt(v0 * v0 + v1 * v1)
            if n < MIN_NORM:
                return None
            vy = v1 / n
            if horizontal:
                return degrees(asin(min(1.0, max(-1.0, -vy))))
            vy = sign * vy  # exactly -vy or vy
            vy = vy if vy < 1.0 else 1.0
            return degrees(acos(vy if vy > -1.0 else -1.0))
        norm = geo.picture_norm(per)
        if norm is None:
            return None
        if kind == "height":
            return (b[1] - a[1]) / norm
        if col is not None:
            return abs(a[col] - b[col]) / norm
        dx, dy = a[0] - b[0], a[1] - b[1]
        return sqrt(dx * dx + dy * dy) / norm

    return flat
