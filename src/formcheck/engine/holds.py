"""The hold timer: how long a position was held correctly, per side when asked.

The clock runs only while the rule's hold condition is True (and no warning/stop fault is
active: a stretch held in bad form does not count). A condition that is False or unknown (a
landmark dropout) for up to ``grace_s`` pauses the clock; longer ends the hold. Holds shorter
than ``min_s`` are not reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from formcheck.rules.model import Hold


@dataclass(slots=True)
class HoldInProgress:
    side: str | None
    start_s: float
    last_good_s: float
    seconds: float = 0.0
    counting: bool = False  # was the clock running on the previous frame


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
        self._prev_s: float | None = None

    @property
    def phase(self) -> str:
        return "hold" if self.active is not None else "rest"

    def update(
        self, t_s: float, good_by_side: dict[str | None, bool | None], paused: bool
    ) -> tuple[HoldInProgress | None, HoldOutcome | None]:
        """Returns (a hold that started now, a hold that ended now)."""
        prev_s, self._prev_s = self._prev_s, t_s
        hold = self.active
        if hold is None:
            for side in self.sides:
                if good_by_side.get(side) is True:
                    self.active = HoldInProgress(side, t_s, t_s, counting=not paused)
                    return self.active, None
            return None, None
        good = good_by_side.get(hold.side) is True
        if good:
            counting = not paused
            if counting and hold.counting and prev_s is not None:
                hold.seconds += t_s - prev_s
            hold.counting = counting
            hold.last_good_s = t_s
            return None, None
        hold.counting = False
        if t_s - hold.last_good_s > self.rule.grace_s:
            return None, self.end(hold.last_good_s)
        return None, None

    def end(self, end_s: float) -> HoldOutcome | None:
        hold, self.active = self.active, None
        if hold is None:
            return None
        return HoldOutcome(hold, end_s, hold.seconds >= self.rule.min_s)
