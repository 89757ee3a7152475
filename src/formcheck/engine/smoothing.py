"""Time-based exponential smoothing: the same motion gives the same curve at any frame rate."""

from __future__ import annotations

import math


class Smoother:
    """Exponential moving average with time constant ``tau_s`` (0 = no smoothing).

    An unknown value (None) resets it, so a value after a gap starts afresh rather than being
    dragged toward a stale one.
    """

    __slots__ = ("_t", "_value", "tau_s")

    def __init__(self, tau_s: float) -> None:
        self.tau_s = tau_s
        self._value: float | None = None
        self._t = 0.0

    def update(self, t_s: float, value: float | None) -> float | None:
        if value is None:
            self._value = None
            return None
        prev = self._value
        if prev is None or self.tau_s <= 0.0:
            self._value = value
        else:
            dt = t_s - self._t
            alpha = 1.0 - math.exp(-dt / self.tau_s) if dt > 0 else 0.0
            self._value = prev + alpha * (value - prev)
        self._t = t_s
        return self._value
