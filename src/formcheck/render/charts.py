"""Inline SVG line charts for the HTML report, drawn in Python (no JavaScript, no network).

A chart is a time axis with one or more series (e.g. left and right knee), horizontal threshold
lines from the rule, shaded spans (holds, faults, nobody in view) and rep markers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np

WIDTH, HEIGHT = 900, 230
LEFT, RIGHT, TOP, BOTTOM = 56, 14, 22, 30
SERIES_COLORS = ("#1f6fd1", "#d1531f", "#2a9d5c", "#8a4fd1")
# Longest series drawn: longer ones are reduced to the min and max of each bucket, so peaks
# survive while an hour-long video still gives a small file.
MAX_POINTS = 1200
UNTRUSTED_COLOR = "#b4bac4"
# Threshold labels (11 px bold): width per character, the height two labels need apart, the gap.
LABEL_CHAR_PX, LABEL_HEIGHT_PX, LABEL_GAP_PX = 6.4, 13.0, 14.0


@dataclass(frozen=True)
class Threshold:
    value: float
    label: str
    color: str = "#888"
    # A gate (the level past which a fault is judged at all) is drawn dotted and thin: it is not
    # a limit the person should keep to.
    gate: bool = False


@dataclass(frozen=True)
class Span:
    start_s: float
    end_s: float
    color: str
    label: str = ""


@dataclass
class Chart:
    title: str
    unit: str
    t_s: np.ndarray
    series: dict[str, np.ndarray]  # label -> values (NaN = unknown), same length as t_s
    thresholds: list[Threshold] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    reps: list[tuple[float, str]] = field(default_factory=list)  # (t_s, label)
    # label -> values read in a view the measure cannot be trusted in: drawn grey, thin
    untrusted: dict[str, np.ndarray] = field(default_factory=dict)


def decimate(t: np.ndarray, v: np.ndarray, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Keep at most ~``max_points`` samples: per bucket, the minimum and maximum in time order."""
    n = len(t)
    if n <= max_points:
        return t, v
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    keep: list[int] = []
    for lo, hi in itertools.pairwise(edges):
        if hi <= lo:
            continue
        chunk = v[lo:hi]
        if np.all(np.isnan(chunk)):
            keep.append(lo)
            continue
        a, b = lo + int(np.nanargmin(chunk)), lo + int(np.nanargmax(chunk))
        keep.extend(sorted({a, b}))
    idx = np.array(keep, dtype=int)
    return t[idx], v[idx]


def nice_step(span: float, target_ticks: int = 5) -> float:
    """A 1/2/5 × 10^k step giving about ``target_ticks`` ticks over ``span``."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / target_ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v) >= 1 or v == 0 else f"{v:.2g}"


def render_svg(chart: Chart) -> str:
    t = chart.t_s
    t0 = float(t[0]) if len(t) else 0.0
    t1 = float(t[-1]) if len(t) else 1.0
    if t1 <= t0:
        t1 = t0 + 1.0
    values = [v[~np.isnan(v)] for v in (*chart.series.values(), *chart.untrusted.values())]
    finite = np.concatenate(values) if values else np.array([])
    lo_hi = [th.value for th in chart.thresholds]
    if len(finite):
        lo_hi += [float(finite.min()), float(finite.max())]
    lo, hi = (min(lo_hi), max(lo_hi)) if lo_hi else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    step = nice_step(hi - lo)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(ts: float) -> float:
        return LEFT + (ts - t0) / (t1 - t0) * pw

    def y(val: float) -> float:
        return TOP + (hi - val) / (hi - lo) * ph

    out: list[str] = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(chart.title)} over time" xmlns="http://www.w3.org/2000/svg">'
    ]
    for span in chart.spans:
        xa, xb = x(max(span.start_s, t0)), x(min(span.end_s, t1))
        if xb - xa < 1:
            xb = xa + 1
        title = f"<title>{escape(span.label)}</title>" if span.label else ""
        out.append(
            f'<rect x="{xa:.1f}" y="{TOP}" width="{xb - xa:.1f}" height="{ph}" fill="{span.color}" '
            f'fill-opacity="0.18">{title}</rect>'
        )
    # grid and y labels
    v = lo
    while v <= hi + step / 2:
        yy = y(v)
        out.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{yy:.1f}" y2="{yy:.1f}" class="grid"/>')
        out.append(f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end" class="tick">{_fmt(v)}</text>')
        v += step
    tstep = nice_step(t1 - t0, 8)
    ts = math.ceil(t0 / tstep) * tstep
    while ts <= t1 + 1e-9:
        xx = x(ts)
        out.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{TOP + ph}" y2="{TOP + ph + 4}" class="axis"/>')
        out.append(
            f'<text x="{xx:.1f}" y="{TOP + ph + 17}" text-anchor="middle" class="tick">{_fmt(ts)} s</text>'
        )
        ts += tstep
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" class="frame"/>')
    for th in chart.thresholds:
        yy = y(th.value)
        dash, width = ("2 3", 1.2) if th.gate else ("6 4", 1.5)
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{th.color}" '
            f'stroke-width="{width}" stroke-dasharray="{dash}"/>'
        )
    for th, (xr, yy) in zip(chart.thresholds, _label_places(chart, y, LEFT + pw - 4), strict=True):
        out.append(
            f'<text x="{xr:.1f}" y="{yy:.1f}" text-anchor="end" class="thlabel{" gate" if th.gate else ""}" '
            f'fill="{th.color}">{escape(_threshold_text(th, chart.unit))}</text>'
        )
    for label, vals in chart.untrusted.items():
        tt, vv = decimate(t, vals)
        out.append(_polyline(tt, vv, x, y, UNTRUSTED_COLOR, f"{label} (view not suited)", width=1.2))
    for (label, vals), color in zip(chart.series.items(), SERIES_COLORS * 4, strict=False):
        tt, vv = decimate(t, vals)
        out.append(_polyline(tt, vv, x, y, color, label))
    for rt, label in chart.reps:
        xx = x(rt)
        out.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{TOP}" y2="{TOP + ph}" class="rep"/>')
        out.append(
            f'<text x="{xx:.1f}" y="{TOP - 6}" text-anchor="middle" class="replabel">{escape(label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _threshold_text(th: Threshold, unit: str) -> str:
    return f"{th.label} {_fmt(th.value)}{unit}"


def _label_places(chart: Chart, y: object, right: float) -> list[tuple[float, float]]:
    """(right end x, baseline y) of each threshold's label: just above its line at the right,
    moved left past any label already placed on about the same height (three limits a few
    degrees apart would otherwise print over each other)."""
    fy = y
    assert callable(fy)
    placed: list[tuple[float, float, float]] = []  # (left x, right x, baseline y)
    out: list[tuple[float, float]] = [(0.0, 0.0)] * len(chart.thresholds)
    order = sorted(range(len(chart.thresholds)), key=lambda i: fy(chart.thresholds[i].value))
    for i in order:
        th = chart.thresholds[i]
        yy = fy(th.value) - 4
        width = LABEL_CHAR_PX * len(_threshold_text(th, chart.unit))
        xr = right
        moved = True
        while moved:
            moved = False
            for left, rgt, py in placed:
                if abs(py - yy) < LABEL_HEIGHT_PX and xr - width < rgt and xr > left:
                    xr, moved = left - LABEL_GAP_PX, True
        placed.append((xr - width, xr, yy))
        out[i] = (xr, yy)
    return out


def _polyline(
    t: np.ndarray, v: np.ndarray, x: object, y: object, color: str, label: str, *, width: float = 1.8
) -> str:
    """One path per run of known values (gaps where the measure was unknown)."""
    fx = x  # typed as callables below
    fy = y
    assert callable(fx) and callable(fy)
    runs: list[list[str]] = []
    current: list[str] = []
    for ts, val in zip(t.tolist(), v.tolist(), strict=True):
        if val != val:  # NaN: break the line
            if current:
                runs.append(current)
                current = []
            continue
        current.append(f"{fx(ts):.1f},{fy(val):.1f}")
    if current:
        runs.append(current)
    parts = [f'<g stroke="{color}" fill="none" stroke-width="{width}"><title>{escape(label)}</title>']
    for run in runs:
        if len(run) == 1:
            cx, cy = run[0].split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="1.5" fill="{color}"/>')
        else:
            parts.append(f'<polyline points="{" ".join(run)}"/>')
    parts.append("</g>")
    return "".join(parts)


def legend(labels: Sequence[str]) -> str:
    items = [
        f'<span class="key"><i style="background:{c}"></i>{escape(lbl)}</span>'
        for lbl, c in zip(labels, SERIES_COLORS * 4, strict=False)
    ]
    return "".join(items)
