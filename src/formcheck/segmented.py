"""``--exercise auto`` on an input that may hold several exercises in a row, rests between them.

The input's poses are split into segments (``recognition.segments``), and each recognised
segment's frames are run through an ``ExerciseEngine`` of its own rule (and a person selector of
its own, as if it were an input of its own); a segment not recognised sure enough counts nothing.
An input found to hold a single exercise (or none) is analysed exactly as before
(``recognition.choose`` and ``analysis.analyze``), from the poses already estimated
(``OneExercise``): its result has no ``segments`` key.

The whole input's poses are needed before the first segment can be analysed. A pose track has
them. A video is estimated once, in full, into a pose track held in memory (as ``formcheck
record`` would write it), split, and its segments replayed from that track: estimating each
segment again would double the work for nothing (everything after estimation is pure and
timestamp-driven, so a replay counts as the estimated run does). The cost: the video's poses in
memory (a few kB a second). A video found to hold one exercise is not estimated again either:
its analysis replays those poses, beside its images decoded again where the report's pictures
need them (decoding costs a few milliseconds a frame, estimating tens). ``--video`` (an
annotated video of a single rule) is not split: only its first ``choose.VIDEO_S`` seconds are
estimated, to recognise the exercise, and the same landmarkers, kept open, carry on with the
rest while the video is drawn (``OneExercise.estimator``), so that every frame is estimated
once and a Ctrl-C stops the drawing at once. Drawing after a full estimation instead would make
a late Ctrl-C wait for everything estimated to be drawn; a Ctrl-C during those first seconds
waits for them to be drawn, at most ``VIDEO_S`` seconds of video.

The JSON (``formcheck.segments/1``): ``source``, ``duration_s`` and ``segments``, each a
``formcheck.session/1`` result of its own rule plus ``start_s``, ``end_s`` and ``recognition``;
a "not sure" segment has ``exercise`` null and no counts. ``--report`` writes one report per
recognised segment beside the asked one (``NAME.seg1.html`` ...) and, at the asked path, a page
listing the segments with links to them; a ``.pdf`` report is one document, that list then each
segment's report, a page apart (each segment's rep table beside it, ``NAME.seg1.reps.csv``);
``--csv`` writes one CSV per recognised segment (``NAME.seg1.csv`` ...). A segment's report shows
the trend of its exercise against the earlier sessions in the history, as a single input's does.

Ctrl-C (or SIGTERM) during a video's estimation stops it at the next frame; the poses estimated
so far are split and analysed as above (never estimated again), the segment the stop cut short
is a partial result (``partial``, as an interrupted run's), and so is the whole (``partial``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formcheck.errors import TruncatedInput, UsageError
from formcheck.people import PersonSelector
from formcheck.pipeline import RunOutcome, Sink, ending_with, run, write_json_atomic
from formcheck.pose import Pose, PoseFrame
from formcheck.recognition.rulefit import FIT_GAP_MS
from formcheck.recognition.segments import Parts, Segment, find_parts, judge_parts
from formcheck.render.pdf import wants_pdf
from formcheck.track import PoseTrack, is_track_path

if TYPE_CHECKING:
    from formcheck.analysis import AnalysisSettings, Outputs
    from formcheck.engine import SessionResult
    from formcheck.estimation.base import Estimator
    from formcheck.recognition.model import Model
    from formcheck.render.report import HtmlReportSink, ReportDetails
    from formcheck.rules import Exercise

FORMAT = "formcheck.segments/1"


@dataclass(frozen=True)
class SegmentRun:
    """One segment and what its own rule's engine made of it (None: not sure, not counted)."""

    segment: Segment
    outcome: RunOutcome | None = None

    @property
    def result(self) -> SessionResult | None:
        return None if self.outcome is None else self.outcome.result

    def to_dict(self) -> dict[str, Any]:
        if self.result is None:
            return {**self.segment.to_dict(), "note": "not sure which exercise this is: nothing counted"}
        return {**self.result.to_dict(), **self.segment.to_dict()}


@dataclass
class OneExercise:
    """An input found to hold one exercise (or none), to be analysed as one (``choose_exercise``,
    then ``analyze``) from ``track``: its poses, estimated already to look for segments. With
    ``--video``, only the first ``choose.VIDEO_S`` seconds of them (enough to recognise it), and
    ``estimator``, the one that estimated them, open to carry on with the rest of the video as
    it is drawn (see the docstring): use it in a ``with`` block, which closes it."""

    track: PoseTrack
    estimator: Estimator | None = None
    _closing: ExitStack = field(default_factory=ExitStack, repr=False)

    def __enter__(self) -> OneExercise:
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.close()


@dataclass
class SegmentedAnalysis:
    """What an input of several exercises produced."""

    input: Path
    source_name: str
    duration_s: float
    runs: list[SegmentRun]
    written: list[Path] = field(default_factory=list)
    cut_short: bool = False  # the user stopped the input's estimation before its end
    truncation: TruncatedInput | None = None  # the video file ends before it says it does

    @property
    def interrupted(self) -> bool:
        """Stopped before the input's end: in its estimation or in a segment's run."""
        return self.cut_short or any(r.outcome is not None and r.outcome.interrupted for r in self.runs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "source": self.source_name,
            "duration_s": round(self.duration_s, 2),
            "partial": self.interrupted or self.truncation is not None,
            "segments": [r.to_dict() for r in self.runs],
        }


def input_track(
    path: Path,
    settings: AnalysisSettings,
    *,
    on_start: Callable[[int | None], None] | None = None,
    on_frame: Callable[[], None] | None = None,
    stop: Callable[[], bool] | None = None,
    estimator: Estimator | None = None,
    until_s: float | None = None,
) -> PoseTrack:
    """The input's poses: a pose track as it is, a video estimated in full (see the docstring);
    ``on_start`` gets the video's frame count, ``on_frame`` is called after each frame, ``stop``
    before each (True: the track ends there, ``meta["partial"]``). ``estimator``: the one to
    estimate with, left open (else one is made for this); ``until_s``: only the video's frames
    up to that time (``record.record_track``)."""
    if is_track_path(path):
        return PoseTrack.load(path)
    from formcheck.models import resolve_model
    from formcheck.record import record_track
    from formcheck.sources.video_file import VideoFileSource

    with ExitStack() as stack:
        source = stack.enter_context(VideoFileSource(path))
        if estimator is None:
            model, estimator = settings.video_estimator()
            stack.enter_context(estimator)
        else:
            model = resolve_model(settings.model)  # the one it was made with: for the track's meta
        if on_start is not None:
            total = source.frame_count or None
            if total is not None and until_s is not None and source.fps > 0:
                total = min(total, int(until_s * source.fps) + 1)
            on_start(total)
        tick = (lambda _pf: on_frame()) if on_frame is not None else None
        return record_track(
            source, estimator, model=model.as_meta(), on_frame=tick, stop=stop, until_s=until_s
        )


def split(frames: Sequence[PoseFrame], person: str, rules: Any, model: Model | None = None) -> list[Segment]:
    """The segments of ``frames``, the person followed as the analysis follows them."""
    return judge_parts(parts_of(frames, person, rules, model), rules=rules, model=model)


def parts_of(frames: Sequence[PoseFrame], person: str, rules: Any, model: Model | None = None) -> Parts:
    """``frames`` cut into parts (``recognition.segments.find_parts``), none judged yet, the
    person followed as the analysis follows them."""
    selector = PersonSelector(person)
    poses: list[Pose | None] = [selector.select(f) for f in frames]
    return find_parts(frames, poses, rules=rules, model=model)


def frames_of(frames: Sequence[PoseFrame], segment: Segment) -> list[PoseFrame]:
    """A segment's frames at the input's own rate. The segment's ends are frames taken at the
    recogniser's rate: the frames between them and the neighbouring ones it took belong to the
    segment too (an engine's first frames decide its start position: losing one can change a
    count)."""
    lo, hi = segment.start_s * 1000.0 - FIT_GAP_MS, segment.end_s * 1000.0 + FIT_GAP_MS
    return [f for f in frames if lo <= f.t_ms <= hi]


def run_segments(
    frames: Sequence[PoseFrame],
    segments: Sequence[Segment],
    rules: Any,
    *,
    person: str = "auto",
    sinks_for: Any = None,
    cut_short: bool = False,
    truncation: TruncatedInput | None = None,
) -> list[SegmentRun]:
    """Each recognised segment's frames through an engine of its own rule. ``sinks_for(k,
    rule)``: the sinks of the k-th segment (numbered from 1), if any. ``cut_short``: the frames
    end where the user stopped the estimation: the last segment is run as the run stopped
    there would have been (a partial result). ``truncation``: the frames end where the video
    file was cut short: the last segment's run ends with that error, as the video's did."""
    from formcheck.engine import ExerciseEngine

    runs = []
    for k, seg in enumerate(segments, start=1):
        if seg.exercise is None:
            runs.append(SegmentRun(seg))
            continue
        rule: Exercise = rules[seg.exercise]
        sinks: list[Sink] = list(sinks_for(k, rule)) if sinks_for is not None else []
        pairs: Iterable[tuple[None, PoseFrame]] = ((None, f) for f in frames_of(frames, seg))
        if cut_short and k == len(segments):
            pairs = ending_with(pairs, KeyboardInterrupt())
        elif truncation is not None and k == len(segments):
            pairs = ending_with(pairs, truncation)
        outcome = run(pairs, ExerciseEngine(rule), selector=PersonSelector(person), sinks=sinks)
        runs.append(SegmentRun(seg, outcome))
        if outcome.interrupted or outcome.error is not None:
            break  # the rest is not analysed: what was done is kept
    return runs


def segment_path(path: Path, k: int) -> Path:
    """``report.html`` -> ``report.seg1.html``."""
    return path.with_name(f"{path.stem}.seg{k}{path.suffix}")


def analyze_segments(
    path: Path,
    track: PoseTrack,
    frames: Sequence[PoseFrame],
    segments: Sequence[Segment],
    rules: Any,
    *,
    outputs: Outputs,
    settings: AnalysisSettings,
    cut_short: bool = False,
) -> SegmentedAnalysis:
    """Analyse each segment of ``frames`` (those of ``track``, the poses of the input ``path``,
    at the analysis' stride) and write the outputs. ``cut_short``: see ``run_segments``."""
    from formcheck.files import is_stdout

    for name, p in outputs.named():
        if name in ("--report", "--csv") and is_stdout(p):
            raise UsageError(f"{name} - : an input of several exercises writes one file per segment")
    source_name = str(track.meta.get("source", {}).get("name", path.name))
    bound = outputs.report is not None and wants_pdf(outputs.report)
    reports: dict[int, HtmlReportSink] = {}

    def sinks_for(k: int, rule: Exercise) -> list[Sink]:
        sinks: list[Sink] = []
        if outputs.csv is not None:
            from formcheck.render.csv_writer import CsvSink

            sinks.append(CsvSink(segment_path(outputs.csv, k), rule))
        if outputs.report is not None:
            from formcheck.history.trend import read_trend
            from formcheck.render.report import HtmlReportSink

            # Read before `--save` stores this input: the trend shows earlier sessions only.
            trend = read_trend(outputs.history, rule.id) if outputs.history is not None else None
            name = f"{source_name} (segment {k})"
            reports[k] = HtmlReportSink(
                segment_path(outputs.report, k), rule, source_name=name, details=outputs.report_details,
                trend=trend, bound=bound,
            )  # fmt: skip
            sinks.append(reports[k])
        return sinks

    cut = track.truncation
    runs = run_segments(
        frames, segments, rules, person=settings.person, sinks_for=sinks_for, cut_short=cut_short,
        truncation=cut,
    )  # fmt: skip
    duration = (frames[-1].t_ms - frames[0].t_ms) / 1000.0 if frames else 0.0
    done = SegmentedAnalysis(path, source_name, duration, runs, cut_short=cut_short, truncation=cut)
    for k, r in enumerate(runs, start=1):
        if r.outcome is None:
            continue
        finished = {type(s).__name__ for s in r.outcome.finished}
        if outputs.csv is not None and "CsvSink" in finished:
            done.written.append(segment_path(outputs.csv, k))
        if outputs.report is not None and "HtmlReportSink" in finished:
            from formcheck.render.rep_table import rep_table_path

            page = [] if bound else [segment_path(outputs.report, k)]  # bound: a chapter of the PDF
            table = rep_table_path(segment_path(outputs.report, k))
            done.written += [*page, *([table] if table is not None else [])]
    report = outputs.report
    if report is not None:
        from formcheck.render.report import ReportDetails, html_page, write_text_atomic

        details = outputs.report_details or ReportDetails()

        if bound:
            from formcheck.render.pdf import write_pdf

            # One PDF: the list of segments, then each recognised segment's report, a page apart.
            title, index = index_main(done, lambda k: f"#seg{k}", details=details, follows=True)
            chapters = [
                f'<a id="seg{k}"></a>{sink.chapter[1]}' for k, sink in reports.items() if sink.chapter
            ]
            write_pdf(report, html_page(title, index, *chapters))
        else:
            title, index = index_main(done, lambda k: segment_path(report, k).name, details=details)
            write_text_atomic(report, html_page(title, index))
        done.written.insert(0, report)
    if outputs.json is not None:
        write_json_atomic(outputs.json, done.to_dict())
        done.written.insert(0, outputs.json)
    return done


def index_main(
    done: SegmentedAnalysis, link: Callable[[int], str], *, details: ReportDetails, follows: bool = False
) -> tuple[str, str]:
    """The title and content of the report page of an input of several exercises: one row per
    segment, the k-th recognised one linking to ``link(k)``, its own report (``follows``: on the
    pages after this one, not in files beside it)."""
    from formcheck.render.report import people_line

    rows = []
    for k, r in enumerate(done.runs, start=1):
        seg = r.segment
        rec = seg.recognition
        span = f"{seg.start_s:.1f}–{seg.end_s:.1f} s"
        if r.result is None:
            likely = ", ".join(f"{i} {100 * p:.0f}%" for i, p in rec.ranked[:2]) or "too little seen"
            what, counted = f"not sure ({escape(likely)})", "nothing counted"
        else:
            res = r.result
            sure = f"{100 * rec.confidence:.0f}%"
            what = f'<a href="{escape(link(k), quote=True)}">{escape(res.exercise_name)}</a> ({sure})'
            counted = f"{res.reps.get('total') or 0} reps" + (
                f", {len(res.holds)} hold(s)" if res.holds else ""
            )
        rows.append(f"<tr><td>{k}</td><td>{span}</td><td>{what}</td><td>{escape(counted)}</td></tr>")
    n = len(done.runs)
    found = f"{n} segment{'' if n == 1 else 's'}"
    stopped = (
        f"<p><strong>Partial:</strong> the analysis was stopped at {done.duration_s:.1f} s;"
        " the last segment ends there.</p>"
        if done.interrupted
        else ""
    )
    main = (
        f"<header><h1>{escape(done.source_name)}</h1>{people_line(details)}"
        f'<p class="sub">{found} recognised in {done.duration_s:.1f} s (<code>--exercise auto</code>);'
        f" each recognised one's report {'follows' if follows else 'is a page of its own'}.</p></header>"
        f"{stopped}"
        "<table><tr><th>#</th><th>time</th><th>exercise</th><th>counted</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return f"{done.source_name}: {found}", main


def analyze_auto(
    path: Path,
    *,
    outputs: Outputs,
    settings: AnalysisSettings,
    rules_dirs: Sequence[Path] | None = None,
    model: Model | None = None,
    on_start: Callable[[int | None], None] | None = None,
    on_frame: Callable[[], None] | None = None,
) -> SegmentedAnalysis | OneExercise:
    """The input split into segments and each analysed with its own rule; ``OneExercise`` when
    the input holds one exercise (or none): it is then analysed as one (see the docstring).
    ``on_start`` / ``on_frame``: the progress of a video's estimation (``input_track``).

    A stop asked for during the estimation (``formcheck.interrupts``) ends it; what was
    estimated is then analysed here, whatever it holds (never estimated again), as partial."""
    from formcheck import interrupts
    from formcheck.recognition.choose import known_exercises

    outputs.check()
    if outputs.video is not None:
        return _first_seconds(path, settings, on_start=on_start, on_frame=on_frame)
    rules = known_exercises(rules_dirs)
    track = input_track(path, settings, on_start=on_start, on_frame=on_frame, stop=interrupts.requested)
    cut_short = bool(track.meta.get("partial"))
    if cut_short:
        interrupts.acknowledge()  # the estimation stopped: analysing what it found takes a moment
    frames = [track.frame(i) for i in range(0, len(track), settings.stride)]
    parts = parts_of(frames, settings.person, rules, model)
    # One part is one exercise (or none): it is recognised as a whole by the caller
    # (``choose_exercise``), so judging it here too would only do that work twice.
    if parts.count <= 1 and not cut_short:
        return OneExercise(track)
    segments = judge_parts(parts, rules=rules, model=model)
    if len(segments) <= 1 and not cut_short:
        return OneExercise(track)
    return analyze_segments(
        path, track, frames, segments, rules, outputs=outputs, settings=settings, cut_short=cut_short
    )


def _first_seconds(
    path: Path,
    settings: AnalysisSettings,
    *,
    on_start: Callable[[int | None], None] | None = None,
    on_frame: Callable[[], None] | None = None,
) -> OneExercise:
    """``--video``: the first ``choose.VIDEO_S`` seconds estimated, to recognise the exercise,
    by an estimator kept open for the rest (a stop asked for meanwhile ends them there, and the
    analysis then stops there too, having drawn what was seen)."""
    from formcheck import interrupts
    from formcheck.recognition.choose import VIDEO_S

    closing = ExitStack()
    try:
        estimator = None
        if not is_track_path(path):
            _, estimator = settings.video_estimator()
            closing.enter_context(estimator)
        track = input_track(
            path, settings, on_start=on_start, on_frame=on_frame, stop=interrupts.requested,
            estimator=estimator, until_s=VIDEO_S,
        )  # fmt: skip
    except BaseException:
        closing.close()
        raise
    if track.meta.get("partial"):
        interrupts.acknowledge()  # drawing what was estimated takes a moment; the run then stops
    return OneExercise(track, estimator, closing)
