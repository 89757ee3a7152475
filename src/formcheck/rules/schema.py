"""Validate a parsed rule document and build the ``Exercise`` it describes.

Every check names the file, line and field, says what was expected, and suggests the closest
valid name for a misspelling. The schema is this code: one function per section.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from formcheck.errors import RuleError, RuleErrors
from formcheck.landmarks import INDEX, SIDED_JOINTS
from formcheck.rules import model as m
from formcheck.rules.yamlnodes import Document, PathKey

ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SNAKE_RE = re.compile(r"^[a-z][a-z0-9_]*$")

# Number of points each measure kind takes.
POINT_COUNT = {
    "angle": 3, "tilt": 2, "fppa": 0, "distance": 2, "height": 2, "elevation": 1, "across": 1, "lean": 2,
    "difference": 0,
}  # fmt: skip
# Fields allowed in a measure, per kind (besides kind, side, space, description).
KIND_FIELDS = {
    "angle": {"points", "convention"},
    "tilt": {"points", "from"},
    "fppa": set(),
    "distance": {"points", "per", "axis"},
    "height": {"points", "per"},
    "elevation": {"points", "per"},
    "across": {"points", "per"},
    "lean": {"points"},
    "difference": {"of"},
}
COMMON_MEASURE_FIELDS = {"kind", "side", "space", "description", "views"}
DIFFERENCE_FIELDS = {"kind", "of", "description"}  # a difference reads its measures' sides
TOP_FIELDS = (
    "format", "id", "name", "description", "view", "posture", "dose", "measures", "reps", "hold", "faults",
    "smoothing_s", "min_visibility", "dropout_grace_s",
)  # fmt: skip


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


T = TypeVar("T")


class _Cascade(RuleError):
    """A problem that only follows from one already reported (a reference to a broken measure)."""


class _Checker:
    """Typed accessors over the document that raise precise ``RuleError``s.

    Every problem of a file is reported in one run, as a compiler does: each section, measure
    and fault is checked on its own (``attempt``), a failure is collected in ``errors`` and the
    check goes on; unknown field names are collected without stopping. A reference to a measure
    that failed is not reported again (``_Cascade``).
    """

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.errors: list[RuleError] = []
        self.broken_measures: set[str] = set()
        self.measures_unreadable = False
        self.unknown_fields: set[PathKey] = set()

    def fail(self, path: PathKey, what: str, *, at_key: bool = False) -> RuleError:
        return self.doc.error(path, what, at_key=at_key)

    def attempt(self, check: Callable[[], T], default: T) -> T:
        """``check()``, or ``default`` with its problem collected."""
        try:
            return check()
        except _Cascade:
            return default
        except RuleErrors as err:
            self.report(*err.errors)
            return default
        except RuleError as err:
            self.report(err)
            return default

    def report(self, *errors: RuleError) -> None:
        for err in errors:
            if all(err.message != seen.message for seen in self.errors):
                self.errors.append(err)

    def raise_collected(self) -> None:
        if self.errors:
            ordered = sorted(self.errors, key=_line_of)
            raise ordered[0] if len(ordered) == 1 else RuleErrors(ordered)

    def mapping(self, value: Any, path: PathKey, what: str = "a mapping") -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected {what}, got {_type_name(value)}")
        return value

    def fields(self, mapping: dict[str, Any], path: PathKey, allowed: Iterable[str]) -> None:
        """Collect every unknown field (the rest of the mapping is still checked)."""
        allowed = list(allowed)
        for key in mapping:
            if key not in allowed:
                self.unknown_fields.add((*path, key))
                self.report(
                    self.fail((*path, key), f"unknown field '{key}'{did_you_mean(key, allowed)}", at_key=True)
                )

    def require(self, mapping: dict[str, Any], key: str, path: PathKey) -> Any:
        if key not in mapping:
            if self.misspelt(mapping, path, key):
                raise _Cascade(key)  # 'peek' was reported as unknown (did you mean 'peak'?)
            raise self.fail(path, f"missing required field '{key}'")
        return mapping[key]

    def misspelt(self, mapping: dict[str, Any], path: PathKey, *keys: str) -> bool:
        """Was one of ``keys`` given misspelt (and so already reported as an unknown field)?"""
        typos = [k for k in mapping if (*path, k) in self.unknown_fields]
        return any(difflib.get_close_matches(key, typos, n=1, cutoff=0.6) for key in keys)

    def text(self, value: Any, path: PathKey) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"expected text, got {_type_name(value)}")
        return value.strip()

    def number(
        self, value: Any, path: PathKey, *, lo: float | None = None, hi: float | None = None,
        positive: bool = False,
    ) -> float:  # fmt: skip
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(path, f"expected a number, got {_type_name(value)}")
        v = float(value)
        if positive and v <= 0:
            raise self.fail(path, f"must be greater than 0, got {value}")
        if lo is not None and v < lo:
            raise self.fail(path, f"must be at least {lo:g}, got {value}")
        if hi is not None and v > hi:
            raise self.fail(path, f"must be at most {hi:g}, got {value}")
        return v

    def seconds(self, value: Any, path: PathKey, *, allow_zero: bool = True) -> float:
        v = self.number(value, path)
        if v < 0 or (v == 0 and not allow_zero):
            raise self.fail(
                path,
                f"a duration must be {'0 or more' if allow_zero else 'more than 0'} seconds, got {value}",
            )
        if v > 3600:
            raise self.fail(path, f"a duration must be at most 3600 seconds, got {value}")
        return v

    def choice(self, value: Any, path: PathKey, choices: tuple[str, ...], what: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected one of {', '.join(choices)}, got {_type_name(value)}")
        if value not in choices:
            raise self.fail(
                path,
                f"unknown {what} '{value}'{did_you_mean(value, choices)}; "
                f"expected one of {', '.join(choices)}",
            )
        return value

    def boolean(self, value: Any, path: PathKey) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {_type_name(value)}")
        return value

    def range_(self, value: Any, path: PathKey, *, integer: bool = False) -> m.Range:
        if isinstance(value, list):
            if len(value) != 2:
                raise self.fail(path, f"expected a number or a range [low, high], got a list of {len(value)}")
            lo = self.number(value[0], (*path, 0), positive=True)
            hi = self.number(value[1], (*path, 1), positive=True)
            if hi < lo:
                raise self.fail(path, f"range [low, high] has high {hi:g} below low {lo:g}")
        else:
            lo = hi = self.number(value, path, positive=True)
        if integer and (lo != int(lo) or hi != int(hi)):
            raise self.fail(path, "expected whole numbers")
        return m.Range(lo, hi)


def _line_of(err: RuleError) -> int:
    found = re.search(r":(\d+): ", err.message)
    return int(found.group(1)) if found else 0


def build_exercise(doc: Document) -> m.Exercise:
    """The ``Exercise`` a document describes; raises ``RuleError`` for one problem, or
    ``RuleErrors`` listing every problem of the file."""
    c = _Checker(doc)
    top = c.mapping(doc.value, (), "a mapping with format, id, name, ... at the top level")
    c.fields(top, (), TOP_FIELDS)
    stem = doc.path.name.rsplit(".", 1)[0]

    def check_format() -> None:
        fmt = c.require(top, "format", ())
        if isinstance(fmt, bool) or fmt != m.FORMAT_VERSION:
            raise c.fail(
                ("format",), f"unsupported format {fmt!r}; this formcheck reads format {m.FORMAT_VERSION}"
            )

    def check_id() -> str:
        ex_id = c.text(c.require(top, "id", ()), ("id",))
        if not ID_RE.match(ex_id):
            raise c.fail(("id",), f"id '{ex_id}' must be lowercase words joined by '-' (like 'wall-squat')")
        if ex_id != stem:
            raise c.fail(("id",), f"id '{ex_id}' must match the file name '{stem}'")
        return ex_id

    c.attempt(check_format, None)
    ex_id = c.attempt(check_id, stem)
    name = c.attempt(lambda: c.text(c.require(top, "name", ()), ("name",)), stem)
    description = c.attempt(
        lambda: c.text(top["description"], ("description",)) if "description" in top else "", ""
    )
    view = c.attempt(lambda: c.choice(c.require(top, "view", ()), ("view",), m.VIEWS, "view"), "any")
    posture = c.attempt(
        lambda: c.choice(top["posture"], ("posture",), m.POSTURES, "posture") if "posture" in top else None,
        None,
    )
    dose = c.attempt(lambda: _dose(c, c.require(top, "dose", ())), m.Dose())
    if "reps" in top and "hold" in top:
        c.report(c.fail(
            ("hold",), "give either 'reps' or 'hold', not both (a hold inside each rep goes in reps.hold)"
        ))  # fmt: skip
    if "reps" not in top and "hold" not in top:
        c.report(c.fail((), "missing 'reps' or 'hold': say how a rep or a hold is recognised"))
    count_block = top.get("reps", top.get("hold"))
    count_key = "reps" if "reps" in top else "hold"
    sides = "both"
    if isinstance(count_block, dict) and "sides" in count_block:
        sides = c.attempt(
            lambda: c.choice(count_block["sides"], (count_key, "sides"), m.COUNT_SIDES, "sides"), "both"
        )
    no_measures: dict[str, m.Measure] = {}
    measures = c.attempt(
        lambda: _measures(c, c.require(top, "measures", ()), per_side=sides == "each"), no_measures
    )
    if not measures:
        c.measures_unreadable = True
    reps = hold = None
    if count_block is not None:
        if count_key == "reps":
            reps = c.attempt(lambda: _reps(c, count_block, measures), None)
        else:
            hold = c.attempt(lambda: _hold(c, count_block, measures), None)
    no_faults: tuple[m.Fault, ...] = ()
    faults = c.attempt(
        lambda: _faults(c, top.get("faults", []), measures, has_reps=count_key == "reps"), no_faults
    )

    def check_smoothing() -> float:
        smoothing = c.seconds(top.get("smoothing_s", 0.08), ("smoothing_s",))
        if smoothing > 2:
            raise c.fail(("smoothing_s",), f"smoothing over {smoothing:g} s would hide reps; use at most 2")
        return smoothing

    smoothing = c.attempt(check_smoothing, 0.08)
    min_vis = c.attempt(
        lambda: c.number(top.get("min_visibility", 0.5), ("min_visibility",), lo=0.0, hi=1.0), 0.5
    )
    grace = c.attempt(lambda: c.seconds(top.get("dropout_grace_s", 0.4), ("dropout_grace_s",)), 0.4)
    c.raise_collected()
    return m.Exercise(
        id=ex_id, name=name, view=view, dose=dose, measures=measures, faults=faults, reps=reps,
        hold=hold, description=description, posture=posture, smoothing_s=smoothing, min_visibility=min_vis,
        dropout_grace_s=grace, source=doc.path,
    )  # fmt: skip


def _dose(c: _Checker, raw: Any) -> m.Dose:
    path: PathKey = ("dose",)
    d = c.mapping(raw, path)
    c.fields(d, path, ("reps", "hold_s", "sets", "per_side"))
    if "reps" not in d and "hold_s" not in d:
        raise c.fail(path, "missing required field 'reps' or 'hold_s'")
    return m.Dose(
        reps=c.range_(d["reps"], (*path, "reps"), integer=True) if "reps" in d else None,
        hold_s=c.range_(d["hold_s"], (*path, "hold_s")) if "hold_s" in d else None,
        sets=c.range_(d["sets"], (*path, "sets"), integer=True) if "sets" in d else None,
        per_side=c.boolean(d["per_side"], (*path, "per_side")) if "per_side" in d else False,
    )


def _point(c: _Checker, raw: Any, path: PathKey) -> tuple[str, bool]:
    """A landmark name; returns (name, needs_side)."""
    if not isinstance(raw, str):
        raise c.fail(path, f"expected a landmark name, got {_type_name(raw)}")
    if raw in SIDED_JOINTS:
        return raw, True
    if raw in INDEX:
        return raw, False
    raise c.fail(path, f"unknown landmark '{raw}'{did_you_mean(raw, (*SIDED_JOINTS, *INDEX))}")


def _measures(c: _Checker, raw: Any, *, per_side: bool) -> dict[str, m.Measure]:
    path: PathKey = ("measures",)
    ms = c.mapping(raw, path, "a mapping of measure names to measures")
    if not ms:
        raise c.fail(path, "no measures defined; a rule needs at least one")
    out: dict[str, m.Measure] = {}
    for name, spec_raw in ms.items():
        measure = c.attempt(functools.partial(_measure, c, name, spec_raw, per_side), None)
        if measure is None:
            c.broken_measures.add(name)
        else:
            out[name] = measure
    return _check_differences(c, out)


def _measure(c: _Checker, name: str, spec_raw: Any, per_side: bool) -> m.Measure:
    mp: PathKey = ("measures", name)
    if not SNAKE_RE.match(name):
        raise c.fail(mp, f"measure name '{name}' must be snake_case (like 'knee_flexion')", at_key=True)
    spec = c.mapping(spec_raw, mp)
    kind = c.choice(c.require(spec, "kind", mp), (*mp, "kind"), m.MEASURE_KINDS, "measure kind")
    if kind == "difference":
        return _difference(c, name, spec, mp)
    c.fields(spec, mp, sorted(COMMON_MEASURE_FIELDS | KIND_FIELDS[kind]))
    points: tuple[str, ...] = ()
    needs_side = kind == "fppa"
    if kind != "fppa":
        pts = c.require(spec, "points", mp)
        if not isinstance(pts, list):
            raise c.fail((*mp, "points"), f"expected a list of landmark names, got {_type_name(pts)}")
        want = POINT_COUNT[kind]
        if len(pts) != want:
            raise c.fail(
                (*mp, "points"),
                f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} measure takes {want} "
                f"point{'' if want == 1 else 's'}, got {len(pts)}"
                + (" (the middle one is the joint)" if kind == "angle" else ""),
            )  # fmt: skip
        parsed = [_point(c, p, (*mp, "points", i)) for i, p in enumerate(pts)]
        points = tuple(p for p, _ in parsed)
        needs_side = any(s for _, s in parsed)
        if len(set(points)) != len(points):
            raise c.fail((*mp, "points"), "the points must be different landmarks")
    if kind == "lean" and spec.get("space") == "picture":
        raise c.fail(
            (*mp, "space"),
            "a lean needs the depth to tell forward from backward: use space image or world",
        )
    if kind in m.PLACE_KINDS and spec.get("space") == "world":
        raise c.fail(
            (*mp, "space"),
            f"{kind} is where a point is in the picture: world landmarks are centred on the "
            "hips, so they never rise or move across",
        )
    side: str | None = None
    if needs_side:
        side = c.choice(c.require(spec, "side", mp), (*mp, "side"), m.MEASURE_SIDES, "side")
        if side in ("working", "stance") and not per_side:
            raise c.fail(
                (*mp, "side"),
                f"side '{side}' needs reps or hold counted for each side (sides: each)",
            )
    elif "side" in spec:
        raise c.fail(
            (*mp, "side"), "all points name their side already (like 'left_knee'); remove 'side'"
        )
    return m.Measure(
        name=name, kind=kind, points=points, side=side,
        convention=c.choice(
            spec.get("convention", "flexion"), (*mp, "convention"), m.CONVENTIONS, "convention"
        ),
        tilt_from=c.choice(spec.get("from", "up"), (*mp, "from"), m.TILT_FROM, "direction"),
        per=c.choice(spec.get("per", "leg_length"), (*mp, "per"), m.NORMALISERS, "normaliser"),
        axis=c.choice(spec.get("axis", "any"), (*mp, "axis"), m.AXES, "axis"),
        space=c.choice(spec.get("space", "image"), (*mp, "space"), m.SPACES, "space"),
        description=c.text(spec["description"], (*mp, "description")) if "description" in spec else "",
        views=_views(c, spec.get("views"), (*mp, "views")),
    )  # fmt: skip


def _views(c: _Checker, raw: Any, path: PathKey) -> tuple[str, ...]:
    """``views: [side, angled]``: the camera views a measure can be trusted in."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise c.fail(path, f"expected a list of views ({', '.join(m.DETECTED_VIEWS)}), got {_type_name(raw)}")
    views = tuple(c.choice(v, (*path, i), m.DETECTED_VIEWS, "view") for i, v in enumerate(raw))
    if len(set(views)) != len(views):
        raise c.fail(path, "each view once")
    return views


def _difference(c: _Checker, name: str, spec: dict[str, Any], mp: PathKey) -> m.Measure:
    """``kind: difference, of: [a, b]``: a minus b (checked against the other measures later)."""
    c.fields(spec, mp, sorted(DIFFERENCE_FIELDS))
    of = c.require(spec, "of", mp)
    if not isinstance(of, list) or len(of) != 2 or not all(isinstance(x, str) for x in of):
        raise c.fail(
            (*mp, "of"), "expected two measure names [first, second]: the value is first minus second"
        )
    if of[0] == of[1]:
        raise c.fail((*mp, "of"), "the two measures must differ")
    desc = c.text(spec["description"], (*mp, "description")) if "description" in spec else ""
    return m.Measure(name=name, kind="difference", points=(), side=None, of=(of[0], of[1]), description=desc)


def _check_differences(c: _Checker, measures: dict[str, m.Measure]) -> dict[str, m.Measure]:
    """Resolve each difference's two measures (defined anywhere in the file): they must exist, not
    be differences themselves, and share a unit (degrees minus a distance means nothing)."""
    out = dict(measures)
    for name, meas in measures.items():
        if meas.kind != "difference":
            continue
        checked = c.attempt(functools.partial(_check_difference, c, meas, measures), None)
        if checked is None:
            del out[name]
            c.broken_measures.add(name)
        else:
            out[name] = checked
    return out


def _check_difference(c: _Checker, meas: m.Measure, measures: dict[str, m.Measure]) -> m.Measure:
    path: PathKey = ("measures", meas.name, "of")
    for i, ref in enumerate(meas.of):
        if ref in c.broken_measures:
            raise _Cascade(ref)
        if ref not in measures:
            raise c.fail((*path, i), f"unknown measure '{ref}'{did_you_mean(ref, measures)}")
        if measures[ref].kind == "difference":
            raise c.fail(
                (*path, i), f"'{ref}' is itself a difference; take the difference of plain measures"
            )
        if measures[ref].kind in m.PLACE_KINDS:
            raise c.fail(
                (*path, i),
                f"'{ref}' is where a point is in the picture ({measures[ref].kind}); a height or "
                "distance measure compares two points directly",
            )
    units = [measures[ref].unit for ref in meas.of]
    if units[0] != units[1]:
        raise c.fail(
            path, f"'{meas.of[0]}' ({units[0]}) and '{meas.of[1]}' ({units[1]}) are in different units"
        )
    return dataclasses.replace(meas, operand_unit=units[0])


def _measure_ref(c: _Checker, raw: Any, path: PathKey, measures: dict[str, m.Measure]) -> m.Measure:
    if not isinstance(raw, str):
        raise c.fail(path, f"expected a measure name, got {_type_name(raw)}")
    if raw not in measures and (raw in c.broken_measures or c.measures_unreadable):
        raise _Cascade(raw)  # its own problem was reported where it is defined
    if raw not in measures:
        raise c.fail(path, f"unknown measure '{raw}'{did_you_mean(raw, [*measures, *c.broken_measures])}")
    return measures[raw]


def _threshold(
    c: _Checker, raw: Any, path: PathKey, measure: m.Measure, measures: dict[str, m.Measure]
) -> float:
    v = c.number(raw, path)
    lo, hi = m.value_range(measure, measures)
    if not lo <= v <= hi:
        raise c.fail(
            path, f"threshold {raw:g} is out of range for {measure.kind} measure '{measure.name}' "
            f"(expected {lo:g} to {hi:g}{measure.unit if measure.unit == '°' else ''})",
        )  # fmt: skip
    return v


def _change(
    c: _Checker, raw: Any, path: PathKey, measure: m.Measure, measures: dict[str, m.Measure]
) -> float:
    """A level given as a change from the resting level: at most the measure's whole range, and
    of one sign (a rep moves away from rest in one direction)."""
    v = c.number(raw, path)
    lo, hi = m.value_range(measure, measures)
    if not 0 <= abs(v) <= hi - lo:
        raise c.fail(
            path, f"change {raw:g} is out of range for {measure.kind} measure '{measure.name}' "
            f"(expected at most {hi - lo:g}{measure.unit if measure.unit == '°' else ''} either way)",
        )  # fmt: skip
    return v


def _level_measure(
    c: _Checker, item: dict[str, Any], path: PathKey, measures: dict[str, m.Measure], where: str
) -> m.Measure:
    """The measure ``item`` compares with a level (a condition, ``reaches``, ``never``): not a
    place in the picture, whose number only means something as a change."""
    measure = _measure_ref(c, c.require(item, "measure", path), (*path, "measure"), measures)
    if measure.kind in m.PLACE_KINDS:
        raise c.fail(
            (*path, "measure"),
            f"'{measure.name}' is where a point is in the picture ({measure.kind}), which only "
            "means something as a change: use it in reps (with from_rest_level: true) or in "
            f"steady, not {where}",
        )
    return measure


def _condition(c: _Checker, raw: Any, path: PathKey, measures: dict[str, m.Measure]) -> m.Condition:
    cond = c.mapping(
        raw, path, "a condition (a mapping with measure and above/below/between, or all/any/not)"
    )
    for combiner in ("all", "any"):
        if combiner in cond:
            c.fields(cond, path, (combiner,))
            items = cond[combiner]
            if not isinstance(items, list):
                raise c.fail((*path, combiner), f"expected a list of conditions, got {_type_name(items)}")
            if not items:
                raise c.fail((*path, combiner), f"'{combiner}' needs at least one condition")
            parsed = tuple(_condition(c, it, (*path, combiner, i), measures) for i, it in enumerate(items))
            return m.AllOf(parsed) if combiner == "all" else m.AnyOf(parsed)
    if "not" in cond:
        c.fields(cond, path, ("not",))
        return m.NotOf(_condition(c, cond["not"], (*path, "not"), measures))
    c.fields(cond, path, ("measure", "above", "below", "between", "all", "any", "not"))
    measure = _level_measure(c, cond, path, measures, "in a condition")
    above = below = None
    if "between" in cond:
        if "above" in cond or "below" in cond:
            raise c.fail((*path, "between"), "give 'between' or 'above'/'below', not both")
        bt = cond["between"]
        if not isinstance(bt, list) or len(bt) != 2:
            raise c.fail((*path, "between"), "expected [low, high]")
        above = _threshold(c, bt[0], (*path, "between", 0), measure, measures)
        below = _threshold(c, bt[1], (*path, "between", 1), measure, measures)
        if below <= above:
            raise c.fail(
                (*path, "between"), f"between [low, high] needs low < high, got [{above:g}, {below:g}]"
            )
    else:
        if "above" in cond:
            above = _threshold(c, cond["above"], (*path, "above"), measure, measures)
        if "below" in cond:
            below = _threshold(c, cond["below"], (*path, "below"), measure, measures)
        if above is None and below is None:
            if c.misspelt(cond, path, "above", "below", "between"):
                raise _Cascade(measure.name)
            raise c.fail(path, f"condition on '{measure.name}' needs 'above', 'below' or 'between'")
        if above is not None and below is not None and below <= above:
            raise c.fail(path, f"above {above:g} and below {below:g} can never both hold")
    return m.Compare(measure.name, above, below)


MOVEMENT_FIELDS = ("measure", "rest", "peak", "from_rest_level")


def _movement(
    c: _Checker, r: dict[str, Any], path: PathKey, measures: dict[str, m.Measure]
) -> tuple[m.Measure, m.Movement]:
    """``measure``, ``rest``, ``peak`` and ``from_rest_level`` of a rep's movement."""
    measure = _measure_ref(c, c.require(r, "measure", path), (*path, "measure"), measures)
    relative = "from_rest_level" in r and c.boolean(r["from_rest_level"], (*path, "from_rest_level"))
    if relative:
        rest = _change(c, c.require(r, "rest", path), (*path, "rest"), measure, measures)
        peak = _change(c, c.require(r, "peak", path), (*path, "peak"), measure, measures)
    else:
        rest = _threshold(c, c.require(r, "rest", path), (*path, "rest"), measure, measures)
        peak = _threshold(c, c.require(r, "peak", path), (*path, "peak"), measure, measures)
    if rest == peak:
        raise c.fail(
            (*path, "peak"),
            f"peak must differ from rest (both {rest:g}); the gap between them stops jitter double-counting",
        )
    if relative and (rest * peak < 0 or abs(rest) >= abs(peak)):
        raise c.fail(
            (*path, "peak"),
            f"with from_rest_level, rest ({rest:g}) and peak ({peak:g}) are changes from the resting "
            "level in the same direction, and peak is the larger one",
        )
    if measure.kind in m.PLACE_KINDS and not relative:
        raise c.fail(
            (*path, "measure"),
            f"'{measure.name}' is where a point is in the picture ({measure.kind}), which only "
            "means something as a change: add 'from_rest_level: true'",
        )
    return measure, m.Movement(measure.name, rest, peak, relative)


def _reps(c: _Checker, raw: Any, measures: dict[str, m.Measure]) -> m.Reps:
    path: PathKey = ("reps",)
    r = c.mapping(raw, path)
    combinations = ("and", "or", "instead")
    counting = ("sides", "min_duration_s", "max_duration_s", "ready", "hold", "steady", "reaches", "never")
    c.fields(r, path, (*MOVEMENT_FIELDS, *combinations, *counting))
    measure, main = _movement(c, r, path, measures)
    if "and" in r and "or" in r:
        raise c.fail((*path, "or"), "give either 'and' or 'or', not both")
    if "instead" in r and ("and" in r or "or" in r):
        raise c.fail((*path, "instead"), "'instead' replaces a single movement: not with 'and' or 'or'")
    combined: dict[str, tuple[m.Movement, ...]] = {}
    for key in combinations:
        if key not in r:
            continue
        items = r[key]
        if not isinstance(items, list) or not items:
            raise c.fail((*path, key), "expected a list of movements ({measure, rest, peak})")
        moves = []
        for i, item in enumerate(items):
            ip: PathKey = (*path, key, i)
            c.fields(c.mapping(item, ip), ip, MOVEMENT_FIELDS)
            moves.append(_movement(c, item, ip, measures)[1])
        combined[key] = tuple(moves)
    sides = c.choice(r.get("sides", "both"), (*path, "sides"), m.COUNT_SIDES, "sides")
    if sides == "each" and measure.side != "working":
        raise c.fail(
            (*path, "measure"),
            f"with sides: each the counted measure must read side 'working', but '{measure.name}' reads "
            f"{repr(measure.side) if measure.side else 'fixed landmarks'}",
        )
    min_dur = c.seconds(r.get("min_duration_s", 0.5), (*path, "min_duration_s"))
    max_dur = (
        c.seconds(r["max_duration_s"], (*path, "max_duration_s"), allow_zero=False)
        if "max_duration_s" in r
        else None
    )
    if max_dur is not None and max_dur <= min_dur:
        raise c.fail((*path, "max_duration_s"), f"must be longer than min_duration_s ({min_dur:g})")
    ready = m.Ready()
    if "ready" in r:
        rp: PathKey = (*path, "ready")
        rd = c.mapping(r["ready"], rp)
        c.fields(rd, rp, ("hold_s", "when", "message"))
        ready = m.Ready(
            hold_s=c.seconds(rd.get("hold_s", 0.5), (*rp, "hold_s")),
            when=_condition(c, rd["when"], (*rp, "when"), measures) if "when" in rd else None,
            message=c.text(rd["message"], (*rp, "message")) if "message" in rd else m.DEFAULT_READY_MESSAGE,
        )
    hold = None
    if "hold" in r:
        hp: PathKey = (*path, "hold")
        hd = c.mapping(r["hold"], hp)
        c.fields(hd, hp, ("target_s", "max_s"))
        target = c.seconds(c.require(hd, "target_s", hp), (*hp, "target_s"), allow_zero=False)
        max_s = c.seconds(hd["max_s"], (*hp, "max_s"), allow_zero=False) if "max_s" in hd else None
        if max_s is not None and max_s < target:
            raise c.fail((*hp, "max_s"), f"max_s {max_s:g} is below target_s {target:g}")
        hold = m.PeakHold(target, max_s)
    steady = _steady(c, r["steady"], (*path, "steady"), measures) if "steady" in r else ()
    reaches = _levels_passed(c, r["reaches"], (*path, "reaches"), measures) if "reaches" in r else ()
    never = _levels_passed(c, r["never"], (*path, "never"), measures) if "never" in r else ()
    return m.Reps(
        main.measure, main.rest, main.peak, sides, min_dur, max_dur, ready, hold, main.from_rest_level,
        and_also=combined.get("and", ()), or_else=combined.get("or", ()), instead=combined.get("instead", ()),
        steady=steady, reaches=reaches, never=never,
    )  # fmt: skip


def _steady(c: _Checker, raw: Any, path: PathKey, measures: dict[str, m.Measure]) -> tuple[m.Steady, ...]:
    """``steady``: the measures that stay put through a rep, each with how far it may range."""
    if not isinstance(raw, list) or not raw:
        raise c.fail(path, "expected a list of {measure, within}")
    out = []
    for i, item in enumerate(raw):
        ip: PathKey = (*path, i)
        c.fields(c.mapping(item, ip), ip, ("measure", "within"))
        measure = _measure_ref(c, c.require(item, "measure", ip), (*ip, "measure"), measures)
        within = _change(c, c.require(item, "within", ip), (*ip, "within"), measure, measures)
        if within <= 0:
            raise c.fail((*ip, "within"), f"must be above 0 (how far '{measure.name}' may range in a rep)")
        out.append(m.Steady(measure.name, within))
    return tuple(out)


def _levels_passed(
    c: _Checker, raw: Any, path: PathKey, measures: dict[str, m.Measure]
) -> tuple[m.Reach, ...]:
    """``reaches`` / ``never``: measures that go past a level at some moment of every rep, or at
    no moment of any."""
    if not isinstance(raw, list) or not raw:
        raise c.fail(path, "expected a list of {measure, above} or {measure, below}")
    out = []
    for i, item in enumerate(raw):
        ip: PathKey = (*path, i)
        c.fields(c.mapping(item, ip), ip, ("measure", "above", "below"))
        measure = _level_measure(c, item, ip, measures, f"in {path[-1]}")
        if ("above" in item) == ("below" in item):
            if c.misspelt(item, ip, "above", "below"):
                raise _Cascade(measure.name)  # the misspelt field was reported
            raise c.fail(ip, f"give either 'above' or 'below' for '{measure.name}' (the level it goes past)")
        key = "above" if "above" in item else "below"
        level = _threshold(c, item[key], (*ip, key), measure, measures)
        out.append(m.Reach(measure.name, **{key: level}))
    return tuple(out)


def _hold(c: _Checker, raw: Any, measures: dict[str, m.Measure]) -> m.Hold:
    path: PathKey = ("hold",)
    h = c.mapping(raw, path)
    c.fields(h, path, ("when", "target_s", "min_s", "grace_s", "sides"))
    when = _condition(c, c.require(h, "when", path), (*path, "when"), measures)
    target = c.seconds(c.require(h, "target_s", path), (*path, "target_s"), allow_zero=False)
    min_s = c.seconds(h.get("min_s", min(2.0, target)), (*path, "min_s"))
    if min_s > target:
        raise c.fail((*path, "min_s"), f"min_s {min_s:g} is above target_s {target:g}")
    grace = c.seconds(h.get("grace_s", 0.5), (*path, "grace_s"))
    sides = c.choice(h.get("sides", "both"), (*path, "sides"), m.COUNT_SIDES, "sides")
    return m.Hold(when, target, min_s, grace, sides)


def _faults(c: _Checker, raw: Any, measures: dict[str, m.Measure], *, has_reps: bool) -> tuple[m.Fault, ...]:
    path: PathKey = ("faults",)
    if not isinstance(raw, list):
        raise c.fail(path, f"expected a list of faults, got {_type_name(raw)}")
    out: list[m.Fault] = []
    seen: set[str] = set()
    for i, f_raw in enumerate(raw):
        fault = c.attempt(functools.partial(_fault, c, i, f_raw, seen, measures, has_reps), None)
        if fault is not None:
            out.append(fault)
    return tuple(out)


def _fault(
    c: _Checker, i: int, f_raw: Any, seen: set[str], measures: dict[str, m.Measure], has_reps: bool
) -> m.Fault:
    fp: PathKey = ("faults", i)
    f = c.mapping(f_raw, fp, "a fault (a mapping with id, when, message, cue, explain)")
    c.fields(f, fp, ("id", "when", "for_s", "phase", "severity", "view", "message", "cue", "explain"))
    fid = c.text(c.require(f, "id", fp), (*fp, "id"))
    if not SNAKE_RE.match(fid):
        raise c.fail((*fp, "id"), f"fault id '{fid}' must be snake_case (like 'knee_valgus')")
    if fid in seen:
        raise c.fail((*fp, "id"), f"fault id '{fid}' is used twice in this file")
    seen.add(fid)
    phase = c.choice(f.get("phase", "any"), (*fp, "phase"), m.PHASES, "phase")
    if phase == "rep_end" and not has_reps:
        raise c.fail((*fp, "phase"), "phase 'rep_end' judges each rep as it ends; this rule has no reps")
    if phase == "rep_end" and "for_s" in f:
        raise c.fail(
            (*fp, "for_s"), "for_s does not apply to phase 'rep_end' (judged once, as each rep ends)"
        )
    return m.Fault(
        id=fid,
        when=_condition(c, c.require(f, "when", fp), (*fp, "when"), measures),
        message=c.text(c.require(f, "message", fp), (*fp, "message")),
        cue=c.text(c.require(f, "cue", fp), (*fp, "cue")),
        explain=c.text(c.require(f, "explain", fp), (*fp, "explain")),
        severity=c.choice(f.get("severity", "warning"), (*fp, "severity"), m.SEVERITIES, "severity"),
        phase=phase,
        for_s=c.seconds(f.get("for_s", 0.2), (*fp, "for_s")),
        view=c.choice(f.get("view", "any"), (*fp, "view"), m.VIEWS, "view"),
    )
