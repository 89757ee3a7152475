"""The self-contained HTML report of one analysed video.

``HtmlReportSink`` collects what it needs per frame (measure series, fault/hold/visibility
spans, one thumbnail per rep) and on ``finish`` writes ONE HTML file that opens offline: inline
CSS, inline SVG charts, JPEG thumbnails as data URIs, no script and no external request. It
prints on A4.

It reads the session result through ``result.to_dict()`` (the pinned ``formcheck.session/1``
JSON form), so it depends only on documented keys, each read defensively. The clinical figures
(range of motion per side, tempo, reliability) come from ``formcheck.clinical``, fed the same
frames. Beside the report goes its rep table as CSV (``x.reps.csv``); a report path ending in
``.pdf`` is printed to PDF by headless Chromium (``render.pdf``).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from formcheck import __version__
from formcheck.clinical import (
    FAIR_VIEW_SHARE,
    ClinicalFigures,
    ClinicalRecorder,
    key_measures,
    measure_words,
    trusted_view,
)
from formcheck.engine.exercise_engine import _builtin_faults
from formcheck.files import replacing
from formcheck.render.charts import Chart, Span, Threshold, legend, render_svg
from formcheck.render.clinical_html import range_section, tempo_summary, value_text
from formcheck.render.overlay import base_measure, condition_measures
from formcheck.render.pdf import wants_pdf, write_pdf
from formcheck.render.rep_table import rep_table_path, write_rep_table
from formcheck.render.report_style import CSS
from formcheck.render.thumbnails import PeakThumbnails
from formcheck.render.trend_html import trend_section

if TYPE_CHECKING:
    from formcheck.engine import SessionResult
    from formcheck.history.trend import Trend
    from formcheck.pipeline import Step
    from formcheck.rules.model import Condition, Exercise, Fault

SEVERITY_COLOR = {"stop": "#d62828", "warning": "#e08a00", "info": "#3a7bd5"}
HOLD_COLOR = "#2a9d5c"
NOBODY_COLOR = "#777777"
ACTIVE_PHASES = ("moving", "peak", "hold")
MAX_CHARTS = 6
# Below this share of frames with a pose, the report warns that counts may be low.
LOW_COVERAGE = 0.8


@dataclass(frozen=True)
class ReportDetails:
    """Who the report is about and for, and a free note (``--patient``, ``--clinician``,
    ``--note``); each optional, printed in the report's header."""

    patient: str = ""
    clinician: str = ""
    note: str = ""


# What the built-in faults (not written in any rule file) mean, for the report's fault notes.
BUILTIN_EXPLAIN = {
    "hold_too_short": (
        "The rule asks for a pause at the end of each rep; this rep came back before the time was up. "
        "The pause is where the muscle works hardest: count it out before moving on."
    ),
    "hold_too_long": (
        "The pause at the end of the rep went on past the rule's maximum. Holding longer than "
        "prescribed tires the muscle without adding to the exercise; come back up when the time is reached."
    ),
}
BUILTIN_CUE = {"hold_too_short": "hold it", "hold_too_long": "and up"}


@dataclass
class RepRecord:
    t_s: float
    side: str | None
    start_s: float | None
    peak: float | None
    thumb: str | None
    faults: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class OpenSpan:
    start_s: float
    end_s: float
    severity: str = "warning"


def _compare_thresholds(condition: Condition | None) -> list[tuple[str, float, str]]:
    """(measure, value, "above"/"below") of every comparison in a condition."""
    from formcheck.rules.model import AllOf, AnyOf, Compare, NotOf

    if condition is None:
        return []
    if isinstance(condition, Compare):
        out = []
        if condition.above is not None:
            out.append((condition.measure, condition.above, "above"))
        if condition.below is not None:
            out.append((condition.measure, condition.below, "below"))
        return out
    if isinstance(condition, NotOf):
        return _compare_thresholds(condition.item)
    if isinstance(condition, AllOf | AnyOf):
        return [th for item in condition.items for th in _compare_thresholds(item)]
    return []


def _fmt_s(seconds: Any) -> str:
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(value):
        return "–"
    if value >= 60:
        return f"{int(value // 60)}:{value % 60:04.1f}"
    return f"{value:.1f} s"


def _side_word(side: Any) -> str:
    return str(side) if side in ("left", "right") else ""


class HtmlReportSink:
    def __init__(
        self,
        path: str | os.PathLike[str],
        exercise: Exercise,
        *,
        source_name: str,
        details: ReportDetails | None = None,
        trend: Trend | None = None,
        bound: bool = False,
    ) -> None:
        """``trend``: the earlier sessions of this exercise (``history.trend``), read from the
        history by the caller; this session is added as its last row when the report is written.
        ``bound``: the report is a chapter of a document that binds several (one PDF for the
        segments of an input): ``finish`` keeps the page in ``chapter`` instead of writing it at
        ``path`` (its rep table is still written beside ``path``)."""
        self.path = Path(path)
        self.bound = bound
        self.chapter: tuple[str, str] | None = None  # (title, <main> content) once bound and finished
        self.exercise = exercise
        self.source_name = source_name
        self.details = details or ReportDetails()
        self.trend = trend
        self._clinical = ClinicalRecorder(exercise)
        self._figures: ClinicalFigures | None = None
        self._t: list[float] = []
        self._series: dict[str, list[float]] = {}
        self._has_pose: list[bool] = []
        self._has_image = False
        self._phases: Counter[str] = Counter()
        self._notice_counts: Counter[str] = Counter()
        self._open_faults: dict[tuple[str, str | None], OpenSpan] = {}
        self._fault_spans: list[tuple[str, str | None, OpenSpan]] = []
        self._open_holds: dict[str | None, OpenSpan] = {}
        self._hold_spans: list[tuple[str | None, OpenSpan]] = []
        self._hold_thumbs: list[tuple[float, str | None, str | None]] = []
        self._reps: list[RepRecord] = []
        self._rep_start: float | None = None
        self._rep_faults: set[str] = set()
        self._was_in_rep = False
        rising = exercise.reps.rising if exercise.reps is not None else True
        self._thumbs = PeakThumbnails(rising)
        self._done = False

    # ---------------------------------------------------------------- collecting

    def write(self, step: Step) -> None:
        report = step.report
        self._clinical.add(step.pose_frame, report)
        t = report.t_ms / 1000.0
        n = len(self._t)
        self._t.append(t)
        for key, value in report.measures.items():
            column = self._series.get(key)
            if column is None:
                column = self._series[key] = [math.nan] * n
            column.append(math.nan if value is None else float(value))
        for column in self._series.values():
            if len(column) == n:  # a measure this frame did not report
                column.append(math.nan)
        self._has_pose.append(report.pose is not None)
        self._phases[report.phase] += 1
        for notice in report.notices:
            self._notice_counts[notice.message] += 1
        self._track_faults(report.faults, t)
        self._track_holds(report, t)
        image = step.frame.image if step.frame is not None else None
        self._has_image = self._has_image or image is not None
        self._track_rep(report, t, image)

    def _track_faults(self, faults: list[Any], t: float) -> None:
        active = {(f.id, f.side): f for f in faults}
        for key, fault in active.items():
            span = self._open_faults.get(key)
            if span is None:
                self._open_faults[key] = OpenSpan(t, t, fault.severity)
            else:
                span.end_s = t
        for key in list(self._open_faults):
            if key not in active:
                self._fault_spans.append((key[0], key[1], self._open_faults.pop(key)))

    def _track_holds(self, report: Any, t: float) -> None:
        hold = report.hold
        sides = {hold.side} if hold is not None else set()
        for side in sides:
            span = self._open_holds.get(side)
            if span is None:
                self._open_holds[side] = OpenSpan(t, t)
            else:
                span.end_s = t
        for side in list(self._open_holds):
            if side not in sides:
                self._hold_spans.append((side, self._open_holds.pop(side)))

    def _track_rep(self, report: Any, t: float, image: np.ndarray | None) -> None:
        in_rep = report.phase in ACTIVE_PHASES
        starting = in_rep and not self._was_in_rep
        self._was_in_rep = in_rep
        if report.hold is not None:
            self._thumbs.offer_hold(image, t)
        # A rep counted on the frame where the next one starts belongs to the previous rep.
        if not starting:
            self._offer_rep_frame(report, t, image, in_rep)
        for event in report.events:
            if event.kind == "rep":
                self._reps.append(self._rep_record(event, report))
            elif event.kind == "hold_end":
                self._hold_thumbs.append((event.t_s, event.side, self._thumbs.take_hold()))
        if starting:
            self._thumbs.start_rep()  # forget a rep that was never counted
            self._rep_start = t
            self._rep_faults = set()
            self._offer_rep_frame(report, t, image, in_rep)

    def _offer_rep_frame(self, report: Any, t: float, image: np.ndarray | None, in_rep: bool) -> None:
        rule = self.exercise.reps
        if rule is None or not in_rep:
            return
        self._rep_faults.update(f.id for f in report.faults)
        value = report.measures.get(f"{rule.measure}.{report.side}", report.measures.get(rule.measure))
        self._thumbs.offer_rep(image, value)

    def _rep_record(self, event: Any, report: Any) -> RepRecord:
        uri, peak = self._thumbs.take_rep()
        data = dict(event.data)
        faults = sorted(self._rep_faults | {f.id for f in report.faults})
        if isinstance(data.get("faults"), list | tuple):
            faults = [str(f) for f in data["faults"]]
        # The engine's rep data names the peak's time and the rep's start; else what was seen here.
        return RepRecord(
            float(data.get("t_s", event.t_s)),
            event.side,
            data.get("start_s", self._rep_start),
            self._peak_value(data.get("peak"), event.side, fallback=peak),
            uri,
            faults,
            data,
        )

    # ---------------------------------------------------------------- sink protocol

    def finish(self, result: SessionResult | dict[str, Any] | None) -> None:
        if self._done:
            return
        self._done = True
        if result is None:
            data: dict[str, Any] = {}
        elif isinstance(result, dict):
            data = result
        else:
            data = result.to_dict()
        end = self._t[-1] if self._t else 0.0
        for (fid, side), span in self._open_faults.items():
            self._fault_spans.append((fid, side, OpenSpan(span.start_s, end, span.severity)))
        self._open_faults.clear()
        for side, span in self._open_holds.items():
            self._hold_spans.append((side, span))
        self._open_holds.clear()
        self._figures = self._clinical.figures(data)
        if self.bound:
            self.chapter = self.render_main(data)
        elif wants_pdf(self.path):
            write_pdf(self.path, self.render(data))
        else:
            write_text_atomic(self.path, self.render(data))
        table = rep_table_path(self.path)
        if table is not None:
            write_rep_table(table, self._figures, key_measures(self.exercise))

    def close(self) -> None:
        self._done = True

    # ---------------------------------------------------------------- rendering

    def render(self, data: dict[str, Any]) -> str:
        return html_page(*self.render_main(data))

    def render_main(self, data: dict[str, Any]) -> tuple[str, str]:
        """The page's title and the content of its ``<main>``."""
        ex = self.exercise
        title = f"{ex.name}: {self.source_name}"
        body = [
            "<header>",
            f"<h1>{escape(ex.name)}</h1>",
            self._people(),
            f'<p class="sub">{escape(self.source_name)} · analysed {datetime.now():%Y-%m-%d %H:%M}'
            f" · {_fmt_s(self._duration(data))} of video · formcheck {escape(__version__)}</p>",
            "</header>",
            self._alerts(data),
            self._summary(data),
            self._note(),
            range_section(self._figures, ex) if self._figures is not None else "",
            trend_section(self.trend.with_current(data) if self.trend is not None else None, ex),
            self._rep_table(data),
            self._hold_table(data),
            self._charts(data),
            self._fault_notes(data),
            self._visibility(data),
            "<footer>Made by formcheck from a pose model's estimate of the body; angles are "
            "measured in the picture and depend on the camera view. Not medical advice.</footer>",
        ]
        return title, "".join(body)

    def _people(self) -> str:
        return people_line(self.details)

    def _note(self) -> str:
        note = self.details.note.strip()
        if not note:
            return ""
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in note.split("\n") if p.strip())
        return f'<section class="note"><h2>Note</h2>{paragraphs}</section>'

    def _duration(self, data: dict[str, Any]) -> float:
        if isinstance(data.get("duration_s"), int | float):
            return float(data["duration_s"])
        return (self._t[-1] - self._t[0]) if len(self._t) > 1 else 0.0

    def _coverage(self, data: dict[str, Any]) -> float:
        if self._has_pose:
            return sum(self._has_pose) / len(self._has_pose)
        value = data.get("pose_coverage")
        return float(value) if isinstance(value, int | float) else 0.0

    def _rep_rows(self, data: dict[str, Any]) -> list[RepRecord]:
        """The rep list: the session result's when it has one (it is authoritative), with the
        thumbnails and peaks collected here matched by time."""
        events = data.get("rep_events")
        if not isinstance(events, list) or not events:
            return list(self._reps)
        events = [ev for ev in events if isinstance(ev, dict)]
        same = len(events) == len(self._reps)
        rows: list[RepRecord] = []
        for i, ev in enumerate(events):
            t = float(ev.get("t_s") or 0.0)
            mine = self._reps[i] if same else min(self._reps, key=lambda r: abs(r.t_s - t), default=None)
            if mine is not None and abs(mine.t_s - t) > 0.5:
                mine = None
            faults = ev.get("faults")
            rows.append(
                RepRecord(
                    t,
                    ev.get("side"),
                    ev.get("start_s", mine.start_s if mine else None),
                    self._peak_value(ev.get("peak"), ev.get("side"), fallback=mine.peak if mine else None),
                    mine.thumb if mine else None,
                    [str(f) for f in faults] if isinstance(faults, list) else (mine.faults if mine else []),
                    ev,
                )
            )
        return rows

    def _alerts(self, data: dict[str, Any]) -> str:
        ex = self.exercise
        alerts: list[tuple[str, str]] = []
        if data.get("partial"):
            alerts.append(
                (
                    "warn",
                    "<b>Partial result.</b> The analysis stopped before the end of the video "
                    "(interrupted, or the video could not be read to the end); everything below covers "
                    "only the part that was analysed.",
                )
            )
        coverage = self._coverage(data)
        view_said = False
        reps = data.get("reps") if isinstance(data.get("reps"), dict) else {}
        total = int(reps.get("total") or 0) if reps else len(self._reps)
        holds = [h for h in data.get("holds") or [] if isinstance(h, dict)] or self._hold_spans
        if not self._t and not data:
            alerts.append(("bad", "<b>Nothing was analysed.</b> The input gave no frames."))
        elif coverage == 0:
            alerts.append(
                (
                    "bad",
                    "<b>Nobody was seen in this video.</b> The pose model did not find a person in "
                    "any frame, so there is nothing to count. Check that the whole body is in the picture, "
                    "well lit, and not too small.",
                )
            )
        elif total == 0 and (not holds or ex.reps is not None):  # a hold in a rep never finished is no rep
            what = "rep" if ex.reps is not None else "hold"
            reasons = self._why_no_match(data)
            if self._phases and self._phases.get("waiting", 0) >= 0.9 * sum(self._phases.values()):
                where = 1 if reasons and "past the rule" in reasons[0] else 0
                reasons.insert(where, "The person never reached the start position the rule expects.")
            if not reasons and self._notice_counts:
                top = self._notice_counts.most_common(1)[0][0]
                reasons.append(f"Most of the time formcheck asked: “{escape(top)}”.")
            never = f"The movement never matched {escape(ex.name)}: no {what} was counted."
            headline, detail = (reasons[0], " ".join([*reasons[1:], never])) if reasons else (never, "")
            alerts.append(
                (
                    "bad",
                    f"<b>{headline}</b> {detail} A person was seen in {coverage:.0%} of the frames. Is this "
                    f"the right exercise, and does the camera see it {_VIEW_PHRASE[ex.view]}?",
                )
            )
            view_said = any("camera saw" in r for r in reasons)
        elif coverage < LOW_COVERAGE:
            alerts.append(
                (
                    "warn",
                    f"<b>The person was seen in only {coverage:.0%} of the frames.</b> "
                    "Reps or holds during the gaps may be missing.",
                )
            )
        view = data.get("view")
        if isinstance(view, dict) and view.get("suited") is False and coverage > 0 and not view_said:
            alerts.append(
                (
                    "warn",
                    f"<b>Camera view:</b> the person was seen mostly from the "
                    f"{escape(str(view.get('detected') or 'wrong angle'))}, but this exercise is best "
                    f"checked from the {escape(str(view.get('required') or ex.view))}; some angles may "
                    "be off.",
                )
            )
        return "".join(f'<div class="alert alert-{cls}">{text}</div>' for cls, text in alerts)

    def _why_no_match(self, data: dict[str, Any]) -> list[str]:
        """What kept the movement from counting, in plain words: the wrong view, the counted
        measure never reaching the peak level or never coming back, a fault that kept firing."""
        ex = self.exercise
        reasons: list[str] = []
        view: dict[str, Any] = data["view"] if isinstance(data.get("view"), dict) else {}
        shares: dict[str, Any] = view["shares"] if isinstance(view.get("shares"), dict) else {}
        wrong = {"side": "front", "front": "side"}.get(ex.view)
        if wrong is not None and float(shares.get(wrong) or 0) >= 0.5:
            seen = "from the front" if wrong == "front" else "side-on"
            reasons.append(
                f"The camera saw the person {seen} {float(shares[wrong]):.0%} of the time; this exercise "
                f"can only be judged {_VIEW_PHRASE[ex.view]}, so nothing counted while the view was wrong."
            )
        levels = self._counted_levels()
        for name, rest, peak, rising in levels:
            values = np.concatenate(
                [np.asarray(v, dtype=float) for k, v in self._series.items() if base_measure(k) == name]
                or [np.array([])]
            )
            values = values[~np.isnan(values)]
            if len(values) < 2:
                continue
            beyond = self._limit_passed(name, float(np.median(values)))
            if beyond:
                reasons.insert(0, beyond)  # done in the wrong position: that is the headline
            lo, hi = float(np.percentile(values, 5)), float(np.percentile(values, 95))
            words = measure_words(ex, name)
            unit = "°" if ex.measures[name].unit == "°" else ""
            reached, returned = (hi, lo) if rising else (lo, hi)
            if (reached < peak) if rising else (reached > peak):
                reasons.append(
                    f"The {escape(words)} reached only {value_text(reached, unit)}; a rep counts once it "
                    f"passes {value_text(peak, unit)}."
                )
            elif (returned > rest) if rising else (returned < rest):
                reasons.append(
                    f"The {escape(words)} stayed past {value_text(rest, unit)} (between "
                    f"{value_text(min(lo, hi), unit)} and {value_text(max(lo, hi), unit)}): the person never "
                    "came back to the start position, so no rep was completed."
                )

        if ex.hold is not None and not levels:
            for name, value, way in _compare_thresholds(ex.hold.when):
                column = [k for k in self._series if base_measure(k) == name]
                if not column:
                    continue
                values = np.asarray(self._series[column[0]], dtype=float)
                values = values[~np.isnan(values)]
                if not len(values):
                    continue
                ok = values > value if way == "above" else values < value
                if ok.mean() < 0.2:
                    typical = float(np.median(values))
                    unit = "°" if ex.measures[name].unit == "°" else ""
                    reasons.append(
                        f"The {escape(measure_words(ex, name))} was {value_text(typical, unit)} (median); "
                        f"the position needs it {way} {value_text(value, unit)}."
                    )
        faults = [f for f in data.get("faults") or [] if isinstance(f, dict)]
        if faults:
            longest: dict[str, float] = {}
            for f in faults:
                message = str(f.get("message") or f.get("id"))
                seconds = float(f.get("end_s") or 0) - float(f.get("start_s") or 0)
                longest[message] = longest.get(message, 0.0) + seconds
            message, seconds = max(longest.items(), key=lambda item: item[1])
            if seconds > 0.5:
                reasons.append(f"formcheck saw “{escape(message)}” for {_fmt_s(seconds)}.")
        return reasons

    def _limit_passed(self, name: str, typical: float) -> str:
        """ "Most of the time past the too-deep limit (55°): ..." when the measure's typical value
        lies beyond a fault's limit (the person did the exercise too deep, say)."""
        ex = self.exercise
        unit = "°" if ex.measures[name].unit == "°" else ""
        for fault in ex.faults:
            for measure, value, way, gate in fault_limits(fault, ex):
                if (
                    measure == name
                    and not gate
                    and ((typical > value) if way == "above" else (typical < value))
                ):
                    return (
                        f"Most of the time the {escape(measure_words(ex, name))} was past the rule's "
                        f"“{escape(fault.id.replace('_', ' '))}” limit of {value_text(value, unit)} (median "
                        f"{value_text(typical, unit)}): {escape(fault.message)}."
                    )
        return ""

    def _counted_levels(self) -> list[tuple[str, float, float, bool]]:
        """(measure, rest, peak, rising) of each movement a rep is counted on (plain levels only:
        a level taken from the person's own resting value has no fixed number to quote)."""
        rule = self.exercise.reps
        if rule is None:
            return []
        return [(m.measure, m.rest, m.peak, m.rising) for m in rule.movements if not m.from_rest_level]

    def _summary(self, data: dict[str, Any]) -> str:
        ex = self.exercise
        reps = data.get("reps") if isinstance(data.get("reps"), dict) else None
        dose = f'<span class="dose">{escape(str(ex.dose))}</span>'
        cards: list[tuple[str, str, str]] = [("Dose", dose, "")]
        if ex.reps is not None:
            if reps is None:
                reps = {"total": len(self._reps), "left": None, "right": None}
            total = reps.get("total") or 0
            by_side = ""
            if reps.get("left") is not None or reps.get("right") is not None:
                by_side = f"left {reps.get('left') or 0} · right {reps.get('right') or 0}"
            cards.append(("Reps done", f"{total}", by_side))
            if reps.get("good") is not None or reps.get("faulty") is not None:
                cards.append(
                    (
                        "Good / faulty",
                        f'<span class="good">{reps.get("good") or 0}</span> / '
                        f'<span class="bad">{reps.get("faulty") or 0}</span>',
                        "",
                    )
                )
        holds = [h for h in data.get("holds") or [] if isinstance(h, dict)]
        target = self.exercise.hold_target_s
        if ex.hold is not None or holds:
            best = max((float(h.get("seconds") or 0) for h in holds), default=0.0)
            reached = sum(1 for h in holds if h.get("completed"))
            sub = f"target {target:g} s" if target else ""
            if holds:
                sub += f" · {reached} of {len(holds)} reached it"
            cards.append(("Longest hold", _fmt_s(best) if holds else "none", sub))
        coverage = self._coverage(data)
        cards.append(("Pose seen", f"{coverage:.0%}", "of frames"))
        view = data.get("view") if "view" in data else data.get("detected_view")
        if isinstance(view, dict):
            view = view.get("detected") or view.get("view")
        expected = f"rule expects {ex.view}" if ex.view != "any" else "any view"
        cards.append(("Camera view", escape(str(view)) if view else "–", expected))
        items = "".join(
            f'<div class="card"><div class="label">{label}</div><div class="value">{value}</div>'
            f'<div class="subv">{sub}</div></div>'
            for label, value, sub in cards
        )
        return f'<section class="cards">{items}</section>'

    def _peak_value(self, peak: Any, side: Any, *, fallback: float | None) -> float | None:
        """The rep measure's value at the peak: the engine gives ``{measure: value}``."""
        if isinstance(peak, int | float):
            return float(peak)
        rule = self.exercise.reps
        if isinstance(peak, dict) and rule is not None:
            for key in (f"{rule.measure}.{side}", rule.measure):
                if isinstance(peak.get(key), int | float):
                    return float(peak[key])
        return fallback

    def _peak_text(self, value: Any) -> str:
        if not isinstance(value, int | float) or value != value:
            return "–"
        rule = self.exercise.reps
        measure = self.exercise.measures.get(rule.measure) if rule else None
        if measure is not None and measure.unit == "°":
            return f"{value:.0f}°"
        return f"{value:.2f}"

    def _rep_table(self, data: dict[str, Any]) -> str:
        if self.exercise.reps is None:
            return ""
        rows = self._rep_rows(data)
        if not rows:
            return ""
        ex = self.exercise
        assert ex.reps is not None
        figures = self._figures
        clinical = list(figures.reps) if figures is not None and len(figures.reps) == len(rows) else []
        main = ex.reps.measure
        sided = any(r.values.get(main, {}).get("left") is not None for r in clinical) and rows[0].side is None
        show_side = not sided and (ex.per_side or any(r.side is not None for r in rows))
        unit = "°" if ex.measures[main].unit == "°" else ""
        rising = ex.reps.rising
        words = measure_words(ex, main)
        extreme = f"greatest {words}" if rising else f"{words} at the top"
        trusted = figures is None or figures.trusted(main)
        value_head = escape(extreme.capitalize()) + ('<div class="subv">left · right</div>' if sided else "")
        untrusted_class = "" if trusted else ' class="untrusted"'
        value_class = "num" if trusted else "num untrusted"
        show_thumbs = any(r.thumb for r in rows)
        show_tempo = any(c.tempo is not None for c in clinical)
        peak_hold = ex.reps.hold  # a hold at the peak of each rep: its time goes in this table
        head = (
            ("<th>Picture</th>" if show_thumbs else "")
            + "<th>#</th><th>Time</th>"
            + ("<th>Side</th>" if show_side else "")
            + f"<th{untrusted_class}>{value_head}</th>"
            + (TEMPO_HEAD if show_tempo else "<th>Duration</th>")
            + (f'<th>Held<div class="subv">target {peak_hold.target_s:g} s</div></th>' if peak_hold else "")
            + "<th>Form</th>"
        )
        lines = []
        for i, rep in enumerate(rows, 1):
            duration = rep.data.get("duration_s")
            end = rep.data.get("end_s")
            if duration is None and rep.start_s is not None:
                duration = (end if isinstance(end, int | float) else rep.t_s) - rep.start_s
            faults = rep.faults
            if rep.data.get("good") is True:
                faults = []
            form = (
                '<span class="good">good</span>'
                if not faults
                else ", ".join(f'<span class="bad">{escape(self._fault_name(f))}</span>' for f in faults)
            )
            thumb = ""
            if show_thumbs:
                thumb = (
                    f'<td class="thumb"><img alt="rep {i} at its peak" src="{rep.thumb}"></td>'
                    if rep.thumb
                    else '<td class="thumb"></td>'
                )
            fig = clinical[i - 1] if clinical else None
            if sided and fig is not None:
                per_side = fig.values.get(main, {})
                left, right = (value_text(per_side.get(s), unit) for s in ("left", "right"))
                value = f"{left} · {right}"
            else:
                value = self._peak_text(
                    rep.peak if fig is None else fig.values.get(main, {}).get(None, rep.peak)
                )
            if fig is not None and fig.tempo is not None:
                t = fig.tempo
                timing = f"{t.down_s:.1f} · {t.held_s:.1f} · {t.up_s:.1f} s"
            else:
                timing = _fmt_s(duration)
            when = (
                f"{_fmt_s(rep.start_s)} – {_fmt_s(end)}" if isinstance(end, int | float) else _fmt_s(rep.t_s)
            )
            lines.append(
                f'<tr>{thumb}<td>{i}</td><td class="time">{when}</td>'
                + (f"<td>{escape(_side_word(rep.side)) or '–'}</td>" if show_side else "")
                + f'<td class="{value_class}">{value}</td>'
                f'<td class="time">{timing}</td>'
                + (
                    f'<td class="time">{_held_text(rep.data.get("hold_s"), peak_hold.target_s)}</td>'
                    if peak_hold
                    else ""
                )
                + f"<td>{form}</td></tr>"
            )
        tempo = tempo_summary(figures) if figures is not None else ""
        caption = f'<p class="fine">Median tempo: {tempo}.</p>' if tempo else ""
        return (
            f'<section><h2>Reps</h2><table class="reps"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(lines)}</tbody></table>{caption}</section>"
        )

    def _hold_table(self, data: dict[str, Any]) -> str:
        if self.exercise.reps is not None and self.exercise.reps.hold is not None and self._rep_rows(data):
            return ""  # each rep's hold is in the rep table
        holds = [h for h in data.get("holds") or [] if isinstance(h, dict)]
        if not holds and self._hold_spans:
            holds = [
                {"side": side, "start_s": s.start_s, "end_s": s.end_s, "seconds": s.end_s - s.start_s}
                for side, s in self._hold_spans
            ]
        if not holds:
            return ""
        target = self.exercise.hold_target_s
        show_thumbs = any(thumb for _, _, thumb in self._hold_thumbs)
        figures = self._figures
        figures_holds = list(figures.hold_values) if figures is not None else []
        keys = key_measures(self.exercise)
        held_measure = keys[0] if keys and figures_holds else None
        held_unit = (
            "°" if held_measure is not None and self.exercise.measures[held_measure].unit == "°" else ""
        )
        trusted = figures is None or held_measure is None or figures.trusted(held_measure)
        held_class = "num" if trusted else "num untrusted"
        lines = []
        for i, hold in enumerate(holds, 1):
            seconds = hold.get("seconds")
            tgt = hold.get("target_s") or target
            reached = hold.get("completed")
            if reached is None and isinstance(seconds, int | float) and tgt:
                reached = seconds >= tgt
            status = '<span class="good">reached</span>' if reached else '<span class="bad">short</span>'
            thumb = ""
            if show_thumbs:
                end = hold.get("end_s")
                match = min(
                    (th for th in self._hold_thumbs if th[2]),
                    key=lambda th: abs(th[0] - float(end or 0)),
                    default=None,
                )
                thumb = (
                    f'<td class="thumb"><img alt="hold {i}" src="{match[2]}"></td>' if match else "<td></td>"
                )
            angle = ""
            if held_measure is not None:
                per_side = (
                    figures_holds[i - 1]["values"].get(held_measure, {}) if i <= len(figures_holds) else {}
                )
                value = per_side.get(hold.get("side") if hold.get("side") in ("left", "right") else None)
                angle = f'<td class="{held_class}">{value_text(value, held_unit)}</td>'
            lines.append(
                f"<tr>{thumb}<td>{i}</td><td>{escape(_side_word(hold.get('side'))) or '–'}</td>"
                f'<td class="time">{_fmt_s(hold.get("start_s"))}</td>'
                f'<td class="time">{_held_text(seconds, tgt)}</td>'
                f'<td class="time">{_fmt_s(tgt) if tgt else "–"}</td>{angle}<td>{status}</td></tr>'
            )
        head = ("<th>Picture</th>" if show_thumbs else "") + (
            "<th>#</th><th>Side</th><th>Start</th><th>Held</th><th>Target</th>"
            + (f"<th>{escape(measure_words(self.exercise, held_measure).capitalize())} held"
               f'<div class="subv">median</div></th>' if held_measure is not None else "")
            + "<th></th>"
        )  # fmt: skip
        return (
            f'<section><h2>Holds</h2><table class="reps"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(lines)}</tbody></table></section>"
        )

    def _fault_name(self, fault_id: str) -> str:
        for fault in self.exercise.faults:
            if fault.id == fault_id:
                return fault.message
        builtin = _builtin_faults(self.exercise).get(fault_id)
        return builtin.message if builtin is not None else fault_id.replace("_", " ")

    def _thresholds(self, measure: str) -> list[Threshold]:
        ex = self.exercise
        out: list[Threshold] = []
        if ex.reps is not None:
            for mv in ex.reps.movements:
                if mv.measure == measure and not mv.from_rest_level:
                    out.append(Threshold(mv.rest, "rep starts", "#555"))
                    out.append(Threshold(mv.peak, "rep counts", "#1f6fd1"))
        if ex.hold is not None:
            for name, value, way in _compare_thresholds(ex.hold.when):
                if name == measure:
                    out.append(Threshold(value, f"hold needs {way}", HOLD_COLOR))
        for fault in ex.faults:
            for name, value, _way, gate in fault_limits(fault, ex):
                if name == measure:
                    color = SEVERITY_COLOR.get(fault.severity, "#e08a00")
                    words = fault.id.replace("_", " ")
                    if gate:
                        out.append(Threshold(value, f"{words}: judged from", "#8a93a3", gate=True))
                    else:
                        out.append(Threshold(value, words, color))
        seen: set[tuple[float, str]] = set()
        unique = []
        for th in out:
            if (th.value, th.label) not in seen:
                seen.add((th.value, th.label))
                unique.append(th)
        return unique

    def _chart_measures(self) -> list[str]:
        """Key measures first: the counted ones, the hold's, then those a fault sets a limit on
        (not a measure that only gates a fault, like the stance width a knee check needs);
        none that the camera's view makes meaningless (a front-only knee gap, side-on)."""
        ex = self.exercise
        order: list[str] = []
        if ex.reps is not None:
            order += [mv.measure for mv in ex.reps.movements]
        if ex.hold is not None:
            order += sorted(condition_measures(ex.hold.when))
        for fault in ex.faults:
            order += [name for name, _v, _w, gate in fault_limits(fault, ex) if not gate]
        present = {base_measure(k) for k in self._series}
        figures = self._figures
        unique: list[str] = []
        for name in order:
            if name in unique or name not in present or name not in ex.measures:
                continue
            rel = figures.reliability.get(name) if figures is not None else None
            # a front-only measure (a knee gap) means nothing in a clip seen side-on: not charted;
            # a side-on measure seen from the front is charted, greyed where the view was wrong
            if rel is not None and rel.view == "front" and (rel.view_share or 0.0) < FAIR_VIEW_SHARE:
                continue
            unique.append(name)
        return unique[:MAX_CHARTS]

    def _spans_of_faults(self, data: dict[str, Any]) -> list[tuple[str, str | None, OpenSpan]]:
        """The faults as the session result times them (from when the condition began, as the
        fault notes say), else as they were shown frame by frame."""
        faults = [f for f in data.get("faults") or [] if isinstance(f, dict)]
        if not faults:
            return self._fault_spans
        return [
            (str(f.get("id")), f.get("side"), OpenSpan(*_span_times(f), str(f.get("severity") or "warning")))
            for f in faults
        ]

    def _charts(self, data: dict[str, Any] | None = None) -> str:
        if len(self._t) < 2:
            return ""
        data = data or {}
        t = np.asarray(self._t, dtype=float)
        nobody = self._runs(np.logical_not(np.asarray(self._has_pose)), t)
        views = np.asarray(self._clinical.views)
        fault_spans = self._spans_of_faults(data)
        blocks = []
        for name in self._chart_measures():
            keys = [k for k in self._series if base_measure(k) == name]
            series = {self._series_label(k): np.asarray(self._series[k], dtype=float) for k in keys}
            if all(np.all(np.isnan(v)) for v in series.values()):
                continue
            # parts read in a view the measure cannot be trusted in: drawn grey instead
            view = trusted_view(self.exercise, name)
            untrusted: dict[str, np.ndarray] = {}
            if view != "any" and len(views) == len(t):
                wrong = views != view
                for label, values in list(series.items()):
                    if wrong.any():
                        untrusted[label] = np.where(wrong, values, np.nan)
                        series[label] = np.where(wrong, np.nan, values)
            reading = {f.id for f in self.exercise.faults if name in condition_measures(f.when)}
            if self.exercise.reps is not None and name == self.exercise.reps.measure:
                reading |= set(_builtin_faults(self.exercise))
            spans = [Span(a, b, NOBODY_COLOR, "nobody in view") for a, b in nobody]
            spans += [
                Span(s.start_s, s.end_s, HOLD_COLOR, f"hold {_side_word(side)}".strip())
                for side, s in self._hold_spans
            ]
            spans += [
                Span(s.start_s, s.end_s, SEVERITY_COLOR.get(s.severity, "#e08a00"), self._fault_name(fid))
                for fid, _side, s in fault_spans
                if fid in reading
            ]
            reps = []
            if self.exercise.reps is not None:
                reps = [(r.t_s, str(i)) for i, r in enumerate(self._rep_rows(data), 1)]
            measure = self.exercise.measures.get(name)
            unit = "°" if measure is not None and measure.unit == "°" else ""
            title = measure_words(self.exercise, name)
            chart = Chart(title, unit, t, series, self._thresholds(name), spans, reps, untrusted)
            desc = f" — {escape(measure.description)}" if measure is not None and measure.description else ""
            grey = ""
            if untrusted and any(np.any(~np.isnan(v)) for v in untrusted.values()):
                wrong_view = "from the front or at an angle" if view == "side" else "side-on or at an angle"
                grey = f' <span class="subv">(grey: read {wrong_view}, where it is not trustworthy)</span>'
            blocks.append(
                f"<figure><figcaption><b>{escape(chart.title.capitalize())}</b>{desc}{grey} "
                f"{legend(list(series)) if len(series) > 1 else ''}</figcaption>"
                f"{render_svg(chart)}</figure>"
            )
        if not blocks:
            return ""
        key = (
            '<p class="keyline"><span class="key"><i style="background:#2a9d5c55"></i>hold</span>'
            '<span class="key"><i style="background:#e08a0055"></i>fault</span>'
            '<span class="key"><i style="background:#77777755"></i>nobody in view</span>'
            '<span class="key"><i class="dash"></i>rule threshold</span>'
            '<span class="key"><i class="dots"></i>where a fault starts to be judged</span>'
            '<span class="key"><i class="repmark"></i>rep counted</span></p>'
        )
        return f"<section><h2>Measures over time</h2>{key}{''.join(blocks)}</section>"

    @staticmethod
    def _series_label(key: str) -> str:
        _, _, side = key.partition(".")
        return side or key.replace("_", " ")

    @staticmethod
    def _runs(mask: np.ndarray, t: np.ndarray) -> list[tuple[float, float]]:
        runs: list[tuple[float, float]] = []
        start: int | None = None
        for i, on in enumerate(mask.tolist()):
            if on and start is None:
                start = i
            elif not on and start is not None:
                runs.append((float(t[start]), float(t[i])))
                start = None
        if start is not None:
            runs.append((float(t[start]), float(t[-1])))
        return runs

    def _fault_notes(self, data: dict[str, Any]) -> str:
        spans: dict[str, list[tuple[float, float]]] = {}
        result_faults = [f for f in data.get("faults") or [] if isinstance(f, dict)]
        if result_faults:
            for f in result_faults:
                spans.setdefault(str(f.get("id")), []).append(
                    (float(f.get("start_s") or 0), float(f.get("end_s") or f.get("start_s") or 0))
                )
        else:
            for fid, _side, s in self._fault_spans:
                spans.setdefault(fid, []).append((s.start_s, s.end_s))
        if not spans:
            return ""
        defs = {**_builtin_faults(self.exercise), **{f.id: f for f in self.exercise.faults}}
        items = []
        for fid, times in spans.items():
            fault = defs.get(fid)
            severity = fault.severity if fault else "warning"
            message = fault.message if fault else fid.replace("_", " ")
            explain = BUILTIN_EXPLAIN.get(fid) or (fault.explain if fault else "")
            cue = fault.cue if fault else BUILTIN_CUE.get(fid, "")
            total = sum(max(0.0, b - a) for a, b in times)
            when = ", ".join(_fmt_s(a) for a, _ in times[:8]) + (" …" if len(times) > 8 else "")
            items.append(
                f'<div class="fault {severity}"><h3>{escape(message[:1].upper() + message[1:])}</h3>'
                f'<p class="when">{len(times)}× ({_fmt_s(total)} in all) at {when}</p>'
                + (f"<p>{escape(explain)}</p>" if explain else "")
                + (f'<p class="cue">What to do: <b>{escape(cue)}</b></p>' if cue else "")
                + "</div>"
            )
        return f"<section><h2>Form faults</h2>{''.join(items)}</section>"

    def _visibility(self, data: dict[str, Any]) -> str:
        notices = [n for n in data.get("notices") or [] if isinstance(n, dict)]
        lines: list[str] = []
        if notices:
            for n in notices:
                lines.append(f"<li>{escape(str(n.get('message')))} ({_fmt_s(n.get('seconds'))})</li>")
        elif self._notice_counts:
            fps = (len(self._t) - 1) / self._duration(data) if self._duration(data) > 0 else 0
            for message, count in self._notice_counts.most_common():
                seconds = count / fps if fps else None
                lines.append(f"<li>{escape(message)} ({_fmt_s(seconds)})</li>")
        coverage = self._coverage(data)
        if 0 < coverage < LOW_COVERAGE:
            lines.append(f"<li>The person was seen in {coverage:.0%} of the frames.</li>")
        if self._t and not self._has_image:
            lines.append("<li>Replayed from a recorded pose track: no pictures in this report.</li>")
        if not lines:
            return ""
        return f'<section><h2>Camera and visibility</h2><ul class="notes">{"".join(lines)}</ul></section>'


_VIEW_PHRASE = {"side": "from the side", "front": "from the front", "any": "well"}
TEMPO_HEAD = '<th>Tempo<div class="subv">down · peak · up</div></th>'


def _held_text(seconds: Any, target: Any) -> str:
    """A hold's time; to the hundredth when rounding would make a short hold read as the target."""
    numbers = isinstance(seconds, int | float) and isinstance(target, int | float)
    if numbers and seconds < target and round(seconds, 1) >= target:
        return f"{seconds:.2f} s"
    return _fmt_s(seconds)


def _span_times(fault: dict[str, Any]) -> tuple[float, float]:
    start = float(fault.get("start_s") or 0)
    return start, float(fault.get("end_s") or start)


def fault_limits(fault: Fault, exercise: Exercise) -> list[tuple[str, float, str, bool]]:
    """(measure, value, "above"/"below", gate) of a fault's comparisons. In an ``all`` of
    several comparisons, a band (``between``) and a comparison on the counted measure are gates:
    they say when the fault is judged (knees past 55° of bend, feet 1-2 hip widths apart), not
    what is wrong (the knees inside the ankles)."""
    from formcheck.rules.model import AllOf, Compare

    when = fault.when
    if not isinstance(when, AllOf) or len(when.items) < 2:
        return [(m, v, w, False) for m, v, w in _compare_thresholds(when)]
    counted = {mv.measure for mv in exercise.reps.movements} if exercise.reps is not None else set()
    out: list[tuple[str, float, str, bool]] = []
    for item in when.items:
        band = isinstance(item, Compare) and item.above is not None and item.below is not None
        on_counted = isinstance(item, Compare) and item.measure in counted
        for m, v, w in _compare_thresholds(item):
            out.append((m, v, w, band or on_counted))
    if all(gate for *_, gate in out):  # nothing but gates: then they are the limits
        out = [(m, v, w, False) for m, v, w, _ in out]
    return out


def people_line(details: ReportDetails) -> str:
    """The patient and clinician a report is for (empty when neither was given)."""
    parts = [
        f"<span><b>{label}</b> {escape(value)}</span>"
        for label, value in (("Patient", details.patient), ("Clinician", details.clinician))
        if value.strip()
    ]
    return f'<p class="people">{"".join(parts)}</p>' if parts else ""


def html_page(title: str, *mains: str) -> str:
    """A self-contained page of the report's style: one ``<main>`` per chapter, each chapter
    after the first starting a printed page."""
    chapters = "".join(
        f'<main class="chapter">{m}</main>' if k else f"<main>{m}</main>" for k, m in enumerate(mains)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body>{chapters}</body></html>\n"
    )


def write_text_atomic(path: Path, text: str) -> None:
    """Write next to ``path`` and rename, so a reader never sees half a report."""
    with replacing(path, what="report", text=True) as fh:
        fh.write(text)
