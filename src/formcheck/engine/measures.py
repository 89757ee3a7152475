"""Per-frame measure values for a rule, resolved to the side each measure reads.

Every sided measure is read on both body sides, each smoothed on its own (time-based, so the
curve does not depend on the frame rate); the side a measure names is then resolved:
``left``/``right`` directly, ``nearer``/``farther`` from the view tracker, ``max``/``min``/``mean``
over both sides (unknown unless both sides are known: a hidden far leg must not make ``min``
silently read the near one), ``working``/``stance`` from the side of the current rep or hold.
"""

from __future__ import annotations

import math

from formcheck.engine.geometry import FrameGeometry, MeasureReader
from formcheck.engine.smoothing import Smoother
from formcheck.landmarks import other_side
from formcheck.rules.model import Exercise, Measure

SIDES = ("left", "right")
Values = dict[str, float | None]


def _reads_working(m: Measure, measures: dict[str, Measure]) -> bool:
    if m.kind == "difference":
        return any(_reads_working(measures[o], measures) for o in m.of)
    return m.side in ("working", "stance")


class MeasureSet:
    """The rule's measures: ``update`` once per frame, then ``values(working_side)``."""

    def __init__(self, exercise: Exercise) -> None:
        measures = exercise.measures
        self.names = tuple(measures)
        self.readers = {name: MeasureReader(m) for name, m in measures.items() if m.kind != "difference"}
        # A difference is computed from its two (already smoothed) measures: the smoothing is
        # linear, so smoothing the difference again would change nothing.
        self.differences = {name: m.of for name, m in measures.items() if m.kind == "difference"}
        # Measures the report shows per side too (``name.left``/``name.right``).
        self.split_names = (
            tuple(name for name, m in measures.items() if _reads_working(m, measures))
            if exercise.per_side
            else ()
        )
        self._smoothers: dict[tuple[str, str | None], Smoother] = {}
        for name, reader in self.readers.items():
            for side in SIDES if reader.sided else (None,):
                self._smoothers[(name, side)] = Smoother(exercise.smoothing_s)
        self._raw: dict[tuple[str, str | None], float | None] = dict.fromkeys(self._smoothers)
        self.nearer: str | None = None

    def update(
        self, t_s: float, image: FrameGeometry | None, world: FrameGeometry | None, nearer: str | None
    ) -> None:
        """Read every measure on every side from this frame (geometry None: nobody seen)."""
        self.nearer = nearer
        for (name, side), smoother in self._smoothers.items():
            reader = self.readers[name]
            geo = world if reader.measure.space == "world" else image
            value = reader.read(geo, side) if geo is not None else None
            if value is not None and not math.isfinite(value):  # NaN from a broken estimate
                value = None
            self._raw[(name, side)] = smoother.update(t_s, value)

    def resolved_side(self, name: str, working: str | None) -> str | tuple[str, ...] | None:
        """The body side(s) a measure reads now: a side, both (a tuple), or None if unknowable."""
        side = self.readers[name].measure.side
        if side in SIDES:
            return side
        if side in ("max", "min", "mean"):
            return SIDES
        if side in ("nearer", "farther"):
            if self.nearer is None:
                return None
            return self.nearer if side == "nearer" else other_side(self.nearer)
        if side in ("working", "stance"):
            if working is None:
                return None
            return working if side == "working" else other_side(working)
        return None

    def value(self, name: str, working: str | None) -> float | None:
        if name in self.differences:
            first, second = self.differences[name]
            a, b = self.value(first, working), self.value(second, working)
            return None if a is None or b is None else a - b
        reader = self.readers[name]
        if not reader.sided:
            return self._raw[(name, None)]
        where = self.resolved_side(name, working)
        if where is None:
            return None
        if isinstance(where, str):
            return self._raw[(name, where)]
        a, b = (self._raw[(name, s)] for s in where)
        if a is None or b is None:
            return None
        how = reader.measure.side
        if how == "max":
            return max(a, b)
        if how == "min":
            return min(a, b)
        return (a + b) / 2

    def values(self, working: str | None) -> Values:
        """Every measure by name, with ``working``/``stance`` read for the given working side."""
        return {name: self.value(name, working) for name in self.names}

    def indices(self, name: str, working: str | None) -> tuple[int, ...]:
        """Landmark indices the measure reads now (for the overlay)."""
        if name in self.differences:
            first, second = self.differences[name]
            return (*self.indices(first, working), *self.indices(second, working))
        reader = self.readers[name]
        if not reader.sided:
            return reader.indices[None]
        where = self.resolved_side(name, working)
        if where is None:
            return ()
        if isinstance(where, str):
            return reader.indices[where]
        return tuple(i for s in where for i in reader.indices[s])
