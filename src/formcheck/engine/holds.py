"""The hold timer: how long a position was held correctly, per side when asked.

The clock runs only while the rule's hold condition is True, the position is held **still**
(settling in, bouncing or rocking in and out of it do not count), and no warning/stop fault is
active (a stretch held in bad form does not count). A condition that is False for up to
``grace_s`` pauses the clock; longer ends the hold. A condition that is unknown (a joint hidden
for a while) pauses the clock too, and ends the hold only past ``HIDDEN_PAUSE_MAX_S``: being
unseen neither starts nor ends a hold. Unseen for no longer than ``HOLD_FRAME_GAP_S`` is no
pause. Holds shorter than ``min_s`` are not reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from formcheck.engine.reps import HOLD_FRAME_GAP_S
from formcheck.rules.model import Hold

# A hold whose joints stay hidden longer than this has ended (the person is gone, not hidden
# behind their own leg for a moment).
HIDDEN_PAUSE_MAX_S = 3.0

# Still: each measure of the hold's condition changing by less than this over about half a
# second (a fast and a slow smoothed copy of it, 0.03 s and 0.6 s, this far apart: a steady
# change of about 25°/s, or a swing of more than ±14°). Twice MediaPipe's ~7° joint-angle error,
# so a held position's wander is never movement; easing into a stretch, pulling a leg in and
# letting it go, rocking in and out of a lunge are.
STILL_DEG = 14.0
# Body-size ratios (distances, heights): 4 cm of movement, over the body size the ratio is
# divided by (typical adult sizes: hip joints ~0.2 m apart, leg ~0.85 m, ...).
STILL_M = 0.04
TYPICAL_SIZE_M = {
    "leg_length": 0.85, "hip_width": 0.2, "shoulder_width": 0.35, "torso_length": 0.5, "ankle_width": 0.15,
}  # fmt: skip
STILL_FAST_S = 0.03
STILL_SLOW_S = 0.6
# ...and none of them moved that much for this long (a bounce passes through its middle).
STILL_FOR_S = 0.5
# A measure that has kept moving this long is moving into (or out of) a position, not jumping
# for a frame or two with the model's estimate: from then on its slow copy is kept within the
# limit of the fast one. Left to catch up on its own after a large movement, it would keep the
# position "moving" for another STILL_SLOW_S · ln(size / limit) once the movement stopped: 1.1 s
# after a knee bent 90° into a lunge, more than a short hold lasts. A jump shorter than this is
# left alone (pulled along, the slow copy would read "moving" again when the jump is gone), and a
# steady change opens the gap again as fast as before, so what counts as movement does not change.
STILL_MOVING_S = 0.2


class Stillness:
    """Whether a set of measures is held still, on each side: per measure, a fast and a slow
    exponentially smoothed copy, which part while it moves (O(1) a frame, time-based). Every
    side is judged on every frame, so one pair of smoothing factors serves them all.

    A reading as far as the limit from the fast copy in a single frame (a jump) is judged with
    the next one: if that is as far in the same direction, the measure moved (both readings are
    taken in); if not, the jump was one frame's error and is dropped. MediaPipe's error is
    independent from frame to frame, and at a webcam's 15 fps nothing smooths a single 20-30°
    misreading of a deeply bent knee: taken in, it read as movement and stopped the clock for
    STILL_FOR_S, and it dragged the slow copy so far that the true readings after it looked like
    movement again. No real movement is over within one frame."""

    __slots__ = ("_copies", "_last_t", "_limits", "_moved_s")

    def __init__(self, limits: dict[str, float], sides: Iterable[str | None]) -> None:
        # (position, measure name, how far apart the two copies may be, still)
        self._limits = tuple((i, name, limit) for i, (name, limit) in enumerate(limits.items()))
        # side -> (fast copies, slow copies, since when each has been apart by the limit or more,
        # a reading that jumped, judged with the next), by position (None: not seen yet, not
        # moving, none); lists, not dicts, since this runs for every side on every frame of a hold
        self._copies: dict[str | None, tuple[list[float | None], ...]] = {
            s: ([None] * len(limits), [None] * len(limits), [None] * len(limits), [None] * len(limits))
            for s in sides
        }
        self._last_t: float | None = None
        self._moved_s = dict.fromkeys(self._copies, float("-inf"))  # when a measure last moved

    @staticmethod
    def limits_for(sizes: Iterable[tuple[str, str | None]]) -> dict[str, float]:
        """(measure name, body size it is divided by, None for degrees) -> its stillness limit."""
        return {name: STILL_DEG if per is None else STILL_M / TYPICAL_SIZE_M[per] for name, per in sizes}

    def update(
        self, t_s: float, values_of: Callable[[str | None], Mapping[str, float | None]]
    ) -> dict[str | None, bool]:
        """Per side, whether every measure seen is still (one not seen is left to the hold's
        condition). ``values_of(side)``: the measures read for that side this frame."""
        last, self._last_t = self._last_t, t_s
        dt = 0.0 if last is None else max(0.0, t_s - last)
        a_fast = 1.0 - math.exp(-dt / STILL_FAST_S)
        a_slow = 1.0 - math.exp(-dt / STILL_SLOW_S)
        limits, moved_s = self._limits, self._moved_s
        still: dict[str | None, bool] = {}
        for side, (fast, slow, moving, jumped) in self._copies.items():
            values = values_of(side)
            for i, name, limit in limits:
                value = values.get(name)
                if value is None:
                    continue
                f, sl = fast[i], slow[i]
                if f is None or sl is None:  # first sight: nothing to compare with yet
                    fast[i] = slow[i] = value
                    continue
                step = value - f
                if step >= limit or step <= -limit:
                    held = jumped[i]
                    if held is None or (held - f) * step <= 0:
                        jumped[i] = value  # a jump: judged with the next reading
                        continue
                    # the frame before jumped as far the same way: it moved (that reading taken in first)
                    f += a_fast * (held - f)
                    sl += a_slow * (held - sl)
                jumped[i] = None  # (if one jumped alone and this one is back, it was an error)
                f += a_fast * (value - f)
                sl += a_slow * (value - sl)
                gap = f - sl
                if gap >= limit or gap <= -limit:
                    moved_s[side] = t_s
                    began = moving[i]
                    if began is None:
                        moving[i] = t_s
                    elif t_s - began >= STILL_MOVING_S:  # a movement: no lag beyond the limit
                        sl = f - limit if gap > 0 else f + limit
                else:
                    moving[i] = None
                fast[i], slow[i] = f, sl
            still[side] = t_s - moved_s[side] >= STILL_FOR_S
        return still


@dataclass(slots=True)
class HoldInProgress:
    side: str | None
    start_s: float
    last_good_s: float
    seconds: float = 0.0
    counting: bool = False  # was the clock running on the previous frame
    last_known_s: float = 0.0  # the condition was last known (True or False) then


@dataclass(frozen=True, slots=True)
class HoldOutcome:
    hold: HoldInProgress
    end_s: float
    reported: bool


class HoldTimer:
    def __init__(self, hold: Hold, sides: tuple[str | None, ...]) -> None:
        self.rule = hold
        self.sides = sides
        self.active: HoldInProgress | None = None

    @property
    def phase(self) -> str:
        return "hold" if self.active is not None else "rest"

    def update(
        self,
        t_s: float,
        good_by_side: dict[str | None, bool | None],
        paused: bool,
        still_by_side: dict[str | None, bool] | None = None,
    ) -> tuple[HoldInProgress | None, HoldOutcome | None]:
        """Returns (a hold that started now, a hold that ended now). ``still_by_side``: whether
        the position is held still (None: not judged, taken as still)."""
        hold = self.active
        if hold is None:
            for side in self.sides:
                still = True if still_by_side is None else still_by_side.get(side)
                if good_by_side.get(side) is True and still is True:
                    self.active = HoldInProgress(side, t_s, t_s, counting=not paused, last_known_s=t_s)
                    return self.active, None
            return None, None
        good = good_by_side.get(hold.side)
        if good is True:
            still = True if still_by_side is None else still_by_side.get(hold.side) is True
            counting = not paused and still
            # The time since the last frame the position was seen right counts when the clock ran
            # on both. Longer than HOLD_FRAME_GAP_S without such a frame (no frame at all from a
            # stalled camera, or the joints hidden) is time unseen: paused. A frame or two with a
            # joint unseen in between (visibility flickering about the rule's limit) is no
            # pause, as a frame or two that never arrived is none (and as in a rep's hold).
            last = hold.last_good_s
            if counting and hold.counting and t_s - last <= HOLD_FRAME_GAP_S:
                hold.seconds += t_s - last
            hold.counting = counting
            hold.last_good_s = t_s
            hold.last_known_s = t_s
            return None, None
        if good is None:  # hidden: paused, not ended, unless hidden for long
            if t_s - hold.last_known_s > HIDDEN_PAUSE_MAX_S:
                return None, self.end(hold.last_good_s)
            return None, None
        hold.counting = False
        hold.last_known_s = t_s
        if t_s - hold.last_good_s > self.rule.grace_s:
            return None, self.end(hold.last_good_s)
        return None, None

    def end(self, end_s: float) -> HoldOutcome | None:
        hold, self.active = self.active, None
        if hold is None:
            return None
        return HoldOutcome(hold, end_s, hold.seconds >= self.rule.min_s)
