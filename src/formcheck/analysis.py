"""Recorded-video analysis: one input (a video, or a pose track recorded by ``formcheck
record``) through the pipeline into the requested outputs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.errors import UsageError
from formcheck.estimation.mediapipe_landmarker import DEFAULT_MAX_PEOPLE
from formcheck.files import check_writable
from formcheck.people import PersonSelector
from formcheck.pipeline import (
    BackgroundSink,
    JsonSink,
    RunOutcome,
    Sink,
    Step,
    estimated,
    replayed,
    run,
)
from formcheck.pose import PoseFrame
from formcheck.sources.base import Frame
from formcheck.track import PoseTrack, is_track_path

if TYPE_CHECKING:
    from formcheck.render.report import ReportDetails
    from formcheck.rules import Exercise


@dataclass(frozen=True)
class Outputs:
    """Where to write each optional output (None: not wanted)."""

    json: Path | None = None
    csv: Path | None = None
    video: Path | None = None
    report: Path | None = None  # .html, or .pdf to have it printed
    report_details: ReportDetails | None = None  # patient, clinician, note (the report's header)

    def for_input(self, input_path: Path, several: bool) -> Outputs:
        """With several inputs, each output option names a folder: ``<folder>/<stem>.<ext>``."""
        if not several:
            return self
        stem = _stem(input_path)

        def place(folder: Path | None, ext: str) -> Path | None:
            return None if folder is None else folder / f"{stem}{ext}"

        return Outputs(
            place(self.json, ".json"),
            place(self.csv, ".csv"),
            place(self.video, ".mp4"),
            place(self.report, ".html"),
            self.report_details,
        )

    def paths(self) -> list[Path]:
        return [p for p in (self.json, self.csv, self.video, self.report) if p is not None]


@dataclass(frozen=True)
class AnalysisSettings:
    model: str = "full"
    stride: int = 1
    person: str = "auto"
    max_people: int = DEFAULT_MAX_PEOPLE


@dataclass
class Analysis:
    """What one analysed input produced."""

    input: Path
    outcome: RunOutcome
    outputs: Outputs


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".track.npz", path.suffix):
        if suffix and name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def analyze(
    input_path: str | Path,
    exercise: Exercise,
    *,
    outputs: Outputs = Outputs(),
    settings: AnalysisSettings = AnalysisSettings(),
    on_step: Callable[[Step], None] | None = None,
    on_start: Callable[[int | None], None] | None = None,
) -> Analysis:
    """Analyse one input. ``on_start`` receives the expected frame count (for a progress bar)."""
    from formcheck.engine import ExerciseEngine

    path = Path(input_path)
    if settings.stride < 1:
        raise UsageError(f"--stride must be 1 or more, got {settings.stride}")
    for out in outputs.paths():
        check_writable(out)
    if outputs.report is not None:
        from formcheck.render.pdf import check_pdf_printer, wants_pdf

        if wants_pdf(outputs.report):
            check_pdf_printer()  # no browser to print it: say so before the work, not after
    engine = ExerciseEngine(exercise)
    selector = PersonSelector(settings.person)

    pairs: Iterable[tuple[Frame | None, PoseFrame]]
    with ExitStack() as stack:
        if is_track_path(path):
            if outputs.video is not None:
                raise UsageError(f"--video needs a video input; {path.name} is a pose track (no images)")
            track = PoseTrack.load(path)
            if on_start is not None:
                on_start(-(-len(track) // settings.stride))
            pairs = replayed(track, stride=settings.stride)
            fps = track.fps
            source_name = str(track.meta.get("source", {}).get("name", path.name))
        else:
            from formcheck.estimation.mediapipe_landmarker import MediaPipeEstimator
            from formcheck.models import resolve_model
            from formcheck.sources.video_file import VideoFileSource

            source = stack.enter_context(VideoFileSource(path))
            model = resolve_model(settings.model)
            estimator = stack.enter_context(MediaPipeEstimator(model.path, max_people=settings.max_people))
            if on_start is not None:
                on_start(-(-source.frame_count // settings.stride) if source.frame_count else None)
            pairs = estimated(source.frames(settings.stride), estimator, stride=settings.stride)
            fps = source.fps
            source_name = path.name
        sinks = _make_sinks(outputs, exercise, fps=fps / settings.stride, source_name=source_name)
        outcome = run(pairs, engine, selector=selector, sinks=sinks, on_step=on_step)
    return Analysis(path, outcome, outputs)


def _make_sinks(outputs: Outputs, exercise: Exercise, *, fps: float, source_name: str) -> list[Sink]:
    sinks: list[Sink] = []
    if outputs.json is not None:
        sinks.append(JsonSink(outputs.json, extra={"source": source_name}))
    if outputs.csv is not None:
        from formcheck.render.csv_writer import CsvSink

        sinks.append(CsvSink(outputs.csv, exercise))
    if outputs.video is not None:
        from formcheck.render.overlay import OverlayAnnotator
        from formcheck.render.video_writer import VideoWriterSink

        # Overlay and encoding (~10 ms a 720p frame) overlap the model's inference in a thread.
        sinks.append(BackgroundSink(VideoWriterSink(outputs.video, fps, OverlayAnnotator(exercise))))
    if outputs.report is not None:
        from formcheck.render.report import HtmlReportSink

        sinks.append(
            HtmlReportSink(outputs.report, exercise, source_name=source_name, details=outputs.report_details)
        )
    return sinks
