"""Recorded-video analysis: one input (a video, or a pose track recorded by ``formcheck
record``) through the pipeline into the requested outputs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.errors import UsageError
from formcheck.estimation.mediapipe_landmarker import DEFAULT_MAX_PEOPLE
from formcheck.files import check_writable, is_stdout, output_kind
from formcheck.people import PersonSelector
from formcheck.pipeline import (
    BackgroundSink,
    JsonSink,
    RunOutcome,
    Sink,
    Step,
    ending_with,
    estimated,
    replayed,
    replayed_with_images,
    run,
)
from formcheck.pose import PoseFrame
from formcheck.sources.base import Frame
from formcheck.track import PoseTrack, is_track_path

if TYPE_CHECKING:
    from formcheck.estimation.alternating import AlternatingEstimator
    from formcheck.estimation.base import Estimator
    from formcheck.estimation.mediapipe_landmarker import MediaPipeEstimator
    from formcheck.models import ResolvedModel
    from formcheck.recognition import Recognition
    from formcheck.render.report import ReportDetails
    from formcheck.rules import Exercise


# The annotated video is H.264 in MP4: a file name must say so (an .avi would lie).
VIDEO_SUFFIXES = (".mp4", ".m4v")
REPORT_SUFFIXES = (".html", ".htm", ".pdf")  # the page, or it printed


@dataclass(frozen=True)
class Outputs:
    """Where to write each optional output (None: not wanted)."""

    json: Path | None = None
    csv: Path | None = None
    video: Path | None = None
    report: Path | None = None  # .html, or .pdf to have it printed
    report_details: ReportDetails | None = None  # patient, clinician, note (the report's header)
    # The history database the report's trend against earlier sessions is read from (read-only,
    # only if the file exists); None: no trend.
    history: Path | None = None

    def paths(self) -> list[Path]:
        return [p for p in (self.json, self.csv, self.video, self.report) if p is not None]

    def named(self) -> list[tuple[str, Path]]:
        """(option, path) of each wanted output: ``[("--json", Path("r.json")), ...]``."""
        pairs = (
            ("--json", self.json), ("--csv", self.csv), ("--video", self.video), ("--report", self.report)
        )  # fmt: skip
        return [(name, p) for name, p in pairs if p is not None]

    def check(self) -> None:
        """Refuse outputs that cannot be written as asked, before any work (``UsageError`` /
        ``OutputError``)."""
        to_stdout = [name for name, p in self.named() if is_stdout(p)]
        if len(to_stdout) > 1:
            both = " and ".join(to_stdout)
            raise UsageError(f"only one output can go to standard output (-); {both} both do")
        video = self.video
        if video is not None and output_kind(video) == "file" and video.suffix.lower() not in VIDEO_SUFFIXES:
            raise UsageError(
                f"--video writes an H.264 MP4 video: name it .mp4 (got {video.name}, which says "
                f"{video.suffix or 'nothing'})"
            )
        report = self.report
        suffix = report.suffix.lower() if report is not None and output_kind(report) == "file" else None
        if suffix is not None and suffix not in REPORT_SUFFIXES:
            assert report is not None
            raise UsageError(
                f"--report writes an HTML page, or a PDF when named .pdf: name it .html or .pdf "
                f"(got {report.name}, which says {report.suffix or 'nothing'})"
            )
        if self.report is not None:
            from formcheck.render.pdf import check_pdf_printer, wants_pdf

            if wants_pdf(self.report):
                check_pdf_printer()  # no browser to print it: say so before the work, not after
        for path in self.paths():
            check_writable(path)


@dataclass(frozen=True)
class AnalysisSettings:
    model: str = "full"
    stride: int = 1
    person: str = "auto"
    max_people: int = DEFAULT_MAX_PEOPLE
    # MediaPipe landmarkers run side by side on alternate frames of a video (None: two on any
    # machine and in any batch, so that the poses depend on the video alone; see
    # estimation/alternating.py).
    landmarkers: int | None = None

    def video_estimator(self) -> tuple[ResolvedModel, MediaPipeEstimator | AlternatingEstimator]:
        """The pose model these settings name (found and verified) and the landmarkers a video
        file is estimated with, to be entered (``with``) by the caller."""
        from formcheck.estimation.landmarkers import make_estimator
        from formcheck.models import resolve_model

        model = resolve_model(self.model)
        return model, make_estimator(model.path, max_people=self.max_people, count=self.landmarkers)


@dataclass
class Analysis:
    """What one analysed input produced."""

    input: Path
    outcome: RunOutcome
    outputs: Outputs
    written: list[Path] = field(default_factory=list)  # the outputs saved (all, unless a save failed)
    recognition: Recognition | None = None  # with --exercise auto: how the exercise was chosen


def analyze(
    input_path: str | Path,
    exercise: Exercise,
    *,
    outputs: Outputs = Outputs(),
    settings: AnalysisSettings = AnalysisSettings(),
    on_step: Callable[[Step], None] | None = None,
    on_start: Callable[[int | None], None] | None = None,
    recognition: Recognition | None = None,
    check_exercise: bool = True,
    track: PoseTrack | None = None,
    estimator: Estimator | None = None,
) -> Analysis:
    """Analyse one input. ``on_start`` receives the expected frame count (for a progress bar).
    ``recognition``: how ``exercise`` was recognised (``recognition.choose``), recorded in the
    JSON; without one, the named exercise is checked against the movement (a notice of kind
    ``exercise_mismatch`` when it clearly is another; ``check_exercise=False``: no check).
    ``track``: the input's poses, already estimated (``--exercise auto`` estimated the video to
    recognise it): replayed instead of estimating the video again, beside its images decoded
    again when the report or the annotated video needs them (``pipeline.replayed_with_images``).
    ``estimator``: the one that estimated ``track``, the video's first seconds only (``--video
    -e auto``): it carries on with the rest as the analysis goes; a ``track`` the user stopped
    (``"partial"``) ends the run there."""
    from formcheck.engine import ExerciseEngine
    from formcheck.recognition.check import ExerciseCheck

    path = Path(input_path)
    if settings.stride < 1:
        raise UsageError(f"--stride must be 1 or more, got {settings.stride}")
    outputs.check()
    engine = ExerciseEngine(exercise)
    # Recognition stays outside the engine: a check beside it, judged when the run ends.
    checked = (
        engine
        if recognition is not None or not check_exercise
        else ExerciseCheck.of(engine, exercise, while_running=outputs.video is not None)
    )
    selector = PersonSelector(settings.person)

    pairs: Iterable[tuple[Frame | None, PoseFrame]]
    with ExitStack() as stack:
        if track is not None or is_track_path(path):
            from_video = not is_track_path(path)
            if outputs.video is not None and not from_video:
                raise UsageError(f"--video needs a video input; {path.name} is a pose track (no images)")
            if track is None:
                track = PoseTrack.load(path)
            stopped = bool(track.meta.get("partial"))
            carry_on = estimator if from_video and not stopped else None
            with_images = outputs.report is not None or outputs.video is not None
            if from_video and (carry_on is not None or with_images):
                from formcheck.sources.video_file import VideoFileSource

                source = stack.enter_context(VideoFileSource(path))
                frames = source.frames(settings.stride)
                pairs = replayed_with_images(track, frames, stride=settings.stride, then=carry_on)
                total = source.frame_count if carry_on is not None else len(track)
            else:
                pairs = replayed(track, stride=settings.stride)
                total = len(track)
            if stopped:  # the user stopped its estimation: the run stops there too
                pairs = ending_with(pairs, KeyboardInterrupt())
            if on_start is not None:
                on_start(-(-total // settings.stride) if total else None)
            fps = track.fps
            frame_size = track.image_size
            named = track.meta.get("source", {}).get("name", path.name)
            source_name = path.name if from_video else str(named)
        else:
            from formcheck.sources.video_file import VideoFileSource

            source = stack.enter_context(VideoFileSource(path))
            _, estimator = settings.video_estimator()
            stack.enter_context(estimator)
            if on_start is not None:
                on_start(-(-source.frame_count // settings.stride) if source.frame_count else None)
            pairs = estimated(source.frames(settings.stride), estimator, stride=settings.stride)
            fps = source.fps
            frame_size = source.frame_size
            source_name = path.name
        # Made before the run: the trend is read from the history before `--save` adds this session.
        sinks = _make_sinks(
            outputs, exercise, fps=fps / settings.stride, frame_size=frame_size, source_name=source_name,
            recognition=recognition,
        )  # fmt: skip
        outcome = run(pairs, checked, selector=selector, sinks=list(sinks), on_step=on_step)
    written = [out for sink, out in sinks.items() if sink in outcome.finished]
    if outputs.report is not None and outputs.report in written:
        from formcheck.render.rep_table import rep_table_path

        table = rep_table_path(outputs.report)
        if table is not None:
            written.append(table)  # the report's rep table, written beside it
    return Analysis(path, outcome, outputs, written, recognition)


def _make_sinks(
    outputs: Outputs,
    exercise: Exercise,
    *,
    fps: float,
    frame_size: tuple[int, int],
    source_name: str,
    recognition: Recognition | None = None,
) -> dict[Sink, Path]:
    """Each output's sink, and the path it writes."""
    sinks: dict[Sink, Path] = {}
    if outputs.json is not None:
        extra: dict[str, object] = {"source": source_name}
        if recognition is not None:
            extra["recognition"] = recognition.to_dict()
        sinks[JsonSink(outputs.json, extra=extra)] = outputs.json
    if outputs.csv is not None:
        from formcheck.render.csv_writer import CsvSink

        sinks[CsvSink(outputs.csv, exercise)] = outputs.csv
    if outputs.video is not None:
        from formcheck.render.overlay import OverlayAnnotator
        from formcheck.render.video_writer import DEFAULT_BLANK_SIZE, VideoWriterSink

        writer = VideoWriterSink(
            outputs.video, fps, OverlayAnnotator(exercise),
            blank_size=frame_size if min(frame_size) > 0 else DEFAULT_BLANK_SIZE,
        )  # fmt: skip
        # Overlay and encoding (~10 ms a 720p frame) overlap the model's inference in a thread.
        sinks[BackgroundSink(writer)] = outputs.video
    if outputs.report is not None:
        from formcheck.history.trend import read_trend
        from formcheck.render.report import HtmlReportSink

        details = outputs.report_details
        trend = read_trend(outputs.history, exercise.id) if outputs.history is not None else None
        report = HtmlReportSink(
            outputs.report, exercise, source_name=source_name, details=details, trend=trend
        )
        sinks[report] = outputs.report
    return sinks
