"""The progress report: one self-contained HTML file (inline CSS and SVG, no scripts, no
network), like the session report, that prints on A4 and can be sent to a physiotherapist."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from formcheck.history.progress import ExerciseProgress, Progress
from formcheck.render.charts import SERIES_COLORS, legend, nice_step
from formcheck.render.report_style import CSS

WIDTH, HEIGHT = 900, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 14, 16, 34
SIDE_ORDER = ("left", "right", "both")
EXTRA_CSS = """
svg .bar { fill: #1f6fd1; }
svg .val { font-size: 11px; fill: #1d2330; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th.num { text-align: right; }
"""


def _fmt(v: float, step: float = 1.0) -> str:
    """A tick value with as many decimals as the tick step needs."""
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 else 0
    return f"{v:.{decimals}f}"


def _value(v: float, unit: str) -> str:
    """A measure's value with its unit: degrees whole, body-size ratios to two places."""
    return f"{v:.0f}{unit}" if unit == "°" else f"{v:.2f} {unit}"


def _tick_unit(unit: str) -> str:
    """Units short enough to repeat on every tick; longer ones ("× leg length") go in the caption."""
    return unit if unit in ("°", "%", " s") else ""


def _axis(lo: float, hi: float, *, whole: bool = False) -> tuple[float, float, float]:
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    step = max(1.0, nice_step(hi - lo)) if whole else nice_step(hi - lo)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def session_chart(
    title: str,
    unit: str,
    labels: Sequence[str],
    series: dict[str, list[float | None]],
    *,
    floor: float | None = None,
) -> str:
    """Points joined by lines, one x position per session (labelled with its date)."""
    values = [v for vs in series.values() for v in vs if v is not None]
    if not values:
        return ""
    lo, hi, step = _axis(min([*values, *([floor] if floor is not None else [])]), max(values))
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(labels)

    def x(i: int) -> float:
        return LEFT + (pw / 2 if n == 1 else i / (n - 1) * pw)

    def y(v: float) -> float:
        return TOP + (hi - v) / (hi - lo) * ph

    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    v = lo
    while v <= hi + step / 2:
        out.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>')
        out.append(
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="tick">'
            f"{_fmt(v, step)}{escape(_tick_unit(unit))}</text>"
        )
        v += step
    every = max(1, math.ceil(n / 12))
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1:
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            out.append(
                f'<text x="{x(i):.1f}" y="{TOP + ph + 18}" text-anchor="{anchor}" class="tick">'
                f"{escape(label)}</text>"
            )
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" class="frame"/>')
    for (name, vs), color in zip(series.items(), SERIES_COLORS * 4, strict=False):
        pts = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None]
        out.append(f'<g stroke="{color}" fill="{color}"><title>{escape(name)}</title>')
        if len(pts) > 1:
            path = " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke-width="1.8"/>')
        out.extend(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5"/>' for a, b in pts)
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def weeks_chart(weeks: dict[str, int]) -> str:
    if not weeks:
        return ""
    labels, counts = list(weeks), list(weeks.values())
    _, hi, step = _axis(0, max(counts), whole=True)
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = pw / len(labels)
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="sessions per week" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    v = 0.0
    while v <= hi + step / 2:
        yy = TOP + (hi - v) / hi * ph
        out.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{yy:.1f}" y2="{yy:.1f}" class="grid"/>')
        out.append(f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end" class="tick">{_fmt(v)}</text>')
        v += step
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        bh = count / hi * ph
        bx = LEFT + i * slot + slot * 0.2
        out.append(
            f'<rect class="bar" x="{bx:.1f}" y="{TOP + ph - bh:.1f}" width="{slot * 0.6:.1f}" '
            f'height="{bh:.1f}">'
            f"<title>{escape(label)}: {count}</title></rect>"
        )
        out.append(
            f'<text class="val" x="{bx + slot * 0.3:.1f}" y="{TOP + ph - bh - 4:.1f}" '
            f'text-anchor="middle">{count}</text>'
        )
        out.append(
            f'<text class="tick" x="{bx + slot * 0.3:.1f}" y="{TOP + ph + 18}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def _done(done: int, prescribed: int) -> str:
    if not prescribed:
        return str(done) if done else "-"
    return f"{done}/{prescribed}"


def _exercise_section(e: ExerciseProgress) -> str:
    labels = [p.day[5:] for p in e.points]
    parts = [f"<section><h2>{escape(e.name)} <span class='sub'>({escape(e.exercise)})</span></h2>"]
    sides = [s for s in SIDE_ORDER if any(s in p.rom for p in e.points)]
    if e.measure and sides:
        series = {s: [p.rom.get(s) for p in e.points] for s in sides}
        chart = session_chart(f"{e.measure} at the peak of each rep", e.unit, labels, series)
        parts.append(
            f"<figure><figcaption>Range of motion: {escape(e.measure.replace('_', ' '))} "
            "at the peak of each rep, "
            f"mean per session{'' if _tick_unit(e.unit) else f' ({escape(e.unit)})'}{legend(sides)}"
            f"</figcaption>{chart}</figure>"
        )
    if any(p.reps_prescribed for p in e.points):
        done: dict[str, list[float | None]] = {
            "done": [float(p.reps_done) for p in e.points],
            "prescribed": [float(p.reps_prescribed) if p.reps_prescribed else None for p in e.points],
        }
        parts.append(
            f"<figure><figcaption>Reps done against prescribed, per session{legend(list(done))}</figcaption>"
            f"{session_chart('reps done', '', labels, done, floor=0)}</figure>"
        )
    if any(p.good_share is not None for p in e.points):
        shares = [None if p.good_share is None else 100 * p.good_share for p in e.points]
        parts.append(
            "<figure><figcaption>Good reps (no form fault), % per session</figcaption>"
            f"{session_chart('good reps', '%', labels, {'good reps': shares}, floor=0)}</figure>"
        )
    if any(p.hold_seconds for p in e.points):
        holds: list[float | None] = [round(p.hold_seconds, 1) for p in e.points]
        parts.append(
            "<figure><figcaption>Seconds held correctly per session</figcaption>"
            f"{session_chart('hold seconds', ' s', labels, {'held': holds}, floor=0)}</figure>"
        )
    rows = []
    for p in e.points:
        rom = ", ".join(
            f"{s} {_value(p.rom[s], e.unit)} (max {_value(p.rom_max[s], e.unit)})"
            for s in SIDE_ORDER
            if s in p.rom
        )
        rows.append(
            f"<tr><td>{escape(p.day)}</td><td class='num'>{p.session_id}</td>"
            f"<td class='num'>{_done(p.reps_done, p.reps_prescribed)}</td>"
            f"<td class='num'>{_done(p.holds_done, p.holds_prescribed)}</td>"
            f"<td class='num'>{_pct(p.good_share)}</td><td class='num'>{p.hold_seconds:.0f} s</td>"
            f"<td>{escape(rom) or '-'}</td></tr>"
        )
    parts.append(
        "<table><tr><th>day</th><th>session</th><th>reps done/prescribed</th><th>holds done/prescribed</th>"
        "<th>good reps</th><th>held</th><th>range of motion (mean per side)</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    parts.append("</section>")
    return "".join(parts)


def progress_report(progress: Progress, *, title: str = "Progress") -> str:
    span = (
        f"{(progress.first or '')[:10]} to {(progress.last or '')[:10]}" if progress.first else "no sessions"
    )
    reps = sum(p.reps_done for e in progress.exercises for p in e.points)
    good = sum(p.good for e in progress.exercises for p in e.points)
    judged = good + sum(p.faulty for e in progress.exercises for p in e.points)
    cards = [
        ("sessions", str(progress.sessions), span),
        (
            "weeks",
            str(len(progress.weeks)),
            f"{progress.sessions / max(1, len(progress.weeks)):.1f} sessions a week",
        ),
        ("reps", str(reps), f"{_pct(good / judged if judged else None)} good"),
        ("exercises", str(len(progress.exercises)), ""),
    ]
    card_html = "".join(
        f"<div class='card'><div class='label'>{escape(a)}</div><div class='value'>{escape(b)}</div>"
        f"<div class='subv'>{escape(c)}</div></div>"
        for a, b, c in cards
    )
    overview = "".join(
        f"<tr><td>{escape(e.name)}</td><td class='num'>{len(e.points)}</td>"
        f"<td class='num'>{_total(e, 'reps')}</td><td class='num'>{_total(e, 'holds')}</td>"
        f"<td class='num'>{_pct(_share(e))}</td></tr>"
        for e in progress.exercises
    )
    body = (
        f"<header><h1>{escape(title)}</h1><p class='sub'>{escape(span)}"
        f"{' (since ' + escape(progress.since) + ')' if progress.since else ''}</p></header>"
        f"<div class='cards'>{card_html}</div>"
        "<h2>Adherence</h2><figure><figcaption>Sessions per week</figcaption>"
        f"{weeks_chart(progress.weeks)}</figure>"
        "<table><tr><th>exercise</th><th>sessions</th><th>reps done/prescribed</th>"
        "<th>holds done/prescribed</th>"
        f"<th>good reps</th></tr>{overview}</table>"
        + "".join(_exercise_section(e) for e in progress.exercises)
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{escape(title)}</title>"
        f"<style>{CSS}{EXTRA_CSS}</style></head><body><main>{body}"
        "<footer>formcheck progress report: from the history database; range of motion is the rule's counted "
        "measure at the peak of each rep, as the camera saw it.</footer></main></body></html>\n"
    )


def _share(e: ExerciseProgress) -> float | None:
    good = sum(p.good for p in e.points)
    total = good + sum(p.faulty for p in e.points)
    return good / total if total else None


def _total(e: ExerciseProgress, what: str) -> str:
    """Done over prescribed across the sessions (reps or holds)."""
    done = sum(getattr(p, f"{what}_done") for p in e.points)
    return _done(done, sum(getattr(p, f"{what}_prescribed") for p in e.points))
