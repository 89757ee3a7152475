"""The report's "Trend against earlier sessions": a table of the last sessions of the exercise with
this one as its last row, and one sentence comparing the first of them with this one."""

from __future__ import annotations

from html import escape

from formcheck.clinical import measure_words
from formcheck.history.trend import Trend, TrendRow
from formcheck.render.clinical_html import value_text
from formcheck.rules.model import Exercise

SIDES = ("left", "right", "both")
SIDE_LETTER = {"left": "L", "right": "R", "both": ""}


def _when(row: TrendRow) -> str:
    """The day and time (two sessions on one day are told apart by the time)."""
    return row.started_at[:16].replace("T", " ")


def _reps(row: TrendRow) -> str:
    if row.reps_left is None and row.reps_right is None:
        return str(row.reps)
    return f"{row.reps} (L {row.reps_left or 0} · R {row.reps_right or 0})"


def _rom(row: TrendRow, unit: str) -> str:
    sides = [s for s in SIDES if s in row.rom]
    if not sides:
        return "–"
    return " · ".join(f"{SIDE_LETTER[s]} {value_text(row.rom[s], unit)}".strip() for s in sides)


def _held(seconds: float) -> str:
    """Whole seconds, but tenths under ten (a 0.4 s hold is not "0 s")."""
    return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"


def _change(first: str, last: str) -> str:
    return f"{first} → {last}"


def trend_comparison(trend: Trend, exercise: Exercise) -> str:
    """ "Over 4 sessions since 2026-11-02: knee bend 62° → 71°; reps 10 → 12; faults 3 → 0." —
    the first session shown against this one (plain text, not escaped)."""
    rows = trend.rows
    first, last = rows[0], rows[-1]
    parts = []
    if trend.measure is not None:
        sides = [s for s in SIDES if s in first.rom and s in last.rom]
        changes = [
            (f"{s} " if s != "both" else "")
            + _change(value_text(first.rom[s], trend.unit), value_text(last.rom[s], trend.unit))
            for s in sides
        ]
        if changes:
            parts.append(f"{measure_words(exercise, trend.measure)} {', '.join(changes)}")
    if first.reps or last.reps:
        parts.append(f"reps {_change(str(first.reps), str(last.reps))}")
    if first.hold_seconds or last.hold_seconds:
        parts.append(f"held {_change(_held(first.hold_seconds), _held(last.hold_seconds))}")
    parts.append(f"form faults {_change(str(first.faults), str(last.faults))}")
    return f"Over {len(rows)} sessions since {first.day}: {'; '.join(parts)}."


def trend_section(trend: Trend | None, exercise: Exercise) -> str:
    """Nothing when there is no earlier session: no empty table."""
    if trend is None or not trend.earlier:
        return ""
    rows = trend.rows
    show_reps = any(r.reps for r in rows) or exercise.reps is not None
    show_rom = trend.measure is not None and any(r.rom for r in rows)
    holds = exercise.hold is not None or (exercise.reps is not None and exercise.reps.hold is not None)
    show_held = holds or any(r.hold_seconds for r in rows)
    head = ["<th>Date</th>"]
    if show_reps:
        head.append('<th class="num">Reps</th>')
    if show_rom and trend.measure is not None:
        unit = "" if trend.unit == "°" else f" ({trend.unit.strip()})"
        words = measure_words(exercise, trend.measure)
        what = f"{escape(words)}, mean per rep{escape(unit)}"
        head.append(f'<th class="num">Range of motion<div class="subv">{what}</div></th>')
    if show_held:
        head.append('<th class="num">Held</th>')
    head.append('<th class="num">Form faults</th>')
    lines = []
    for row in rows:
        when = escape(_when(row))
        if row.current:
            when += ' <span class="tag">this session</span>'
        cells = [f"<td>{when}</td>"]
        if show_reps:
            cells.append(f'<td class="num">{escape(_reps(row))}</td>')
        if show_rom:
            cells.append(f'<td class="num">{escape(_rom(row, trend.unit))}</td>')
        if show_held:
            cells.append(f'<td class="num">{escape(_held(row.hold_seconds))}</td>')
        cells.append(f'<td class="num">{row.faults}</td>')
        row_class = ' class="current"' if row.current else ""
        lines.append(f"<tr{row_class}>{''.join(cells)}</tr>")
    return (
        '<section class="trend"><h2>Trend against earlier sessions</h2>'
        f'<p class="comparison">{escape(trend_comparison(trend, exercise))}</p>'
        f'<table class="trend"><thead><tr>{"".join(head)}</tr></thead><tbody>{"".join(lines)}</tbody></table>'
        '<p class="fine">From the history database: the last sessions of this exercise, each with all its '
        "sets. Range of motion is the counted measure at the peak of each rep, as the camera saw it; "
        "form faults count each time a fault was flagged.</p></section>"
    )
