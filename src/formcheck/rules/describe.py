"""A rule in plain words (for `formcheck rules show` and the report)."""

from __future__ import annotations

from formcheck.rules.model import AllOf, AnyOf, Compare, Condition, Exercise, Measure, Movement, NotOf, Reach

SIDE_WORDS = {
    "left": "left side", "right": "right side", "working": "working side", "stance": "standing side",
    "nearer": "side nearer the camera", "farther": "side farther from the camera",
    "max": "larger of both sides", "min": "smaller of both sides", "mean": "mean of both sides",
    "spread": "how far apart both sides are",
}  # fmt: skip
PHASE_WORDS = {
    "any": "at any time", "seen": "whenever seen, counting started or not",
    "rest": "at rest", "moving": "while moving", "peak": "at the peak",
    "hold": "while holding", "rep": "during a rep", "rep_end": "judged at each rep's peak as the rep ends",
}  # fmt: skip
VIEW_WORDS = {"side": "from the side", "front": "from the front", "any": "from any angle"}


def a_name(name: str) -> str:
    """An exercise's display name after "a" or "an": "Bodyweight squat" -> "a bodyweight squat";
    "IT-band stretch" keeps its capitals."""
    word = name[:1].lower() + name[1:] if name[1:2].islower() else name
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def words(name: str) -> str:
    return name.replace("_", " ")


def value_words(ex: Exercise, name: str, value: float) -> str:
    m = ex.measures[name]
    return f"{value:g}°" if m.unit == "°" else f"{value:g} {m.unit}"


def past_words(ex: Exercise, level: Reach) -> str:
    """The level a ``reaches`` or ``never`` measure goes past: "above 30°"."""
    which, value = level.bound
    return f"{which} {value_words(ex, level.measure, value)}"


def condition_words(ex: Exercise, cond: Condition) -> str:
    if isinstance(cond, Compare):
        n = words(cond.measure)
        if cond.above is not None and cond.below is not None:
            lo, hi = value_words(ex, cond.measure, cond.above), value_words(ex, cond.measure, cond.below)
            return f"{n} between {lo} and {hi}"
        if cond.above is not None:
            return f"{n} above {value_words(ex, cond.measure, cond.above)}"
        assert cond.below is not None
        return f"{n} below {value_words(ex, cond.measure, cond.below)}"
    if isinstance(cond, NotOf):
        return f"not ({condition_words(ex, cond.item)})"
    joiner = " and " if isinstance(cond, AllOf) else " or "
    assert isinstance(cond, AllOf | AnyOf)
    parts = [condition_words(ex, c) for c in cond.items]
    return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"


def measure_words(m: Measure) -> str:
    where = f" ({SIDE_WORDS[m.side]})" if m.side else ""
    if m.kind == "angle":
        what = f"angle at the {words(m.points[1])} between {words(m.points[0])} and {words(m.points[2])}"
        what += ", 0° = straight" if m.convention == "flexion" else ", interior (180° = straight)"
    elif m.kind == "tilt":
        what = f"tilt of {words(m.points[0])} → {words(m.points[1])} from {m.tilt_from}"
    elif m.kind == "lean":
        what = f"lean of {words(m.points[0])} → {words(m.points[1])} from upright, positive = forward"
    elif m.kind == "difference":
        what = f"{words(m.of[0])} minus {words(m.of[1])}"
    elif m.kind == "fppa":
        what = "knee frontal-plane projection angle (positive = knee inward)"
    elif m.kind == "distance":
        axis = "" if m.axis == "any" else f"{m.axis} "
        what = f"{axis}distance {words(m.points[0])} – {words(m.points[1])} per {words(m.per)}"
    elif m.kind == "elevation":
        what = f"how high the {words(m.points[0])} is in the picture, per {words(m.per)}"
    elif m.kind == "across":
        what = f"how far across the picture the {words(m.points[0])} is, per {words(m.per)}"
    else:
        what = f"height of {words(m.points[0])} above {words(m.points[1])} per {words(m.per)}"
    space = " in 3D" if m.space == "world" else " flat in the picture" if m.space == "picture" else ""
    desc = f": {m.description}" if m.description else ""
    return f"{m.name}{desc} — {what}{where}{space}"


def _levels(ex: Exercise, mv: Movement, *, marked: bool) -> str:
    """How a movement goes past its levels: "from 25° (rest) past 36° (peak)"; levels taken from
    the resting level as changes: "4° below the person's own resting level (rest) and on past
    10° below it (peak)". ``marked``: the rep's own movement, its levels named."""
    rest_mark, peak_mark = (" (rest)", " (peak)") if marked else ("", "")
    if not mv.from_rest_level:
        rest, peak = (value_words(ex, mv.measure, level) for level in (mv.rest, mv.peak))
        return f"from {rest}{rest_mark} past {peak}{peak_mark}"
    rest, peak = (
        f"{value_words(ex, mv.measure, abs(change))} {'below' if change < 0 else 'above'}"
        for change in (mv.rest, mv.peak)
    )
    whose = "the person's own" if marked else "its"
    return f"{rest} {whose} resting level{rest_mark} and on past {peak} it{peak_mark}"


def describe(ex: Exercise) -> str:
    done = f"; done {ex.posture.replace('-', ' ')}" if ex.posture else ""
    lines = [f"{ex.name} ({ex.id})", f"  kind: {ex.kind}{done}; film {VIEW_WORDS[ex.view]}; dose: {ex.dose}"]
    if ex.description:
        lines.append(f"  {ex.description.strip()}")
    if ex.source is not None:
        lines.append(f"  file: {ex.source}")
    lines.append("Measures:")
    lines += [f"  - {measure_words(m)}" for m in ex.measures.values()]
    if ex.reps is not None:
        r = ex.reps
        way = "rises" if r.rising else "falls"
        lines.append("A rep:")
        lines.append(
            f"  {words(r.measure)} {way} {_levels(ex, r.main, marked=True)} and comes back, "
            f"taking at least {r.min_duration_s:g} s"
            + (f" and at most {r.max_duration_s:g} s" if r.max_duration_s else "") + "."
        )  # fmt: skip
        for heading, extra in (
            ("  Only while also:", r.and_also),
            ("  Or instead, when:", r.or_else),
            (f"  While {words(r.measure)} cannot be read, instead:", r.instead),
        ):
            if extra:
                lines.append(heading)
            for mv in extra:
                way = "rises" if mv.rising else "falls"
                lines.append(f"    {words(mv.measure)} {way} {_levels(ex, mv, marked=False)}")
        for st in r.steady:
            within = value_words(ex, st.measure, st.within)
            lines.append(f"  Not a rep if {words(st.measure)} ranges over more than {within} in it.")
        for rc in r.reaches:
            past = past_words(ex, rc)
            lines.append(f"  Not a rep unless {words(rc.measure)} goes {past} in it (where it can be seen).")
        for rc in r.never:
            lines.append(f"  Not a rep if {words(rc.measure)} goes {past_words(ex, rc)} in it.")
        if r.sides == "each":
            lines.append("  Counted for each side; one side at a time.")
        ready = f"  Counting starts after holding the rest position for {r.ready.hold_s:g} s"
        if r.ready.when is not None:
            ready += f" with {condition_words(ex, r.ready.when)}"
        lines.append(ready + f' (until then: "{r.ready.message}").')
        if r.hold is not None:
            most = f" (at most {r.hold.max_s:g} s)" if r.hold.max_s else ""
            lines.append(f"  Hold at the peak for {r.hold.target_s:g} s{most}.")
    if ex.hold is not None:
        h = ex.hold
        lines.append("A hold:")
        lines.append(f"  while {condition_words(ex, h.when)}; target {h.target_s:g} s"
                     + (", each side" if h.sides == "each" else "") + ".")  # fmt: skip
        lines.append(
            f"  Dropouts up to {h.grace_s:g} s are forgiven; holds under {h.min_s:g} s are not reported."
        )
    if ex.faults:
        lines.append("Faults:")
    for f in ex.faults:
        view = f", {VIEW_WORDS[f.view]} only" if f.view != "any" else ""
        lines.append(
            f"  - {f.id} ({f.severity}, {PHASE_WORDS[f.phase]}{view}): {condition_words(ex, f.when)}"
            + ("" if f.phase == "rep_end" else f" for {f.for_s:g} s")
        )
        lines.append(f'    says: "{f.message}" (spoken: "{f.cue}")')
        lines.append(f"    why: {' '.join(f.explain.split())}")
    return "\n".join(lines)
