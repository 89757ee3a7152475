"""The report's clinical section: range of motion per side with the left-right difference,
tempo, and how reliable each figure is (a figure read in a view its measure cannot be trusted
in is greyed out and footnoted)."""

from __future__ import annotations

import statistics
from html import escape

from formcheck.clinical import ClinicalFigures, MeasureRange, Reliability
from formcheck.rules.model import Exercise

# A left-right difference past this share of the better side is worth pointing out (10-15% is
# the usual limb symmetry criterion in knee rehab; below 10% is within a pose model's error).
NOTABLE_DIFFERENCE_PCT = 10.0
SIDE_WORDS = {"left": "left", "right": "right", "both": "as read"}
GRADE_WORDS = {"good": "reliable", "fair": "fair", "poor": "not reliable"}


def value_text(value: float | None, unit: str) -> str:
    if value is None or value != value:
        return "–"
    return f"{value:.0f}{unit}" if unit == "°" else f"{value:.2f}"


def extreme_words(r: MeasureRange, kind: str) -> str:
    """What the per-rep value is: "deepest knee bend" for a rep whose knee bends toward its peak;
    "hip bend at the top" for a bridge's hip (it falls toward 0°, in line)."""
    if kind == "holds":
        return f"{r.words} held (median of each hold)"
    return f"greatest {r.words} per rep" if r.rising else f"{r.words} at the top of each rep (least)"


def _reliability_cell(rel: Reliability | None, marks: dict[str, str]) -> str:
    if rel is None:
        return "<td>–</td>"
    mark = marks.get(rel.measure, "")
    return (
        f'<td class="rel {rel.grade}"><span class="dot"></span>{GRADE_WORDS[rel.grade]}'
        f"{f'<sup>{mark}</sup>' if mark else ''}</td>"
    )


def range_section(figures: ClinicalFigures, exercise: Exercise) -> str:
    if not figures.ranges:
        return ""
    marks: dict[str, str] = {}
    notes: list[str] = []
    for r in figures.ranges:
        rel = figures.reliability.get(r.measure)
        if rel is not None and rel.grade != "good":
            marks[r.measure] = str(len(marks) + 1)
            where = {"side": "side-on", "front": "from the front"}.get(rel.view, "")
            trust = f"only trustworthy {where}" if where else "trustworthy from any side"
            verdict = "a rough guide" if rel.grade == "fair" else "unreliable"
            notes.append(
                f"<li><sup>{marks[r.measure]}</sup> {escape(r.words.capitalize())} is {trust}; in this "
                f"video it was {escape(rel.why)}. Treat the figure as {verdict}.</li>"
            )
    rows = []
    for r in figures.ranges:
        rel = figures.reliability.get(r.measure)
        sides = [s for s in ("left", "right", "both") if s in r.by_side]
        untrusted = rel is not None and rel.grade == "poor"
        for k, side in enumerate(sides):
            sr = r.by_side[side]
            first = k == 0
            span = len(sides)
            diff = ""
            if first:
                diff_text = "–"
                if r.difference_pct is not None:
                    left, right = r.by_side["left"].median, r.by_side["right"].median
                    lower = "left" if left < right else "right"
                    notable = r.difference_pct >= NOTABLE_DIFFERENCE_PCT and r.movement
                    weaker = f", {lower} lower" if r.difference_pct >= 1 else ""
                    cls = ' class="bad"' if notable and not untrusted else ""
                    diff_text = f"<span{cls}>{r.difference_pct:.0f}%</span>{escape(weaker)}"
                diff = f'<td rowspan="{span}" class="num">{diff_text}</td>'
            head = (
                f'<td rowspan="{span}"><b>{escape(r.words.capitalize())}</b>'
                f'<div class="subv">{escape(extreme_words(r, figures.kind))}</div></td>'
                if first
                else ""
            )
            rel_cell = (
                _reliability_cell(rel, marks).replace("<td", f'<td rowspan="{span}"', 1) if first else ""
            )
            row_class = ' class="untrusted"' if untrusted else ""
            rows.append(
                f"<tr{row_class}>{head}<td>{SIDE_WORDS[side]}</td>"
                f'<td class="num">{sr.n}</td><td class="num">{value_text(sr.low, r.unit)}</td>'
                f'<td class="num"><b>{value_text(sr.median, r.unit)}</b></td>'
                f'<td class="num">{value_text(sr.high, r.unit)}</td>{diff}{rel_cell}</tr>'
            )
    what = "reps" if figures.kind == "reps" else "holds"
    head = (
        f"<th>Measure</th><th>Side</th><th>{what.capitalize()}</th><th>Min</th><th>Median</th><th>Max</th>"
        "<th>Left–right difference</th><th>Reliability</th>"
    )
    explain = (
        '<p class="fine">Left–right difference: the gap between the two sides\' medians as a share of the '
        "better side's. "
        + (
            "For an exercise that moves both legs together each joint angle is read on each side "
            "(“as read”: the side the rule reads, for a measure of the trunk)."
            if not exercise.per_side
            else "Each rep's side is the working side."
        )
        + "</p>"
    )
    if not any(r.difference_pct is not None for r in figures.ranges):
        explain = ""  # no sides compared (seen side-on, say): nothing to explain
    foot = f'<ul class="footnotes">{"".join(notes)}</ul>' if notes else ""
    return (
        f'<section><h2>Range of motion</h2><table class="rom"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{explain}{foot}</section>"
    )


def tempo_summary(figures: ClinicalFigures) -> str:
    """ "median 1.4 s down · 0.8 s held · 1.1 s up" over the reps with a tempo."""
    tempos = [r.tempo for r in figures.reps if r.tempo is not None]
    if not tempos:
        return ""
    down = statistics.median(t.down_s for t in tempos)
    held = statistics.median(t.held_s for t in tempos)
    up = statistics.median(t.up_s for t in tempos)
    return f"{down:.1f} s down · {held:.1f} s at the peak · {up:.1f} s up"
