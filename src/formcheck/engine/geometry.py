"""Measures: numbers computed from one pose's landmarks.

Each ``Measure`` of a rule is compiled once into a ``MeasureReader`` holding the landmark
indices for each side; per frame it does a handful of float operations on Python lists (cheaper
than numpy calls on a 33×5 array, which cost a microsecond each).

Conventions (image plane unless ``space: world``): pixel coordinates, y down; angles in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from math import hypot, sqrt

from formcheck.engine.level import CameraLevel, is_levelled, levelled
from formcheck.landmarks import INDEX, SIDED_JOINTS, index_of
from formcheck.rules.model import PLACE_KINDS, Measure

Point = Sequence[float]
MIN_NORM = 1e-6
_ORIGIN = (0.0, 0.0, 0.0)

_LEG = {s: (INDEX[f"{s}_hip"], INDEX[f"{s}_knee"], INDEX[f"{s}_ankle"]) for s in ("left", "right")}
_LEGS = tuple(_LEG.values())
_HIPS = (INDEX["left_hip"], INDEX["right_hip"])
_SHOULDERS = (INDEX["left_shoulder"], INDEX["right_shoulder"])
_ANKLES = (INDEX["left_ankle"], INDEX["right_ankle"])
_PAIR_NORMS = {"hip_width": _HIPS, "shoulder_width": _SHOULDERS, "ankle_width": _ANKLES}


_FEET = tuple((INDEX[f"{s}_heel"], INDEX[f"{s}_foot_index"]) for s in ("left", "right"))
(_LEFT_HEEL, _LEFT_TOE), (_RIGHT_HEEL, _RIGHT_TOE) = _FEET
_NOSE = INDEX["nose"]
_EARS = (INDEX["left_ear"], INDEX["right_ear"])
# ``FrameGeometry.facing_found`` before the facing direction is looked for (compared by identity)
NOT_YET: tuple[float, float] = (math.nan, math.nan)
# How quickly an elevation's body size follows the person: a thirtieth of the way each frame
# (about a second at 30 frames/s). Followed slowly, the size stays put while the body rises and
# sinks. The height itself is taken from where the point was first seen, not from the top of the
# picture: what the size still wavers by multiplies the height it divides, and measured from the
# picture's top that is hundreds of pixels, a different number for every framing (the same calf
# raise filmed from twice as far read a different count); from the first sighting it is the
# rise itself, a few tens.
ELEVATION_SIZE_FOLLOW = 1.0 / 30.0
# the landmarks the body-size normalisers and the facing direction read
NORM_POINTS = frozenset(i for leg in _LEG.values() for i in leg) | {*_HIPS, *_SHOULDERS, *_ANKLES}
FACING_POINTS = frozenset(i for foot in _FEET for i in foot) | {_NOSE, *_EARS}


class FrameGeometry:
    """The coordinates of one pose, as plain lists, and cached body-size normalisers.

    ``coords``: three values per landmark (image: pixels, with z scaled like x; world: metres).
    ``planar``: image coordinates, whose z (MediaPipe's depth guess) is too rough for a facing
    direction, so the facing direction is read along x only; world coordinates use x and z.
    """

    __slots__ = ("_norms", "coords", "facing_found", "ok", "planar")

    def __init__(self, coords: Sequence[Point], visible: list[bool], planar: bool = True) -> None:
        self.coords = coords
        self.ok = visible
        self.planar = planar
        self._norms: dict[str, float | None] | None = None  # made when a norm is first asked for
        # the facing direction once looked for (``facing()``): readers check it before calling
        self.facing_found: tuple[float, float] | None = NOT_YET

    def facing(self) -> tuple[float, float] | None:
        """Unit horizontal (x, z) direction the person faces: heel→toe of the seen feet, else
        ears→nose; None when neither is seen."""
        if self.facing_found is not NOT_YET:
            return self.facing_found
        # (Once a frame for a rule with a lean: the two feet spelled out, no helper calls.)
        c, ok, planar = self.coords, self.ok, self.planar
        dx = dz = 0.0
        if ok[_LEFT_HEEL] and ok[_LEFT_TOE]:
            heel, toe = c[_LEFT_HEEL], c[_LEFT_TOE]
            dx += toe[0] - heel[0]
            dz += toe[2] - heel[2]
        if ok[_RIGHT_HEEL] and ok[_RIGHT_TOE]:
            heel, toe = c[_RIGHT_HEEL], c[_RIGHT_TOE]
            dx += toe[0] - heel[0]
            dz += toe[2] - heel[2]
        if planar:
            dz = 0.0
        n = hypot(dx, dz)
        if n < MIN_NORM:  # no direction from the feet: ears -> nose
            ears = [c[i] for i in _EARS if ok[i]]
            if not ok[_NOSE] or not ears:
                self.facing_found = None
                return None
            dx = c[_NOSE][0] - sum(e[0] for e in ears) / len(ears)
            dz = 0.0 if planar else c[_NOSE][2] - sum(e[2] for e in ears) / len(ears)
            n = hypot(dx, dz)
        found = self.facing_found = (dx / n, dz / n) if n >= MIN_NORM else None
        return found

    def norm(self, per: str) -> float | None:
        norms = self._norms
        if norms is None:
            norms = self._norms = {}
        elif per in norms:
            return norms[per]
        pair = _PAIR_NORMS.get(per)
        if pair is None:
            value = norms[per] = self._leg_length() if per == "leg_length" else self._compute_norm(per)
            return value
        # a width (the usual norm), spelled out: ``_dist`` of the pair, without the calls
        i, j = pair
        ok = self.ok
        value = None
        if ok[i] and ok[j]:
            a, b = self.coords[i], self.coords[j]
            dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
            value = sqrt(dx * dx + dy * dy + dz * dz)
            if not value > MIN_NORM:
                value = None
        norms[per] = value
        return value

    def _leg_length(self) -> float | None:
        """``_compute_norm("leg_length")`` spelled out: the same sums in the same order, without
        a helper call per segment (a rule reading heights in leg lengths asks for it every frame)."""
        c, ok = self.coords, self.ok
        longest = None
        for h, k, a in _LEGS:
            if ok[h] and ok[k] and ok[a]:
                hip, knee, ankle = c[h], c[k], c[a]
                dx, dy, dz = hip[0] - knee[0], hip[1] - knee[1], hip[2] - knee[2]
                ex, ey, ez = knee[0] - ankle[0], knee[1] - ankle[1], knee[2] - ankle[2]
                leg = sqrt(dx * dx + dy * dy + dz * dz) + sqrt(ex * ex + ey * ey + ez * ez)
                if longest is None or leg > longest:  # as ``max``: the first of equals, NaN alike
                    longest = leg
        return longest if longest is not None and longest > MIN_NORM else None

    def picture_norm(self, per: str) -> float | None:
        """A body size measured flat in the picture (x and y only): the depth estimate's noise
        would make it waver by 10 % from frame to frame (``elevation`` and ``across``). Cached like
        ``norm``."""
        key = "picture " + per
        norms = self._norms
        if norms is None:
            norms = self._norms = {}
        elif key in norms:
            return norms[key]
        value = norms[key] = self._compute_norm(per, planar=True)
        return value

    def _compute_norm(self, per: str, planar: bool = False) -> float | None:
        """A body size; ``norm`` works the widths out itself in 3D, so here they serve
        ``picture_norm``."""
        c, ok = self.coords, self.ok
        dist = _dist_2d if planar else _dist
        if per == "leg_length":
            legs = [
                dist(c[h], c[k]) + dist(c[k], c[a]) for h, k, a in _LEG.values() if ok[h] and ok[k] and ok[a]
            ]
            value = max(legs) if legs else None  # the longer leg is the less foreshortened one
        elif per in _PAIR_NORMS:
            i, j = _PAIR_NORMS[per]
            value = dist(c[i], c[j]) if ok[i] and ok[j] else None
        else:  # torso_length
            ids = (*_SHOULDERS, *_HIPS)
            if not all(ok[i] for i in ids):
                return None
            sh = _mid(c[_SHOULDERS[0]], c[_SHOULDERS[1]])
            hp = _mid(c[_HIPS[0]], c[_HIPS[1]])
            value = dist(sh, hp)
        return value if value is not None and value > MIN_NORM else None


def lean(a: Point, b: Point, facing: tuple[float, float]) -> float | None:
    """Angle of a→b from straight up, degrees, positive when b is ahead of a in the direction the
    person faces (leaning forward), negative when behind (leaning back); ±180 upside down."""
    vx, vy, vz = b[0] - a[0], b[1] - a[1], b[2] - a[2]
    forward = vx * facing[0] + vz * facing[1]
    up = -vy  # y grows downwards
    if math.hypot(forward, up) < MIN_NORM:
        return None
    return math.degrees(math.atan2(forward, up))


def _dist(a: Point, b: Point) -> float:
    if len(a) == 3 and len(b) == 3:  # spelled out: same sums in the same order, without the generator
        dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
        return math.sqrt(dx * dx + dy * dy + dz * dz)
    if len(a) == 2 and len(b) == 2:
        dx, dy = a[0] - b[0], a[1] - b[1]
        return math.sqrt(dx * dx + dy * dy)
    return math.sqrt(sum((x - y) * (x - y) for x, y in zip(a, b, strict=False)))


def _dist_2d(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _mid(a: Point, b: Point) -> list[float]:
    return [(x + y) / 2 for x, y in zip(a, b, strict=False)]


def interior_angle(a: Point, b: Point, c: Point) -> float | None:
    """Angle at ``b`` between b→a and b→c, degrees 0..180 (None when a segment is empty)."""
    if len(a) == 3 and len(b) == 3 and len(c) == 3:
        return _interior_angle_3d(a, b, c)
    if len(a) == 2 and len(b) == 2 and len(c) == 2:
        return _interior_angle_2d(a, b, c)
    u = [x - y for x, y in zip(a, b, strict=False)]
    v = [x - y for x, y in zip(c, b, strict=False)]
    nu = math.sqrt(sum(x * x for x in u))
    nv = math.sqrt(sum(x * x for x in v))
    if nu < MIN_NORM or nv < MIN_NORM:
        return None
    cos = sum(x * y for x, y in zip(u, v, strict=False)) / (nu * nv)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def _interior_angle_3d(a: Point, b: Point, c: Point) -> float | None:
    """``interior_angle`` for 3D points, spelled out (the same sums in the same order)."""
    u0, u1, u2 = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    v0, v1, v2 = c[0] - b[0], c[1] - b[1], c[2] - b[2]
    nu = math.sqrt(u0 * u0 + u1 * u1 + u2 * u2)
    nv = math.sqrt(v0 * v0 + v1 * v1 + v2 * v2)
    if nu < MIN_NORM or nv < MIN_NORM:
        return None
    cos = (u0 * v0 + u1 * v1 + u2 * v2) / (nu * nv)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def _interior_angle_2d(a: Point, b: Point, c: Point) -> float | None:
    u0, u1 = a[0] - b[0], a[1] - b[1]
    v0, v1 = c[0] - b[0], c[1] - b[1]
    nu = math.sqrt(u0 * u0 + u1 * u1)
    nv = math.sqrt(v0 * v0 + v1 * v1)
    if nu < MIN_NORM or nv < MIN_NORM:
        return None
    cos = (u0 * v0 + u1 * v1) / (nu * nv)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def tilt(a: Point, b: Point, reference: str) -> float | None:
    """Angle of the segment a→b from straight up, straight down, or the horizontal (in 3D for
    3D points, flat for 2D ones)."""
    v0, v1 = b[0] - a[0], b[1] - a[1]
    if len(a) == 3 and len(b) == 3:
        v2 = b[2] - a[2]
        n = math.sqrt(v0 * v0 + v1 * v1 + v2 * v2)
    else:
        n = math.sqrt(v0 * v0 + v1 * v1)
    if n < MIN_NORM:
        return None
    vy = v1 / n  # y grows downwards in image and world coordinates
    if reference == "up":
        return math.degrees(math.acos(max(-1.0, min(1.0, -vy))))
    if reference == "down":
        return math.degrees(math.acos(max(-1.0, min(1.0, vy))))
    return math.degrees(math.asin(min(1.0, max(-1.0, -vy))))


def fppa(hip: Point, knee: Point, ankle: Point, other_hip: Point) -> float | None:
    """Frontal-plane projection angle at the knee: 180 − interior hip-knee-ankle angle, positive
    when the knee sits on the midline side of the hip→ankle line (valgus), negative (varus) else."""
    inner = interior_angle(hip, knee, ankle)
    if inner is None:
        return None
    dx, dy = ankle[0] - hip[0], ankle[1] - hip[1]
    knee_side = dx * (knee[1] - hip[1]) - dy * (knee[0] - hip[0])
    midline_side = dx * (other_hip[1] - hip[1]) - dy * (other_hip[0] - hip[0])
    deflection = 180.0 - inner
    return deflection if knee_side * midline_side > 0 else -deflection


# The kinds whose value uses the depth guess or a 3D body size, so that ``space: picture``
# (flat) reads them differently from ``image``; fppa, elevation and across are flat in any case, and a
# lean needs the depth to tell forward from backward (the schema refuses it flat).
DEPTH_KINDS = frozenset({"angle", "tilt", "distance", "height"})


class MeasureReader:
    """One compiled measure: ``read(geometry, side)`` gives its value or None when unknown."""

    __slots__ = ("_origin", "_size", "indices", "kind", "level", "measure", "name", "reference", "sided")

    def __init__(self, measure: Measure, level: CameraLevel | None = None) -> None:
        """``level``: the camera's tilt once learnt, which world tilts and leans turn their
        segment by (``level.CameraLevel``)."""
        self.measure = measure
        self.level = level if is_levelled(measure) else None
        self.name = measure.name
        self.kind = measure.kind
        self.sided = measure.side is not None
        self.reference = measure.tilt_from
        self._size: dict[str | None, float] = {}  # a place's body size per side, followed slowly
        self._origin: dict[str | None, float] = {}  # a place's first reading in the picture, per side
        points = measure.points
        if measure.kind == "fppa":
            points = ("hip", "knee", "ankle")
        self.indices: dict[str | None, tuple[int, ...]] = {}
        if self.sided:
            for side in ("left", "right"):
                idx = tuple(index_of(p, side) if p in SIDED_JOINTS else INDEX[p] for p in points)
                if measure.kind == "fppa":
                    idx = (*idx, index_of("hip", "right" if side == "left" else "left"))
                self.indices[side] = idx
        else:
            self.indices[None] = tuple(INDEX[p] for p in points)

    def read(self, geo: FrameGeometry, side: str | None) -> float | None:
        idx = self.indices[side]
        ok = geo.ok
        for i in idx:
            if not ok[i]:
                return None
        c = geo.coords
        kind = self.kind
        m = self.measure
        # flat in the picture: the points' depth left out, body sizes measured flat too
        flat = m.space == "picture" and kind in DEPTH_KINDS
        pts = [c[i][:2] for i in idx] if flat else [c[i] for i in idx]
        if kind == "angle":
            inner = interior_angle(pts[0], pts[1], pts[2])
            if inner is None:
                return None
            return 180.0 - inner if m.convention == "flexion" else inner
        if self.level is not None and (r := self.level.rotation) is not None:
            # the segment turned to the true vertical: the same floats as the compiled readers
            a, b = pts[0], pts[1]
            pts = [_ORIGIN, levelled(r, b[0] - a[0], b[1] - a[1], b[2] - a[2])]
        if kind == "tilt":
            return tilt(pts[0], pts[1], self.reference)
        if kind == "lean":
            facing = geo.facing()
            return None if facing is None else lean(pts[0], pts[1], facing)
        if kind == "fppa":
            return fppa(pts[0][:2], pts[1][:2], pts[2][:2], pts[3][:2])
        if kind in PLACE_KINDS:
            return self._place(geo, pts[0], side)
        norm = geo.picture_norm(m.per) if flat else geo.norm(m.per)
        if norm is None:
            return None
        a, b = pts
        if kind == "height":
            return (b[1] - a[1]) / norm
        if m.axis == "horizontal":
            return abs(a[0] - b[0]) / norm
        if m.axis == "vertical":
            return abs(a[1] - b[1]) / norm
        return _dist(a, b) / norm

    def _place(self, geo: FrameGeometry, point: Point, side: str | None) -> float | None:
        """Where a point is in the picture per body size, from where it was first seen: up it
        (elevation) or across it to the right (across); the size followed slowly (see
        ``ELEVATION_SIZE_FOLLOW``): the measures with a memory."""
        norm = geo.picture_norm(self.measure.per)
        if norm is None:
            return None
        size = self._size.get(side)
        size = norm if size is None else size + ELEVATION_SIZE_FOLLOW * (norm - size)
        self._size[side] = size
        if self.kind == "across":
            return (point[0] - self._origin.setdefault(side, point[0])) / size
        return -(point[1] - self._origin.setdefault(side, point[1])) / size  # y grows downwards
