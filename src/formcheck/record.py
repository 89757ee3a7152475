"""Record a pose track: run pose estimation over a whole source and keep every pose."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck import __version__
from formcheck.errors import TruncatedInput
from formcheck.estimation.base import Estimator
from formcheck.estimation.mediapipe_landmarker import DEFAULT_MAX_PEOPLE
from formcheck.files import check_writable
from formcheck.pipeline import estimated
from formcheck.pose import PoseFrame
from formcheck.sources.base import Frame, FrameSource
from formcheck.track import SUFFIX, PoseTrack, is_track_path


def file_sha256(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def record_track(
    source: FrameSource,
    estimator: Estimator,
    *,
    model: dict[str, Any],
    source_path: str | os.PathLike[str] | None = None,
    on_frame: Callable[[PoseFrame], None] | None = None,
    stop: Callable[[], bool] | None = None,
    until_s: float | None = None,
) -> PoseTrack:
    """Estimate poses over all of ``source`` and return them as a track with provenance metadata.

    ``stop``: asked before each frame; True ends the track there (a stop the user asked for):
    the track then holds the frames estimated so far and its meta says ``"partial": true``.
    A video file cut short keeps the frames decoded before the cut: its meta says where it
    ends (``PoseTrack.truncation``, which the caller reports). ``until_s``: only the frames up
    to that time are handed to the estimator (it has seen no frame it did not return, so it
    can carry on with the next ones)."""
    frames: list[PoseFrame] = []
    size: tuple[int, int] | None = None
    stopped = stop is not None and stop()
    cut: TruncatedInput | None = None
    if not stopped:
        try:
            frames_in = source if until_s is None else _until(source, until_s)
            for _, pf in estimated(frames_in, estimator):
                size = size or pf.image_size
                frames.append(pf)
                if on_frame is not None:
                    on_frame(pf)
                if stop is not None and stop():
                    stopped = True
                    break
        except TruncatedInput as err:
            cut = err
    meta: dict[str, Any] = {
        "fps": source.fps,
        "frame_size": list(size or (0, 0)),
        "model": model,
        "source": {"name": source.name},
        "formcheck_version": __version__,
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if stopped:
        meta["partial"] = True
    if cut is not None:
        meta["truncated"] = {"message": cut.message, "ends_at_s": cut.ends_at_s, "notice": cut.notice}
    if source_path is not None:
        meta["source"]["sha256"] = file_sha256(source_path)
    return PoseTrack.from_frames(frames, meta)


def _until(frames: Iterable[Frame], until_s: float) -> Iterator[Frame]:
    for frame in frames:
        if frame.t_ms > until_s * 1000:
            return
        yield frame


@dataclass(frozen=True, slots=True)
class RecordSummary:
    path: Path
    frames: int
    pose_coverage: float


def track_output_path(path: str | os.PathLike[str]) -> Path:
    """Where ``PoseTrack.save`` writes for ``path`` (the ``.track.npz`` suffix added if missing)."""
    target = Path(path)
    return target if is_track_path(target) else target.with_name(target.name + SUFFIX)


def check_track_output(path: str | os.PathLike[str]) -> Path:
    """Refuse an output that cannot be written before minutes of pose estimation, not after."""
    return check_writable(track_output_path(path))


def record_file(
    video: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    model: str = "full",
    max_people: int = DEFAULT_MAX_PEOPLE,
    landmarkers: int | None = None,
    quiet: bool = False,
) -> RecordSummary:
    """Record the pose track of the video file ``video`` into ``output``; the work behind `record`."""
    from formcheck.estimation.landmarkers import make_estimator
    from formcheck.models import resolve_model
    from formcheck.progress import FrameProgress
    from formcheck.sources.video_file import VideoFileSource

    target = check_track_output(output)
    with VideoFileSource(video) as source:
        resolved = resolve_model(model, progress=None if quiet else "auto")
        with (
            make_estimator(resolved.path, max_people=max_people, count=landmarkers) as estimator,
            FrameProgress(source.name, total=source.frame_count, quiet=quiet) as progress,
        ):
            track = record_track(
                source,
                estimator,
                model={**resolved.as_meta(), "max_people": max_people},
                source_path=video,
                on_frame=lambda _pf: progress.advance(),
            )
    saved = track.save(target)
    cut = track.truncation
    if cut is not None:  # saved first: what the video held is kept, and the user told why it ends
        raise cut
    return RecordSummary(saved, len(track), track.pose_coverage)
