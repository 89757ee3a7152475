"""The camera's own tilt, learnt from the person standing, so that tilts and leans read in 3D
are measured from the true vertical rather than from the camera's.

MediaPipe's world landmarks are turned with the camera: a phone propped on a shelf looking down
15° (or on the floor looking up) tilts every segment's reading from "straight up" by about as
much, and an upright trunk in a lunge then reads as leaning (``formcheck test --variant
look-down``). Standing on straight legs, the legs carry the body straight up over the feet (the
centre of mass stays over them, within the body's 1-2° of sway) whatever the trunk does: the
line from between the ankles to between the hips, averaged over half a second of standing (five
looks, the model's jitter averaged), is the true vertical as the camera sees it. From then on,
world ``tilt`` and ``lean`` measures turn each segment by the rotation that takes that line to
the camera's vertical before reading its angle. Until the person has been seen standing (or in a
rule done lying down, where they never are) nothing is turned.

Pure and driven by frame timestamps: a replay learns the same level at the same moment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from formcheck.landmarks import INDEX
from formcheck.rules.model import Measure

# Standing: both knees within this of straight. The model rarely reads a straight knee as
# straight: standing knees read 10-28° (the squat rule's notes), so 35° is a knee-angle error
# (~7°) past the highest standing reading, and still short of a quarter squat (45°); the
# ankles-to-hips line must also lie within STANDING_LINE_DEG of the camera's vertical.
STANDING_BEND_DEG = 35.0
# A camera tilted further than this is not levelled (nor are legs lying on the floor or sitting
# taken for standing ones): phones on a shelf or the floor look 10-20° down or up.
STANDING_LINE_DEG = 35.0
# Seconds of standing averaged before the level is fixed, looked at every CHECK_EVERY_S (each
# look standing for the time since the last one, at most MAX_STEP_S: a stalled stream does not
# learn from one frame).
LEARN_S = 0.5
CHECK_EVERY_S = 0.1
MAX_STEP_S = 0.2

_L_HIP, _R_HIP = INDEX["left_hip"], INDEX["right_hip"]
_L_KNEE, _R_KNEE = INDEX["left_knee"], INDEX["right_knee"]
_L_ANK, _R_ANK = INDEX["left_ankle"], INDEX["right_ankle"]
# The landmarks the standing check reads (the engine reads them whenever it levels).
STANDING_POINTS = frozenset({_L_HIP, _R_HIP, _L_KNEE, _R_KNEE, _L_ANK, _R_ANK})

_COS_BEND = math.cos(math.radians(180.0 - STANDING_BEND_DEG))  # interior angle's cosine, straight
_COS_LINE = math.cos(math.radians(STANDING_LINE_DEG))

Point = Sequence[float]
Rotation = tuple[float, float, float, float, float, float, float, float, float]


def is_levelled(measure: Measure) -> bool:
    """Whether ``measure`` is read from the true vertical once learnt: a tilt or lean in 3D."""
    return measure.space == "world" and measure.kind in ("tilt", "lean")


def standing_line(coords: Sequence[Point], ok: Sequence[bool]) -> tuple[float, float, float] | None:
    """The unit line from between the ankles to between the hips (world coordinates) when the
    person stands on straight legs, that line within STANDING_LINE_DEG of the camera's
    vertical; None otherwise. The legs, not the trunk: standing, the trunk may lean (its lean is
    what the rules measure) while the legs carry the body straight up over the feet. (Spelled
    out, the cheapest test first: it runs on every look of a rule whose person never stands.)"""
    if not (ok[_L_HIP] and ok[_R_HIP] and ok[_L_KNEE] and ok[_R_KNEE] and ok[_L_ANK] and ok[_R_ANK]):
        return None
    c = coords
    lh, rh, la, ra = c[_L_HIP], c[_R_HIP], c[_L_ANK], c[_R_ANK]
    lx = (lh[0] + rh[0]) / 2 - (la[0] + ra[0]) / 2
    ly = (lh[1] + rh[1]) / 2 - (la[1] + ra[1]) / 2
    lz = (lh[2] + rh[2]) / 2 - (la[2] + ra[2]) / 2
    n = math.sqrt(lx * lx + ly * ly + lz * lz)
    if n < 1e-6 or -ly < _COS_LINE * n:  # y grows downwards: straight up is (0, -1, 0)
        return None
    for hip, knee, ankle in ((lh, c[_L_KNEE], la), (rh, c[_R_KNEE], ra)):
        # straight: the angle at the knee within STANDING_BEND_DEG of 180°, i.e. its cosine at
        # most _COS_BEND (dot <= C |u| |v|)
        ux, uy, uz = hip[0] - knee[0], hip[1] - knee[1], hip[2] - knee[2]
        vx, vy, vz = ankle[0] - knee[0], ankle[1] - knee[1], ankle[2] - knee[2]
        if ux * vx + uy * vy + uz * vz > _COS_BEND * math.sqrt(
            (ux * ux + uy * uy + uz * uz) * (vx * vx + vy * vy + vz * vz)
        ):
            return None
    return lx / n, ly / n, lz / n


def rotation_to_vertical(up: tuple[float, float, float]) -> Rotation:
    """The rotation (row-major 3x3) taking the unit vector ``up`` to straight up, (0, -1, 0),
    about the axis perpendicular to both (Rodrigues' formula)."""
    ux, uy, uz = up
    # axis = up x (0, -1, 0), |axis| = sin(angle); cos(angle) = up . (0, -1, 0)
    ax, az = uz, -ux
    s2 = ax * ax + az * az
    c = -uy
    if s2 < 1e-18:
        return (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    k = (1.0 - c) / s2
    # R = I + [a]x + k [a]x^2, with a = (ax, 0, az)
    return (
        1.0 + k * (ax * ax - s2), -az, k * ax * az,
        az, 1.0 - k * s2, -ax,
        k * az * ax, ax, 1.0 + k * (az * az - s2),
    )  # fmt: skip


def levelled(r: Rotation, v0: float, v1: float, v2: float) -> tuple[float, float, float]:
    """The vector (v0, v1, v2) turned by ``r``."""
    return (
        r[0] * v0 + r[1] * v1 + r[2] * v2,
        r[3] * v0 + r[4] * v1 + r[5] * v2,
        r[6] * v0 + r[7] * v1 + r[8] * v2,
    )


class CameraLevel:
    """Learns the camera's tilt from the person standing (see the module docstring); then
    ``rotation`` (row-major 3x3) turns world vectors to the true vertical. None until learnt."""

    __slots__ = ("_last_s", "_seen_s", "_sum", "rotation")

    def __init__(self) -> None:
        self.rotation: Rotation | None = None
        self._sum = [0.0, 0.0, 0.0]
        self._seen_s = 0.0
        self._last_s: float | None = None

    def update(self, t_s: float, coords: Sequence[Point], ok: Sequence[bool]) -> None:
        """One frame's world landmarks (and which are seen), until the level is learnt: looked
        at every CHECK_EVERY_S (a person stands for seconds; the check costs a few µs)."""
        last = self._last_s
        if last is None:
            self._last_s = t_s
            return
        if self.rotation is not None or t_s - last < CHECK_EVERY_S:
            return
        self._last_s = t_s
        line = standing_line(coords, ok)
        if line is None:
            return
        dt = min(t_s - last, MAX_STEP_S)
        s = self._sum
        s[0] += dt * line[0]
        s[1] += dt * line[1]
        s[2] += dt * line[2]
        self._seen_s += dt
        if self._seen_s >= LEARN_S:
            n = math.sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2])
            self.rotation = rotation_to_vertical((s[0] / n, s[1] / n, s[2] / n))
