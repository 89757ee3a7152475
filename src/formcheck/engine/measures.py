"""Per-frame measure values for a rule, resolved to the side each measure reads.

A sided measure is read on every body side it may be resolved to (both, except for a fixed
``left``/``right``), each smoothed on its own (time-based, so the curve does not depend on the
frame rate); the side a measure names is then resolved: ``left``/``right`` directly,
``nearer``/``farther`` from the view tracker, ``max``/``min``/``mean`` over both sides (unknown
unless both sides are known: a hidden far leg must not make ``min`` silently read the near one),
``working``/``stance`` from the side of the current rep or hold. A ``difference`` is computed
from its two resolved measures.

The engine asks for the same values several times per frame (counter, faults, report), so the
resolved values are cached per working side until the next ``update``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from formcheck.engine.geometry import FrameGeometry, MeasureReader
from formcheck.engine.readers import Reader, compile_reader
from formcheck.landmarks import other_side
from formcheck.rules.model import Exercise, Measure

SIDES = ("left", "right")
Values = dict[str, float | None]
Key = tuple[str, str | None]
Resolver = Callable[[str | None], float | None]


def _mean(a: float, b: float) -> float:
    return (a + b) / 2


def _max(a: float, b: float) -> float:
    return max(a, b)


def _min(a: float, b: float) -> float:
    return min(a, b)


# how a measure read on both sides combines them (unknown unless both are known)
_COMBINE: dict[str, Callable[[float, float], float]] = {"max": _max, "min": _min, "mean": _mean}


def _reads_working(m: Measure, measures: dict[str, Measure]) -> bool:
    if m.kind == "difference":
        return any(_reads_working(measures[o], measures) for o in m.of)
    return m.side in ("working", "stance")


def _sides_read(m: Measure) -> tuple[str | None, ...]:
    """The body sides a measure can ever be resolved to (the others need not be computed)."""
    if m.side is None:
        return (None,)
    return (m.side,) if m.side in SIDES else SIDES


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
        self.tau_s = exercise.smoothing_s
        # One slot per (measure, side) read each frame, with its compiled reader and whether it
        # reads world landmarks: the raw (smoothed) values live in a flat list, not a dict.
        self._slot: dict[Key, int] = {}
        self._reads: list[tuple[int, Reader, bool]] = []
        for name, reader in self.readers.items():
            in_world = reader.measure.space == "world"
            for side in _sides_read(reader.measure):
                slot = self._slot[(name, side)] = len(self._reads)
                self._reads.append((slot, compile_reader(reader.measure, reader.indices[side]), in_world))
        self._raw: list[float | None] = [None] * len(self._reads)
        # name -> resolve(working side) -> value, compiled once (see ``_compile_resolver``)
        self._resolvers = tuple((name, self._compile_resolver(name)) for name in self.names)
        self._prev_t: float | None = None
        self.nearer: str | None = None
        self._values: dict[str | None, Values] = {}
        self._indices: dict[tuple[str, str | None, str | None], tuple[int, ...]] = {}

    def update(
        self, t_s: float, image: FrameGeometry | None, world: FrameGeometry | None, nearer: str | None
    ) -> None:
        """Read every measure on every side from this frame (geometry None: nobody seen)."""
        self.nearer = nearer
        self._values = {}
        # Exponential smoothing toward the new value. Every smoothed value still known was updated
        # on the previous frame (an unknown value resets it), so one factor serves them all.
        prev_t, self._prev_t = self._prev_t, t_s
        tau = self.tau_s
        alpha = 1.0
        if tau > 0.0 and prev_t is not None:
            dt = t_s - prev_t
            alpha = 1.0 - math.exp(-dt / tau) if dt > 0 else 0.0
        raw = self._raw
        if image is None:  # nobody seen: every value unknown (world comes only with an image)
            raw[:] = [None] * len(raw)
            return
        isfinite = math.isfinite
        smooth = tau > 0.0
        for slot, read, in_world in self._reads:
            geo = world if in_world else image
            value = read(geo) if geo is not None else None
            if value is None or not isfinite(value):  # NaN from a broken estimate: unknown
                raw[slot] = None
                continue
            prev = raw[slot]
            raw[slot] = value if prev is None or not smooth else prev + alpha * (value - prev)

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
        return self.values(working)[name]

    def values(self, working: str | None) -> Values:
        """Every measure by name, with ``working``/``stance`` read for the given working side.
        The same dict until the next ``update``: do not modify it."""
        cached = self._values.get(working)
        if cached is None:
            cached = self._values[working] = {name: resolve(working) for name, resolve in self._resolvers}
        return cached

    def _compile_resolver(self, name: str) -> Resolver:
        """``resolve(working)``: the measure's value on the side it names now (see the module
        doc), as a closure over the raw slots, so no per-frame branching on the side rule."""
        raw = self._raw  # the same list for the engine's life: ``update`` assigns into it
        if name in self.differences:
            first, second = (self._compile_resolver(part) for part in self.differences[name])

            def difference(working: str | None) -> float | None:
                a, b = first(working), second(working)
                return None if a is None or b is None else a - b

            return difference
        how = self.readers[name].measure.side
        if how is None or how in SIDES:
            slot = self._slot[(name, how)]
            return lambda working: raw[slot]
        left, right = self._slot[(name, "left")], self._slot[(name, "right")]
        if how in ("max", "min", "mean"):
            combine = _COMBINE[how]

            def both(working: str | None) -> float | None:
                a, b = raw[left], raw[right]
                return None if a is None or b is None else combine(a, b)

            return both
        by_side = {"left": left, "right": right}
        if how in ("nearer", "farther"):
            pick = by_side if how == "nearer" else {"left": right, "right": left}

            def by_view(working: str | None) -> float | None:
                nearer = self.nearer
                return None if nearer is None else raw[pick[nearer]]

            return by_view
        assert how in ("working", "stance"), how
        pick = by_side if how == "working" else {"left": right, "right": left}
        return lambda working: None if working is None else raw[pick[working]]

    def indices(self, name: str, working: str | None) -> tuple[int, ...]:
        """Landmark indices the measure reads now (for the overlay)."""
        key = (name, working, self.nearer)
        found = self._indices.get(key)
        if found is None:
            found = self._indices[key] = self._find_indices(name, working)
        return found

    def _find_indices(self, name: str, working: str | None) -> tuple[int, ...]:
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
