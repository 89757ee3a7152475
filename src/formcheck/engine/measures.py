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
from operator import itemgetter

from formcheck.engine.geometry import FrameGeometry, MeasureReader
from formcheck.engine.level import CameraLevel
from formcheck.engine.readers import Reader, compile_reader
from formcheck.landmarks import other_side
from formcheck.rules.model import Exercise, Measure

SIDES = ("left", "right")
Values = dict[str, float | None]
Key = tuple[str, str | None]
Resolver = Callable[[str | None], float | None]
NO_VALUE = -2  # a measure's plan slot when its value is None (see ``MeasureSet._plan``)
# per working side: (name, slot a, slot b) entries and (name, resolver) entries
WorkingPlan = tuple[tuple[tuple[str, int, int], ...], tuple[tuple[str, Resolver], ...]]
# per nearer side, for no working side: every measure's slot, gathered in one call, then the
# (name, slot a, slot b) differences and the (name, resolver) measures set over them
SharedPlan = tuple[
    Callable[[list[float | None]], tuple[float | None, ...]],
    tuple[tuple[str, int, int], ...],
    tuple[tuple[str, int, int, Callable[[float, float], float]], ...],
    tuple[tuple[str, Resolver], ...],
    tuple[tuple[str, str, str], ...],
]


def _mean(a: float, b: float) -> float:
    return (a + b) / 2


def _max(a: float, b: float) -> float:
    return a if a >= b else b


def _min(a: float, b: float) -> float:
    return a if a <= b else b


# how a measure read on both sides combines them (unknown unless both are known)
def _spread(a: float, b: float) -> float:
    return a - b if a >= b else b - a


_COMBINE: dict[str, Callable[[float, float], float]] = {
    "max": _max, "min": _min, "mean": _mean, "spread": _spread,
}  # fmt: skip


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

    def __init__(self, exercise: Exercise, level: CameraLevel | None = None) -> None:
        """``level``: the camera's tilt once learnt from the person standing, which world tilts
        and leans are read against (``level.CameraLevel``; None: the camera's vertical)."""
        measures = exercise.measures
        self.names = tuple(measures)
        self.readers = {
            name: MeasureReader(m, level) for name, m in measures.items() if m.kind != "difference"
        }
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
        # Measures that read the same thing (a rule's "working" and "stance" twins, say) share
        # a slot: the same inputs, smoothed alike, give the same values.
        self._slot: dict[Key, int] = {}
        self._reads: list[tuple[int, Reader, bool]] = []
        by_reading: dict[tuple[object, ...], int] = {}
        for name, reader in self.readers.items():
            m = reader.measure
            for side in _sides_read(m):
                idx = reader.indices[side]
                reading = (m.kind, idx, m.convention, m.tilt_from, m.per, m.axis, m.space, m.views)
                slot = by_reading.get(reading)
                if slot is None:
                    slot = by_reading[reading] = len(self._reads)
                    self._reads.append((slot, compile_reader(m, idx, level), m.space == "world"))
                self._slot[(name, side)] = slot
        # the raw values by slot, and one more slot that is always None (``_none_slot``)
        self._raw: list[float | None] = [None] * (len(self._reads) + 1)
        self._none_slot = len(self._reads)
        # slots of measures trusted only in some views: (slot, views), unknown in the others
        gated: dict[int, tuple[str, ...]] = {}
        for name, reader in self.readers.items():
            if reader.measure.views:
                for side in _sides_read(reader.measure):
                    gated[self._slot[(name, side)]] = reader.measure.views
        self._view_gated = tuple(gated.items())
        self._image_reads = tuple((slot, read) for slot, read, in_world in self._reads if not in_world)
        self._world_reads = tuple((slot, read) for slot, read, in_world in self._reads if in_world)
        # name -> resolve(working side) -> value, compiled once (see ``_compile_resolver``); a
        # measure read on one fixed side (or on none) is just its slot, read without a call
        # Only ``working``/``stance`` measures (and differences of them) depend on the working
        # side: the others are resolved once per frame, and shared by every working side.
        # Shared plan, per measure: (name, slot, resolve): slot >= 0 reads that raw slot,
        # NO_VALUE is None (a working-side measure without a working side), else ``resolve``.
        working = {name for name, m in measures.items() if _reads_working(m, measures)}
        self._plan = tuple(
            (name, NO_VALUE if name in working else self._slot_of(name, None), self._compile_resolver(name))
            for name in self.names
        )
        # Per working side, the working-side measures: (name, slot a, slot b) read raw[a], or
        # raw[a] - raw[b] for a difference (b >= 0), when a slot is fixed by the working side;
        # the others (a difference with a nearer-side part, say) by their resolver.
        self._by_working: dict[str, WorkingPlan] = {}
        for side in SIDES:
            slots, resolvers = [], []
            for name, _, resolve in self._plan:
                if name not in working:
                    continue
                pair = self._slots_of(name, side)
                if pair is None:
                    resolvers.append((name, resolve))
                else:
                    slots.append((name, *pair))
            self._by_working[side] = (tuple(slots), tuple(resolvers))
        self._any_working = bool(working)
        # The values for no working side (every frame's first ``values``), by nearer side: one
        # slot per measure wherever the nearer side fixes it (all but two-sided measures and
        # differences of them), gathered by one ``itemgetter`` call instead of a resolver call
        # per measure (a few tenths of a µs a frame on a rule with nearer-side measures)
        self._shared_plans: dict[str | None, SharedPlan] = {
            nearer: self._shared_plan(nearer, working) for nearer in (None, *SIDES)
        }
        self._shared: Values | None = None
        self._prev_t: float | None = None
        self.nearer: str | None = None
        self._values: dict[str | None, Values] = {}
        self._indices: dict[tuple[str, str | None, str | None], tuple[int, ...]] = {}

    def update(
        self,
        t_s: float,
        image: FrameGeometry | None,
        world: FrameGeometry | None,
        nearer: str | None,
        view: str = "unknown",
    ) -> None:
        """Read every measure on every side from this frame (geometry None: nobody seen).
        ``view``: the detected view; a measure not trusted in it is unknown (``views``), and
        while the view is not yet known every measure is read."""
        self.nearer = nearer
        self._values = {}
        self._shared = None
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
        smooth = tau > 0.0
        for reads, geo in ((self._image_reads, image), (self._world_reads, world)):
            if geo is None:  # no world landmarks in this pose
                for slot, _ in reads:
                    raw[slot] = None
                continue
            for slot, read in reads:
                value = read(geo)
                # NaN from a broken estimate is unknown, and so is ±inf: ``value - value`` is
                # 0.0 exactly when ``math.isfinite(value)`` (readers return floats), without a call
                if value is None or value - value != 0.0:
                    raw[slot] = None
                    continue
                prev = raw[slot]
                raw[slot] = value if prev is None or not smooth else prev + alpha * (value - prev)
        if self._view_gated and view != "unknown":
            for slot, views in self._view_gated:
                if view not in views:
                    raw[slot] = None

    def resolved_side(self, name: str, working: str | None) -> str | tuple[str, ...] | None:
        """The body side(s) a measure reads now: a side, both (a tuple), or None if unknowable."""
        side = self.readers[name].measure.side
        if side in SIDES:
            return side
        if side in _COMBINE:
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
            shared = self._shared
            raw = self._raw
            if shared is None:  # every measure, the working-side ones for no working side
                gather, differences, combined, resolved, late = self._shared_plans[self.nearer]
                shared = self._shared = dict(zip(self.names, gather(raw), strict=False))
                for name, a, b in differences:
                    va, vb = raw[a], raw[b]
                    shared[name] = None if va is None or vb is None else va - vb
                for name, a, b, combine in combined:
                    va, vb = raw[a], raw[b]
                    shared[name] = None if va is None or vb is None else combine(va, vb)
                for name, resolve in resolved:
                    shared[name] = resolve(None)
                for name, first, second in late:
                    va, vb = shared[first], shared[second]
                    shared[name] = None if va is None or vb is None else va - vb
            if working is None or not self._any_working:
                cached = shared
            else:
                cached = shared.copy()  # same key order; only the working-side values change
                slots, resolvers = self._by_working[working]
                for name, a, b in slots:
                    if b < 0:
                        cached[name] = raw[a]
                    else:
                        va, vb = raw[a], raw[b]
                        cached[name] = None if va is None or vb is None else va - vb
                for name, resolve in resolvers:
                    cached[name] = resolve(working)
            self._values[working] = cached
        return cached

    def _shared_plan(self, nearer: str | None, working: set[str]) -> SharedPlan:
        """How ``values(None)`` reads every measure while ``nearer`` is the nearer side: the
        same values as the resolvers give (``_compile_resolver``), read from their slots."""
        none = self._none_slot

        def slot_at(name: str) -> int:  # the slot the measure reads (none: None), or -1
            if name in working:
                return none  # a working-side measure, for no working side
            if name in self.differences:
                return -1  # a difference of a difference: by its resolver
            how = self.readers[name].measure.side
            if how is None or how in SIDES:
                return self._slot[(name, how)]
            if how in ("nearer", "farther"):
                if nearer is None:
                    return none
                return self._slot[(name, nearer if how == "nearer" else other_side(nearer))]
            return -1  # max/min/mean/spread: combined from both sides' slots

        slots, differences, combined, resolved, late = [], [], [], [], []
        for name, _, resolve in self._plan:
            if name in self.differences and name not in working:
                first, second = self.differences[name]
                a, b = slot_at(first), slot_at(second)
                if a >= 0 and b >= 0:
                    differences.append((name, a, b))
                else:
                    # of measures combined from both sides (never of a difference: the rule
                    # language forbids it): taken from their values once those are in
                    late.append((name, first, second))
                slots.append(none)  # set after the gather
                continue
            slot = slot_at(name)
            how = self.readers[name].measure.side if name in self.readers else None
            if slot < 0 and how in _COMBINE:
                # both sides combined, read straight from their slots (no resolver call)
                left, right = self._slot[(name, "left")], self._slot[(name, "right")]
                combined.append((name, left, right, _COMBINE[how]))
            elif slot < 0:
                resolved.append((name, resolve))
            slots.append(slot if slot >= 0 else none)
        # one slot more than the measures (zip stops at the last name): ``itemgetter`` of a
        # single slot would return the value itself, not a tuple
        return itemgetter(*slots, none), tuple(differences), tuple(combined), tuple(resolved), tuple(late)

    def _slot_of(self, name: str, working: str | None) -> int:
        """The raw slot a (non-difference) measure reads for this working side, when that does
        not depend on the frame (not a nearer/farther or two-sided measure); else -1."""
        if name in self.differences:
            return -1
        side = self.readers[name].measure.side
        if side is None or side in SIDES:
            return self._slot[(name, side)]
        if side in ("working", "stance") and working is not None:
            return self._slot[(name, working if side == "working" else other_side(working))]
        return -1

    def _slots_of(self, name: str, working: str) -> tuple[int, int] | None:
        """(a, -1): the measure is raw[a]; (a, b): a difference raw[a] - raw[b]; None: neither."""
        if name in self.differences:
            first, second = (self._slot_of(part, working) for part in self.differences[name])
            return (first, second) if first >= 0 and second >= 0 else None
        slot = self._slot_of(name, working)
        return (slot, -1) if slot >= 0 else None

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
        if how in _COMBINE:
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
