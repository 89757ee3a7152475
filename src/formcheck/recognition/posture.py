"""What the poses tell for certain about posture: a person upright on straight legs, or down on
the floor (and there, lying on the side or with the hips level) for most of a run.

A rule says the position its exercise is done in (``posture`` in the rule file). When the
person was clearly in another one (a squat "done" lying on the back, a glute bridge "done"
standing or lying on the side, a clamshell "done" on the back), the run is not that exercise,
whatever the window model makes of it; that holds for a rule the model was never trained on too.
Kneeling and seated exercises are ruled out only by lying on the side: an upright trunk over low
hips is both, and neither is told apart from the picture for certain.

Read from the recogniser's per-frame features (``features.frame_features``): the trunk's tilt
from straight up in the picture, the hips' height above the lowest foot point, the straighter
knee's bend (in leg lengths and degrees, so any camera distance gives the same numbers) and the
line from one hip joint to the other in 3D, upright or level.
"""

from __future__ import annotations

import numpy as np

from formcheck.recognition.features import FRAME_FEATURES

# Upright: the trunk within 35° of vertical (standing tall reads 0-20°, the forward lean of a
# squat's bottom 30-45°), the hips at least 0.8 leg lengths above the feet (standing 0.85-1.2;
# a squat's bottom, a chair or a kneel put them at 0.5-0.6) on a knee within 35° of straight
# (MediaPipe reads a standing knee 10-28°).
UPRIGHT_TRUNK_DEG = 35.0
UPRIGHT_HIPS = 0.8
STRAIGHT_KNEE_DEG = 35.0
# Down on the floor: the trunk within 30° of horizontal and the hips below 0.45 leg lengths
# (lying reads 0-0.35 with the hips lifted in a bridge, on all fours they are at thigh height,
# about 0.45; a standing person bent forward keeps them near 1).
FLOOR_TRUNK_DEG = (60.0, 120.0)
FLOOR_HIPS = 0.45
# On the floor, which way the hips face: lying on the side stacks one hip joint above the other
# (the hip-to-hip line upright), on the back or front, or on all fours, both are at the same height
# (the line level). "Upright" is the camera's: one looking down at a mat by some angle tilts a
# level line that points at it (a person lying side-on) by as much toward the vertical, and a
# stacked one away from it. A stacked line is taken within 35° of the vertical, so that a camera
# looking down by up to 35° reads it right. A level line gets 5° more: a stacked line stands in the
# picture from any side (read from x and y), but a level one seen side-on points into the picture
# and is read from the landmarks' depth, the least sure part of the pose (the two supine sample
# tracks of lowest median, 59°, have 11-18 % of their frames on the floor at 50-55°, nearly all the
# rest above). Between the two is unknown (an orbiting camera looking steeply down at a glute
# bridge read 29-45° for its first seconds). The side-lying sample tracks read 6-25° (median over
# their frames on the floor), the supine 58-87°.
STACKED_HIPS_DEG = 35.0  # at most this from vertical: stacked
LEVEL_HIPS_DEG = 50.0  # at least this: level
# ...for this share of the frames the person is seen in, and at least this many of them.
MOST = 0.8
MIN_FRAMES = 10

UPRIGHT, FLOOR = "upright", "on the floor"
ON_SIDE, LEVEL = "lying on the side", "on the floor, facing up or down"

# A rule's posture, and the observed ones that rule it out. Lying on the side (the trunk level,
# the hips stacked) is none of the other positions; on the floor with the hips level is lying on
# the back or front or on all fours, so it rules out only standing and lying on the side.
RULED_OUT_BY: dict[str, frozenset[str]] = {
    "standing": frozenset({FLOOR, ON_SIDE, LEVEL}),
    "lying-on-back": frozenset({UPRIGHT, ON_SIDE}),
    "lying-on-side": frozenset({UPRIGHT, LEVEL}),
    "on-all-fours": frozenset({UPRIGHT, ON_SIDE}),
    "kneeling": frozenset({ON_SIDE}),
    "seated": frozenset({ON_SIDE}),
}
DONE = {
    "standing": "done standing", "lying-on-back": "done lying on the back",
    "lying-on-side": "done lying on the side", "on-all-fours": "done on all fours",
    "kneeling": "done kneeling", "seated": "done seated",
}  # fmt: skip

_TRUNK, _HIPS, _KNEE, _HIP_LINE = (
    FRAME_FEATURES.index(n) for n in ("trunk_tilt", "hip_height", "knee_flex_lo", "hip_line_tilt")
)


def observed_posture(feats: np.ndarray) -> str | None:
    """``UPRIGHT``, ``ON_SIDE``, ``LEVEL`` or ``FLOOR`` (on the floor, which way unknown) when the
    person was clearly so for most of the frames of ``feats`` (frames x ``FRAME_FEATURES``),
    else None."""
    trunk, hips, knee, hip_line = feats[:, _TRUNK], feats[:, _HIPS], feats[:, _KNEE], feats[:, _HIP_LINE]
    seen = ~(np.isnan(trunk) | np.isnan(hips))
    if seen.sum() < MIN_FRAMES:
        return None
    trunk, hips, knee, hip_line = trunk[seen], hips[seen], knee[seen], hip_line[seen]
    with np.errstate(invalid="ignore"):  # an unseen knee is not a straight one, nor a hip line level
        upright = (trunk < UPRIGHT_TRUNK_DEG) & (hips > UPRIGHT_HIPS) & (knee < STRAIGHT_KNEE_DEG)
        stacked = hip_line <= STACKED_HIPS_DEG
        level = hip_line >= LEVEL_HIPS_DEG
    floor = (trunk >= FLOOR_TRUNK_DEG[0]) & (trunk <= FLOOR_TRUNK_DEG[1]) & (hips < FLOOR_HIPS)
    if upright.mean() >= MOST:
        return UPRIGHT
    if (floor & stacked).mean() >= MOST:
        return ON_SIDE
    if (floor & level).mean() >= MOST:
        return LEVEL
    if floor.mean() >= MOST:
        return FLOOR
    return None


def ruled_out(rule_posture: str | None, observed: str | None) -> bool:
    """Whether the person's observed posture rules out an exercise done in ``rule_posture``."""
    if rule_posture is None or observed is None:
        return False
    return observed in RULED_OUT_BY.get(rule_posture, ())
