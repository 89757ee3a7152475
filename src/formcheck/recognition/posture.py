"""The one thing about posture the poses tell for certain: a person upright on straight legs, or
a person down on the floor, for most of a run.

A rule says the position its exercise is done in (``posture`` in the rule file). When the
person was clearly in the other one (a squat "done" lying on the back, a glute bridge "done"
standing), the run is not that exercise, whatever the window model makes of it; that holds for
a rule the model was never trained on too. Kneeling and seated exercises are left alone: an
upright trunk over low hips is both, and neither is told apart from the picture for certain.

Read from the recogniser's per-frame features (``features.frame_features``): the trunk's tilt
from straight up in the picture, the hips' height above the lowest foot point and the straighter
knee's bend (both in leg lengths and degrees, so any camera distance gives the same numbers).
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
# ...for this share of the frames the person is seen in, and at least this many of them.
MOST = 0.8
MIN_FRAMES = 10

UPRIGHT, FLOOR = "upright", "on the floor"

# A rule's posture, and the observed one that rules it out.
RULED_OUT_BY = {
    "standing": FLOOR, "lying-on-back": UPRIGHT, "lying-on-side": UPRIGHT, "on-all-fours": UPRIGHT,
}  # fmt: skip
DONE = {
    "standing": "done standing", "lying-on-back": "done lying on the back",
    "lying-on-side": "done lying on the side", "on-all-fours": "done on all fours",
}  # fmt: skip

_TRUNK, _HIPS, _KNEE = (FRAME_FEATURES.index(n) for n in ("trunk_tilt", "hip_height", "knee_flex_lo"))


def observed_posture(feats: np.ndarray) -> str | None:
    """``UPRIGHT`` or ``FLOOR`` when the person was clearly so for most of the frames of
    ``feats`` (frames x ``FRAME_FEATURES``), else None."""
    trunk, hips, knee = feats[:, _TRUNK], feats[:, _HIPS], feats[:, _KNEE]
    seen = ~(np.isnan(trunk) | np.isnan(hips))
    if seen.sum() < MIN_FRAMES:
        return None
    trunk, hips, knee = trunk[seen], hips[seen], knee[seen]
    with np.errstate(invalid="ignore"):  # an unseen knee is not a straight one
        upright = (trunk < UPRIGHT_TRUNK_DEG) & (hips > UPRIGHT_HIPS) & (knee < STRAIGHT_KNEE_DEG)
    floor = (trunk >= FLOOR_TRUNK_DEG[0]) & (trunk <= FLOOR_TRUNK_DEG[1]) & (hips < FLOOR_HIPS)
    if upright.mean() >= MOST:
        return UPRIGHT
    if floor.mean() >= MOST:
        return FLOOR
    return None


def ruled_out(rule_posture: str | None, observed: str | None) -> bool:
    """Whether the person's observed posture rules out an exercise done in ``rule_posture``."""
    return rule_posture is not None and observed is not None and RULED_OUT_BY.get(rule_posture) == observed
