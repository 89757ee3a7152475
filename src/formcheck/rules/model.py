"""The parsed form of a rule file: plain frozen dataclasses, no behaviour.

The loader (``formcheck.rules.schema``) builds these from YAML after validating every field;
the engine compiles them once into fast per-frame closures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FORMAT_VERSION = 1

VIEWS = ("side", "front", "any")
# The position an exercise is done in (``Exercise.posture``).
POSTURES = ("standing", "lying-on-back", "lying-on-side", "kneeling", "seated", "on-all-fours")
# The camera views a measure can be trusted in (``Measure.views``): the detected views.
DETECTED_VIEWS = ("side", "front", "angled")
MEASURE_KINDS = ("angle", "tilt", "fppa", "distance", "height", "elevation", "across", "lean", "difference")
# The kinds read as where a point is in the picture (up it, across it) rather than from the
# body alone: only their changes mean anything, so they are never compared with a fixed level.
PLACE_KINDS = ("elevation", "across")
CONVENTIONS = ("flexion", "interior")
TILT_FROM = ("up", "down", "horizontal")
NORMALISERS = ("leg_length", "hip_width", "shoulder_width", "torso_length", "ankle_width")
# image: the picture with MediaPipe's depth guess (z) as a third coordinate; picture: the
# picture alone, flat (x, y); world: MediaPipe's 3D world landmarks, metres.
SPACES = ("image", "picture", "world")
AXES = ("any", "horizontal", "vertical")
# Which body side a measure reads.
MEASURE_SIDES = ("left", "right", "working", "stance", "nearer", "farther", "max", "min", "mean", "spread")
COUNT_SIDES = ("both", "each")
PHASES = ("any", "seen", "rest", "moving", "peak", "hold", "rep", "rep_end")
SEVERITIES = ("info", "warning", "stop")

# Plausible value range of each kind of measure (thresholds outside it are typos).
VALUE_RANGE: dict[str, tuple[float, float]] = {
    "angle": (0.0, 180.0),
    "tilt": (0.0, 180.0),
    "fppa": (-90.0, 90.0),
    "distance": (0.0, 10.0),
    "height": (-10.0, 10.0),
    # a point's height in the picture, in body sizes above the picture's bottom edge: only its
    # changes mean anything (a rule reads it relative to the person's resting level)
    "elevation": (-50.0, 50.0),
    "across": (-50.0, 50.0),  # the same, across the picture from its left edge
    "lean": (-180.0, 180.0),
}
DEGREE_KINDS = ("angle", "tilt", "fppa", "lean")


def _whole(x: float) -> float:
    return int(x) if float(x).is_integer() else x


@dataclass(frozen=True, slots=True)
class Range:
    """A dose number: exactly ``lo`` when ``lo == hi``, else "lo–hi"."""

    lo: float
    hi: float

    def __str__(self) -> str:
        return f"{self.lo:g}" if self.lo == self.hi else f"{self.lo:g}–{self.hi:g}"

    def to_json(self) -> float | list[float]:
        """A number, or [low, high]; whole numbers as ints (15 reps, not 15.0)."""
        lo, hi = _whole(self.lo), _whole(self.hi)
        return lo if lo == hi else [lo, hi]


@dataclass(frozen=True, slots=True)
class Dose:
    reps: Range | None = None
    hold_s: Range | None = None
    sets: Range | None = None
    per_side: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "reps": self.reps.to_json() if self.reps else None,
            "hold_s": self.hold_s.to_json() if self.hold_s else None,
            "sets": self.sets.to_json() if self.sets else None,
            "per_side": self.per_side,
        }

    def __str__(self) -> str:
        parts = []
        if self.reps is not None:
            if self.sets is not None:
                parts.append(f"{self.sets} sets of")
            parts.append(f"{self.reps} reps")
        if self.hold_s is not None:
            parts.append(f"{'holding ' if self.reps is not None else 'hold '}{self.hold_s} s")
            if self.reps is None and self.sets is not None:
                parts.append(f"{self.sets} times")
        if self.per_side:
            parts.append("per side")
        return " ".join(parts) or "-"


@dataclass(frozen=True, slots=True)
class Measure:
    """One number computed from landmarks each frame.

    ``points`` are joint names: sided joints without a prefix ("knee", resolved with ``side``)
    or full landmark names ("left_knee", "nose").
    """

    name: str
    kind: str
    points: tuple[str, ...]
    side: str | None  # None when every point is a full landmark name
    convention: str = "flexion"  # angle only
    tilt_from: str = "up"  # tilt only
    per: str = "leg_length"  # distance/height/elevation/across only
    axis: str = "any"  # distance only
    space: str = "image"
    description: str = ""
    of: tuple[str, ...] = ()  # difference only: the two measures, first minus second
    operand_unit: str = ""  # difference only: the unit both measures share
    # The camera views it can be read in; in any other it is unknown (empty: every view).
    views: tuple[str, ...] = ()

    @property
    def sided(self) -> bool:
        return self.side is not None

    @property
    def unit(self) -> str:
        if self.kind == "difference":
            return self.operand_unit
        return "°" if self.kind in DEGREE_KINDS else f"× {self.per.replace('_', ' ')}"


def value_range(measure: Measure, measures: dict[str, Measure]) -> tuple[float, float]:
    """Plausible values of a measure (a threshold outside them is a typo). A difference spans
    from its first measure's low minus the second's high to the first's high minus the second's low."""
    if measure.kind == "difference":
        a_lo, a_hi = value_range(measures[measure.of[0]], measures)
        b_lo, b_hi = value_range(measures[measure.of[1]], measures)
        return a_lo - b_hi, a_hi - b_lo
    lo, hi = VALUE_RANGE[measure.kind]
    if measure.kind == "tilt" and measure.tilt_from == "horizontal":
        lo, hi = -90.0, 90.0
    return lo, hi


@dataclass(frozen=True, slots=True)
class Compare:
    """``measure`` above / below / between thresholds (all given bounds must hold)."""

    measure: str
    above: float | None = None
    below: float | None = None


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    item: Condition


Condition = Compare | AllOf | AnyOf | NotOf


DEFAULT_READY_MESSAGE = "Get into the start position"


@dataclass(frozen=True, slots=True)
class Ready:
    hold_s: float = 0.5
    when: Condition | None = None
    # What to tell the person while counting has not started ("Stand tall, feet hip-width").
    message: str = DEFAULT_READY_MESSAGE


@dataclass(frozen=True, slots=True)
class PeakHold:
    """A hold at the peak of every rep (the wall squat's 5–10 s at the bottom)."""

    target_s: float
    max_s: float | None = None


@dataclass(frozen=True, slots=True)
class Movement:
    """A measure going from its ``rest`` level to its ``peak`` level: what a rep is made of."""

    measure: str
    rest: float
    peak: float
    # rest and peak are changes from the person's own resting level of the measure (followed
    # as it drifts), not absolute values: for measures whose zero depends on the camera.
    from_rest_level: bool = False

    @property
    def rising(self) -> bool:
        """True when the measure grows from rest to peak."""
        return self.peak > self.rest


@dataclass(frozen=True, slots=True)
class Steady:
    """A measure that stays within ``within`` (its own unit) of itself through a rep."""

    measure: str
    within: float


@dataclass(frozen=True, slots=True)
class Reach:
    """A measure that goes past a level at some moment of every rep (``above`` or ``below``)."""

    measure: str
    above: float | None = None
    below: float | None = None

    @property
    def bound(self) -> tuple[str, float]:
        """("above", level) or ("below", level)."""
        if self.above is not None:
            return "above", self.above
        assert self.below is not None
        return "below", self.below

    def past(self, value: float) -> bool:
        return value > self.above if self.above is not None else value < self.below  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
class Reps:
    measure: str
    rest: float
    peak: float
    sides: str = "both"
    min_duration_s: float = 0.5
    max_duration_s: float | None = None
    ready: Ready = field(default_factory=Ready)
    hold: PeakHold | None = None
    from_rest_level: bool = False  # see ``Movement``
    # Further movements combined with the main one (the rule's ``and:`` or ``or:``, never both):
    # with ``and_also`` a rep needs every movement at its peak (a bridge kick: leg raised and
    # hips up), with ``or_else`` any one of them (a step-up: a foot up on the step or the body
    # raised by it).
    and_also: tuple[Movement, ...] = ()
    or_else: tuple[Movement, ...] = ()
    # Movements read in place of the main one while it cannot be (the rule's ``instead:``, in
    # order): a squat's knee bend needs the ankle, and a close-up that crops the feet still
    # shows the thigh go down and come back.
    instead: tuple[Movement, ...] = ()
    # Measures that stay put through a rep (the rule's ``steady:``): a rep in which one of them
    # ranged further than its limit was something else (a calf raise's feet stay where they
    # stand; a heel lifted to walk away is no raise).
    steady: tuple[Steady, ...] = ()
    # Measures that go past a level at some moment of every rep (the rule's ``reaches:``): the
    # shape of the movement, where the counted measure alone does not tell it from another
    # exercise's (a lunge's knee bends as a squat's does; at its bottom one thigh points forward
    # and the other down, a squat's thighs point alike). A rep in which one was read and never
    # went past its level was something else; one never read in the rep counts neither way.
    reaches: tuple[Reach, ...] = ()
    # ... and the measures that never go past a level in a rep (the rule's ``never:``): a squat's
    # thighs never split as a lunge's do. A rep in which one went past it was something else.
    never: tuple[Reach, ...] = ()

    @property
    def shape(self) -> tuple[tuple[Reach, bool], ...]:
        """``reaches`` then ``never``, each with whether it is a ``never`` one (one order for
        every reader: a rep keeps its readings by position here)."""
        return tuple((r, False) for r in self.reaches) + tuple((r, True) for r in self.never)

    @property
    def rising(self) -> bool:
        """True when the measure grows from rest to peak."""
        return self.peak > self.rest

    @property
    def main(self) -> Movement:
        return Movement(self.measure, self.rest, self.peak, self.from_rest_level)

    @property
    def movements(self) -> tuple[Movement, ...]:
        """The movements a rep is made of, the main one first (not the stand-ins ``instead``:
        reports show the movement itself)."""
        return (self.main, *self.and_also, *self.or_else)


@dataclass(frozen=True, slots=True)
class Hold:
    when: Condition
    target_s: float
    min_s: float = 2.0
    grace_s: float = 0.5
    sides: str = "both"


@dataclass(frozen=True, slots=True)
class Fault:
    id: str
    when: Condition
    message: str
    cue: str
    explain: str
    severity: str = "warning"
    phase: str = "any"
    for_s: float = 0.2
    view: str = "any"  # only checked when the camera does not clearly show the other view


@dataclass(frozen=True, slots=True)
class Exercise:
    id: str
    name: str
    view: str
    dose: Dose
    measures: dict[str, Measure]
    faults: tuple[Fault, ...]
    reps: Reps | None = None
    hold: Hold | None = None
    description: str = ""
    posture: str | None = None  # one of POSTURES; None: not said
    smoothing_s: float = 0.08
    min_visibility: float = 0.5
    dropout_grace_s: float = 0.4
    source: Path | None = None
    format: int = FORMAT_VERSION

    @property
    def kind(self) -> str:
        if self.reps is not None:
            return "reps+hold" if self.reps.hold is not None else "reps"
        return "hold"

    @property
    def hold_target_s(self) -> float | None:
        """Seconds to hold: the timed hold's target, or the hold at the peak of each rep."""
        if self.hold is not None:
            return self.hold.target_s
        if self.reps is not None and self.reps.hold is not None:
            return self.reps.hold.target_s
        return None

    @property
    def per_side(self) -> bool:
        """True when reps or holds are counted for each side separately."""
        block = self.reps if self.reps is not None else self.hold
        return block is not None and block.sides == "each"
