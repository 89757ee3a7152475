"""The figures a physiotherapist reads off a session: range of motion per side, left-right
difference, tempo of each rep, and how far each figure can be trusted.

``ClinicalRecorder`` is fed every processed frame (``add(step.pose_frame, step.report)``) and
keeps only a few numbers per frame; ``figures(result)`` then turns them, with the session
result's reps and holds (the ``formcheck.session/1`` dict), into ``ClinicalFigures``. Pure: no
clock, no I/O; the HTML report and the rep-table CSV render what it returns.

Definitions (docs in README "Clinical figures"):

- Key measures: the measures a rep is counted on, then the other angle measures the rule's
  faults and hold read (distances in body sizes are screening aids, not ranges of motion).
- Per side: for a rule that counts each side, a rep's side is the working side; for a rule that
  moves both sides together (a squat) each key measure is also read on the left and on the right
  (a shadow engine running the same rule with the measure pinned to each side), so a squat's
  left and right knee are compared rep by rep.
- A rep's value of a key measure: the extreme the measure reached during the rep (its deepest
  knee bend), for the counted measure in the direction of its peak, for the others in the
  direction the rule's faults watch (above a limit: the maximum).
- Per side: min / median / max over the reps; the left-right difference is the gap between the
  two sides' medians as a percentage of the better side's (the larger range; the smaller value
  for a measure whose peak is a low value).
- Tempo: from the rep's start (the measure leaving its rest level) to the first frame within
  ``TEMPO_BAND`` of the rep's own peak level (down), the time from then to the last such frame
  (held), and from there back to rest (up).
- Holds (stretches): a hold's value of a key measure is its median over the hold.
- Reliability: each measure has a view it is trustworthy in (``trusted_view``); a figure is
  graded by the share of its frames seen in that view and the mean confidence (visibility) of
  the landmarks it reads.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from formcheck.engine.conditions import measures_of
from formcheck.rules.model import DEGREE_KINDS, Compare, Condition, Exercise, Measure, NotOf

if TYPE_CHECKING:
    from formcheck.engine.report import FrameReport
    from formcheck.pose import PoseFrame

SIDES = ("left", "right")
# A rep is "at its peak" while the measure is within this share of the rep's excursion (from its
# start level to its peak level) of the peak level, and at least within TEMPO_MIN_BAND of it: the
# pose model's frame-to-frame jitter (±2-3°) must not split one pause into several. The peak
# level is a high percentile of the rep's values, not their extreme: one noisy frame at the
# bottom of a 5 s hold would otherwise make the hold look like a 0.1 s touch.
TEMPO_BAND = 0.15
TEMPO_MIN_BAND = 3.0
TEMPO_PEAK_PERCENTILE = 90
# Reliability grades: the share of frames in the trusted view and the landmarks' mean confidence.
GOOD_VIEW_SHARE, FAIR_VIEW_SHARE = 0.7, 0.3
GOOD_CONFIDENCE, FAIR_CONFIDENCE = 0.8, 0.6
# Shadow measures read on a pinned side are named ``measure@side``.
PINNED = "@"
# Measures read on each side separately for a rule that moves both sides together.
JOINT_KINDS = ("angle", "fppa")


# ---------------------------------------------------------------------------- what a measure is


def trusted_view(exercise: Exercise, name: str) -> str:
    """The camera view a measure can be trusted in: ``front``, ``side`` or ``any``.

    A measure that declares its ``views`` is trusted in those. For the others:

    A measure only front-view faults read, or a horizontal distance between the two sides
    (knee gap), means something only facing the camera. A 3D (``space: world``) angle reads the
    same from any side; an angle in the picture is foreshortened unless the camera sees the
    plane it bends in, which for the rules' flexion angles is side-on (front-view knee angles
    correlate r ≈ 0.31 with the true ones), for a frontal-plane angle (FPPA) from the front.
    """
    measure = exercise.measures[name]
    declared = set(measure.views) - {"angled"}  # the rule's own word comes first (``views:``)
    if len(declared) == 1:
        return declared.pop()
    if declared:
        return "any"  # side-on and from the front alike
    fault_views = {f.view for f in exercise.faults if name in measures_of(f.when)}
    if fault_views == {"front"}:
        return "front"
    if measure.kind == "difference":
        views = {trusted_view(exercise, of) for of in measure.of} - {"any"}
        return views.pop() if len(views) == 1 else "any"
    if measure.kind == "fppa" or (measure.kind == "distance" and measure.axis == "horizontal"):
        return "front"
    if measure.space == "world":
        return "any"
    if measure.kind in DEGREE_KINDS:
        return exercise.view if exercise.view != "any" else "side"
    return exercise.view


def measure_words(exercise: Exercise, name: str) -> str:
    """A measure's name as a runner would say it: ``knee_flexion`` → "knee bend"."""
    words = name.replace("_", " ")
    for technical, plain in (("flexion", "bend"), ("extension", "straightening"), ("abduction", "opening")):
        words = words.replace(technical, plain)
    return words


def key_measures(exercise: Exercise) -> list[str]:
    """The counted measures, then the other angle measures the faults and the hold read."""
    out: list[str] = []
    if exercise.reps is not None:
        out += [mv.measure for mv in exercise.reps.movements]
    if exercise.hold is not None:
        out += sorted(measures_of(exercise.hold.when))
    for fault in exercise.faults:
        out += sorted(measures_of(fault.when))
    unique: list[str] = []
    counted = set(out[: len(exercise.reps.movements)]) if exercise.reps is not None else set()
    for name in out:
        measure = exercise.measures.get(name)
        if measure is None or name in unique:
            continue
        if name in counted or (measure.kind in DEGREE_KINDS and trusted_view(exercise, name) != "front"):
            unique.append(name)
    return unique


def rises(exercise: Exercise, name: str) -> bool:
    """Whether a measure's extreme of interest is its maximum (a squat's knee bend) or its
    minimum (a bridge's hip bend, 0° at the top)."""
    if exercise.reps is not None:
        for mv in exercise.reps.movements:
            if mv.measure == name:
                return mv.rising
    directions = [d for f in exercise.faults for d in _directions(f.when, name)]
    if exercise.hold is not None:
        directions += _directions(exercise.hold.when, name)
    return directions.count("below") <= directions.count("above") if directions else True


def _directions(cond: Condition, name: str) -> list[str]:
    if isinstance(cond, Compare):
        if cond.measure != name:
            return []
        if cond.above is not None and cond.below is not None:
            return []  # a band says nothing about which way is worse
        return ["above"] if cond.above is not None else ["below"]
    if isinstance(cond, NotOf):
        return [{"above": "below", "below": "above"}[d] for d in _directions(cond.item, name)]
    return [d for item in cond.items for d in _directions(item, name)]


# ---------------------------------------------------------------------------- the figures


@dataclass(frozen=True)
class Tempo:
    down_s: float
    held_s: float
    up_s: float


@dataclass(frozen=True)
class RepFigures:
    number: int  # 1-based, in the session's order
    side: str | None  # the working side (None when both sides move together)
    start_s: float
    t_s: float
    end_s: float
    # key measure -> side ("left"/"right", or None for the value as the rule reads it) -> value
    values: dict[str, dict[str | None, float | None]]
    tempo: Tempo | None
    good: bool = True
    faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class SideRange:
    n: int
    low: float
    median: float
    high: float


@dataclass(frozen=True)
class MeasureRange:
    """One key measure over the session's reps (or holds), per side."""

    measure: str
    words: str
    unit: str
    rising: bool
    by_side: dict[str, SideRange]  # "left"/"right", or "both" when sides are not told apart
    difference_pct: float | None  # left-right gap of the medians, % of the better side's
    weaker: str | None  # the side short of the other (of the lower median for a fault's measure)
    movement: bool = True  # a measure the rep or hold is made of (else one a fault watches)


@dataclass(frozen=True)
class Reliability:
    measure: str
    view: str  # the view it is trusted in
    view_share: float | None  # share of its frames seen in that view (None: no frames)
    confidence: float | None  # mean visibility of the landmarks it reads
    grade: str  # good | fair | poor
    why: str  # plain words: "seen side-on in 40% of the frames"


@dataclass(frozen=True)
class ClinicalFigures:
    kind: str  # "reps" or "holds": what the per-rep rows and ranges are made of
    reps: tuple[RepFigures, ...]
    ranges: tuple[MeasureRange, ...]
    reliability: dict[str, Reliability]
    hold_values: tuple[dict[str, Any], ...] = ()  # per hold: side, seconds, {measure: median}
    notes: tuple[str, ...] = field(default_factory=tuple)

    def trusted(self, measure: str) -> bool:
        rel = self.reliability.get(measure)
        return rel is None or rel.grade != "poor"


# ---------------------------------------------------------------------------- recording


class ClinicalRecorder:
    """Keeps, per frame, the time, the key measures (as reported and pinned to each side), the
    view and the landmarks' confidence; ``figures`` computes the clinical figures from them."""

    def __init__(self, exercise: Exercise) -> None:
        from formcheck.engine import ExerciseEngine

        self.exercise = exercise
        self.keys = key_measures(exercise)
        # The shadow engine: the same rule with each key measure also read on the left and on the
        # right, for rules that move both sides together. It also tells the view per frame.
        extra: dict[str, Measure] = {}
        if not exercise.per_side:
            for name in self.keys:
                m = exercise.measures[name]
                # joint angles only: a trunk's lean read from the left or the right hip is one trunk
                if m.sided and m.side not in SIDES and m.kind in JOINT_KINDS:
                    for side in SIDES:
                        extra[f"{name}{PINNED}{side}"] = replace(m, name=f"{name}{PINNED}{side}", side=side)
        self.pinned = tuple(extra)
        # the measures the movement is made of (a rep's, a hold's): their difference is a range
        self._movement_measures = (
            {mv.measure for mv in exercise.reps.movements}
            if exercise.reps is not None
            else measures_of(exercise.hold.when)
            if exercise.hold is not None
            else set()
        )
        self._shadow = ExerciseEngine(replace(exercise, measures={**exercise.measures, **extra}))
        self.t: list[float] = []
        self.series: dict[str, list[float]] = {}
        self.views: list[str] = []
        self.confidence: dict[str, list[float]] = {name: [] for name in exercise.measures}

    def add(self, pose_frame: PoseFrame, report: FrameReport) -> None:
        n = len(self.t)
        self.t.append(report.t_ms / 1000.0)
        shadow = self._shadow.update(pose_frame, report.pose)
        self.views.append(self._shadow.view.view if report.pose is not None else "unknown")
        values = dict(report.measures)
        for key in self.pinned:
            values[key] = shadow.measures.get(key)
        for key, value in values.items():
            column = self.series.get(key)
            if column is None:
                column = self.series[key] = [math.nan] * n
            column.append(math.nan if value is None else float(value))
        for column in self.series.values():
            if len(column) == n:
                column.append(math.nan)
        vis = report.pose.visibility if report.pose is not None else None
        for name, conf in self.confidence.items():
            idx = report.highlight.get(name, ())
            conf.append(float(min(vis[i] for i in idx)) if vis is not None and idx else math.nan)

    # ------------------------------------------------------------------------ figures

    def figures(self, result: dict[str, Any]) -> ClinicalFigures:
        ex = self.exercise
        events = [e for e in result.get("rep_events") or [] if isinstance(e, dict)]
        holds = [h for h in result.get("holds") or [] if isinstance(h, dict)]
        spans: list[tuple[float, float]]
        if ex.reps is not None:
            reps = tuple(self._rep(i, ev) for i, ev in enumerate(events, 1))
            ranges = tuple(r for name in self.keys if (r := self._range_of_reps(name, reps)) is not None)
            spans = [(r.start_s, r.end_s) for r in reps]
            hold_values: tuple[dict[str, Any], ...] = ()
            kind = "reps"
        else:
            reps = ()
            hold_values = tuple(self._hold(h) for h in holds)
            ranges = tuple(
                r for name in self.keys if (r := self._range_of_holds(name, hold_values)) is not None
            )
            spans = [(float(h.get("start_s") or 0), float(h.get("end_s") or 0)) for h in holds]
            kind = "holds"
        reliability = {name: self._reliability(name, spans) for name in ex.measures}
        return ClinicalFigures(kind, reps, ranges, reliability, hold_values)

    def _window(self, start_s: float, end_s: float) -> range:
        """Indices of the frames from ``start_s`` to ``end_s`` (inclusive)."""
        import bisect

        return range(bisect.bisect_left(self.t, start_s - 1e-6), bisect.bisect_right(self.t, end_s + 1e-6))

    def _column(self, key: str) -> list[float]:
        return self.series.get(key) or [math.nan] * len(self.t)

    def _rep(self, number: int, ev: dict[str, Any]) -> RepFigures:
        ex = self.exercise
        start, end = float(ev.get("start_s") or 0.0), float(ev.get("end_s") or 0.0)
        peak_t = float(ev.get("t_s") or start)
        side = ev.get("side") if ev.get("side") in SIDES else None
        window = self._window(start, end)
        values: dict[str, dict[str | None, float | None]] = {}
        for name in self.keys:
            up = rises(ex, name)
            per_side: dict[str | None, float | None] = {}
            keys: list[tuple[str | None, str]] = [(None, self._reported_key(name, side))]
            if side is None and self._both_sides_seen(window):
                keys += [(s, f"{name}{PINNED}{s}") for s in SIDES if f"{name}{PINNED}{s}" in self.series]
            for s, key in keys:
                per_side[s] = _extreme((self._column(key)[i] for i in window), up)
            if side is not None:
                per_side[side] = per_side[None]
            values[name] = per_side
        tempo = None
        if ex.reps is not None:
            main = ex.reps.measure
            column = self._column(self._reported_key(main, side))
            tempo = rep_tempo(
                [self.t[i] for i in window], [column[i] for i in window], ex.reps.rising, start, end
            )
        faults = ev.get("faults")
        return RepFigures(
            number, side, start, peak_t, end, values, tempo, bool(ev.get("good", True)),
            tuple(str(f) for f in faults) if isinstance(faults, list) else (),
        )  # fmt: skip

    def _both_sides_seen(self, window: range) -> bool:
        """Whether the two sides can be compared over these frames: not side-on, where the far
        leg is hidden behind the near one and its angles are the model's guess."""
        seen = [self.views[i] for i in window if self.views[i] != "unknown"]
        return bool(seen) and sum(v == "side" for v in seen) < 0.5 * len(seen)

    def _reported_key(self, name: str, side: str | None) -> str:
        """The report's key of a measure on the working side (``name.left`` when split)."""
        split = f"{name}.{side}"
        return split if side is not None and split in self.series else name

    def _hold(self, hold: dict[str, Any]) -> dict[str, Any]:
        side = hold.get("side") if hold.get("side") in SIDES else None
        window = self._window(float(hold.get("start_s") or 0), float(hold.get("end_s") or 0))
        medians: dict[str, dict[str | None, float | None]] = {}
        for name in self.keys:
            keys: list[tuple[str | None, str]] = [(side, self._reported_key(name, side))]
            if side is None and self._both_sides_seen(window):
                keys += [(s, f"{name}{PINNED}{s}") for s in SIDES if f"{name}{PINNED}{s}" in self.series]
            medians[name] = {s: _median(self._column(k)[i] for i in window) for s, k in keys}
        return {
            "side": side,
            "seconds": hold.get("seconds"),
            "start_s": hold.get("start_s"),
            "values": medians,
        }

    def _range_of_reps(self, name: str, reps: Sequence[RepFigures]) -> MeasureRange | None:
        by_side: dict[str, list[float]] = {}
        for rep in reps:
            vals = rep.values.get(name, {})
            for s in SIDES:
                v = vals.get(s)
                if v is not None:
                    by_side.setdefault(s, []).append(v)
            v = vals.get(None)
            if v is not None and not any(vals.get(s) is not None for s in SIDES):
                by_side.setdefault("both", []).append(v)
        return self._range(name, by_side)

    def _range_of_holds(self, name: str, holds: Sequence[dict[str, Any]]) -> MeasureRange | None:
        by_side: dict[str, list[float]] = {}
        for hold in holds:
            vals = hold["values"].get(name, {})
            for s, v in vals.items():
                if v is not None:
                    by_side.setdefault(s if s in SIDES else "both", []).append(v)
        return self._range(name, by_side)

    def _range(self, name: str, by_side: dict[str, list[float]]) -> MeasureRange | None:
        if not by_side:
            return None
        measure = self.exercise.measures[name]
        up = rises(self.exercise, name)
        ranges = {s: SideRange(len(v), min(v), statistics.median(v), max(v)) for s, v in by_side.items()}
        pct, weaker = None, None
        movement = name in self._movement_measures
        if "left" in ranges and "right" in ranges:
            # a range of motion: of the side that got further; a fault's measure: of the larger
            pct, weaker = left_right_difference(
                ranges["left"].median, ranges["right"].median, up or not movement
            )
        unit = "°" if measure.kind in DEGREE_KINDS else ""
        return MeasureRange(name, measure_words(self.exercise, name), unit, up, ranges, pct, weaker, movement)

    def _reliability(self, name: str, spans: Sequence[tuple[float, float]]) -> Reliability:
        view = trusted_view(self.exercise, name)
        idx: Iterable[int] = (
            sorted({i for a, b in spans for i in self._window(a, b)}) if spans else range(len(self.t))
        )
        frames = [i for i in idx if self.views[i] != "unknown"]
        conf = [c for i in idx if not math.isnan(c := self.confidence[name][i])]
        share = None
        if frames:
            share = 1.0 if view == "any" else sum(self.views[i] == view for i in frames) / len(frames)
        confidence = statistics.fmean(conf) if conf else None
        return grade(name, view, share, confidence, what="reps" if self.exercise.reps else "holds")


def grade(name: str, view: str, share: float | None, confidence: float | None, *, what: str) -> Reliability:
    """Grade a measure's reliability from its view share and landmark confidence."""
    if share is None or confidence is None:
        return Reliability(name, view, share, confidence, "poor", "not seen")
    where = {"side": "side-on", "front": "from the front"}.get(view)
    parts = []
    if where is not None:
        parts.append(f"seen {where} in {share:.0%} of the {what}' frames")
    parts.append(f"landmark confidence {confidence:.2f}")
    if share >= GOOD_VIEW_SHARE and confidence >= GOOD_CONFIDENCE:
        level = "good"
    elif share < FAIR_VIEW_SHARE or confidence < FAIR_CONFIDENCE:
        level = "poor"
    else:
        level = "fair"
    return Reliability(name, view, share, confidence, level, ", ".join(parts))


def left_right_difference(left: float, right: float, rising: bool) -> tuple[float | None, str | None]:
    """The gap between the sides as a % of the better side (the larger value, or the smaller for
    a measure whose goal is a low value), and the weaker side."""
    better, weaker = (left, "right") if (left >= right) == rising else (right, "left")
    if left == right:
        return 0.0, None
    if abs(better) < 1e-9:
        return None, weaker
    return abs(left - right) / abs(better) * 100.0, weaker


def rep_tempo(
    t: Sequence[float], values: Sequence[float], rising: bool, start_s: float, end_s: float
) -> Tempo | None:
    """Seconds down (to the peak band), held (in it) and up (back to rest) of one rep."""
    known = [(ts, v) for ts, v in zip(t, values, strict=True) if not math.isnan(v)]
    if len(known) < 3:
        return None
    sign = 1.0 if rising else -1.0
    signed = sorted(sign * v for _, v in known)
    level = signed[min(len(signed) - 1, round(TEMPO_PEAK_PERCENTILE / 100 * (len(signed) - 1)))]
    first = sign * known[0][1]
    band = max(TEMPO_BAND * abs(level - first), TEMPO_MIN_BAND)
    inside = [ts for ts, v in known if sign * v >= level - band]
    reach, leave = inside[0], inside[-1]
    return Tempo(max(0.0, reach - start_s), max(0.0, leave - reach), max(0.0, end_s - leave))


def _extreme(values: Iterable[float], rising: bool) -> float | None:
    known = [v for v in values if not math.isnan(v)]
    if not known:
        return None
    return max(known) if rising else min(known)


def _median(values: Iterable[float]) -> float | None:
    known = [v for v in values if not math.isnan(v)]
    return statistics.median(known) if known else None
