"""Which way the person faces the camera, and which of their sides is nearer to it.

Both are smoothed over about a second and switch only past a margin (hysteresis), so a noisy
frame never flips them.

View: the yaw of the body relative to the camera, 0° facing it, 90° side-on. From world
landmarks (3D, metres) it is the angle of the shoulder line (and hip line) out of the image
plane; without them, from the image alone, the shoulder line's apparent width over the torso's
length (facing the camera the shoulders are about 0.85 torso lengths apart, side-on about 0).
Below FRONT_MAX_DEG is a front view, above SIDE_MIN_DEG a side view, between them "angled".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from math import atan2, degrees, exp, hypot

from formcheck.landmarks import INDEX

FRONT_MAX_DEG = 25.0
SIDE_MIN_DEG = 65.0
MARGIN_DEG = 5.0
MARGIN = 0.05  # nearer-side score hysteresis (z units)
TAU_S = 1.0
FRONT_RATIO = 0.85  # shoulder width / torso length when facing the camera
HIP_TO_SHOULDER = 1.35  # hips are narrower than shoulders; scale their width to compare

_LS, _RS, _LH, _RH = (INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
_PAIRS = tuple((INDEX[f"left_{j}"], INDEX[f"right_{j}"]) for j in ("shoulder", "hip", "knee", "ankle", "ear"))


WORLD_VIEW_POINTS = (_LS, _RS, _LH, _RH)  # the world landmarks the view reads
VIEW_POINTS = tuple(i for pair in _PAIRS for i in pair)  # the image landmarks it reads

# The view is front below the first border, side above the second, else angled; the borders
# by the current view: it stays in its class until clearly past the border (hysteresis).
_BORDERS = {
    "front": (FRONT_MAX_DEG + MARGIN_DEG, SIDE_MIN_DEG),
    "side": (FRONT_MAX_DEG, SIDE_MIN_DEG - MARGIN_DEG),
    "angled": (FRONT_MAX_DEG - MARGIN_DEG, SIDE_MIN_DEG + MARGIN_DEG),
    "unknown": (FRONT_MAX_DEG, SIDE_MIN_DEG),
}


class ViewTracker:
    """``update`` with a frame's coordinates and visibility; read ``view``, ``yaw_deg``, ``nearer``."""

    __slots__ = ("_depth", "_t", "nearer", "view", "yaw_deg")

    def __init__(self) -> None:
        self.yaw_deg: float | None = None
        self._depth: float | None = None
        self._t = 0.0
        self.view = "unknown"  # side | front | angled | unknown
        self.nearer: str | None = None

    def update(
        self,
        t_s: float,
        coords: Sequence[Sequence[float]],
        z: list[float] | None,
        ok: list[bool],
        world: Sequence[Sequence[float]] | None = None,
    ) -> None:
        """``z``: the landmarks' depth; None reads it from ``coords`` (their third value)."""
        dt = t_s - self._t
        self._t = t_s
        # both averages move by the same factor (exponential, time constant TAU_S)
        alpha = 1.0 - exp(-(0.0 if dt < 0.0 else dt) / TAU_S)  # max(dt, 0.0) exactly, without a call
        # (spelled out, not called: this runs every frame)
        yaw = None
        if world is not None:
            # the mean yaw of the shoulder and hip lines, each where one of its ends is seen
            # (world points are estimated even for a hidden side); 0.0 + a + b is ``sum([a, b])``
            # (the two lines spelled out: this runs every frame)
            total, n = 0.0, 0
            if ok[_LS] or ok[_RS]:
                pa, pb = world[_LS], world[_RS]
                dx, dz = pb[0] - pa[0], pb[2] - pa[2]
                if hypot(dx, dz) > 1e-6:
                    total += degrees(atan2(abs(dz), abs(dx)))
                    n = 1
            if ok[_LH] or ok[_RH]:
                pa, pb = world[_LH], world[_RH]
                dx, dz = pb[0] - pa[0], pb[2] - pa[2]
                if hypot(dx, dz) > 1e-6:
                    total += degrees(atan2(abs(dz), abs(dx)))
                    n += 1
            yaw = total / n if n else None
        if yaw is None or yaw - yaw != 0.0:  # unknown, or not finite (x - x: 0.0 when finite)
            yaw = _image_yaw(coords, ok)
        if yaw is not None and yaw - yaw == 0.0:
            prev = self.yaw_deg
            yaw = self.yaw_deg = yaw if prev is None else prev + alpha * (yaw - prev)
            front_max, side_min = _BORDERS[self.view]
            self.view = "front" if yaw < front_max else "side" if yaw > side_min else "angled"
        if z is not None:
            coords = [[0.0, 0.0, d] for d in z]
        # Nearer side score: positive when the left side is nearer the camera. MediaPipe's z is
        # smaller for nearer landmarks; a hidden (far) landmark also tends to have a lower
        # visibility, which ``ok`` reflects, so a side seen alone counts as nearer.
        total, n = 0.0, 0
        for left, right in _PAIRS:
            if ok[left]:
                total += coords[right][2] - coords[left][2] if ok[right] else 0.1
                n += 1
            elif ok[right]:
                total += -0.1
                n += 1
        depth = total / n if n else None
        if depth is not None:
            prev = self._depth
            self._depth = depth = depth if prev is None else prev + alpha * (depth - prev)
            if self.nearer is None:
                self.nearer = "left" if depth >= 0 else "right"
            elif self.nearer == "left" and depth < -MARGIN:
                self.nearer = "right"
            elif self.nearer == "right" and depth > MARGIN:
                self.nearer = "left"

    def reset(self) -> None:
        self.yaw_deg = self._depth = None
        self.view, self.nearer = "unknown", None


def _flat_dist(p: Sequence[float], q: Sequence[float]) -> float:
    """Distance in the image plane: ``math.dist(p[:2], q[:2])`` (the same rounding) without the slices."""
    return math.hypot(p[0] - q[0], p[1] - q[1])


def _image_yaw(c: Sequence[Sequence[float]], ok: list[bool]) -> float | None:
    torso = -1.0  # the longer shoulder-hip distance: side-on one pair may be hidden
    for s, h in ((_LS, _LH), (_RS, _RH)):
        if ok[s] and ok[h]:
            torso = max(torso, _flat_dist(c[s], c[h]))
    if torso <= 1e-6:
        return None
    if ok[_LS] and ok[_RS]:
        width = _flat_dist(c[_LS], c[_RS])
    elif ok[_LH] and ok[_RH]:
        width = _flat_dist(c[_LH], c[_RH]) * HIP_TO_SHOULDER
    else:
        return None
    return math.degrees(math.acos(min(1.0, width / torso / FRONT_RATIO)))
