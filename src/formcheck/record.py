"""Record a pose track: run pose estimation over a whole source and keep every pose."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from formcheck import __version__
from formcheck.estimation.base import Estimator
from formcheck.pose import PoseFrame
from formcheck.sources.base import Frame, FrameSource
from formcheck.track import PoseTrack


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def estimate_frames(
    frames: Iterator[Frame] | FrameSource, estimator: Estimator
) -> Iterator[PoseFrame]:
    """Run ``estimator`` on each frame; yields one ``PoseFrame`` per frame, empty when no one is seen."""
    for frame in frames:
        yield PoseFrame(frame.index, frame.t_ms, frame.size, estimator.estimate(frame.image, frame.t_ms))


def record_track(
    source: FrameSource,
    estimator: Estimator,
    *,
    model: dict[str, Any],
    source_path: str | Path | None = None,
    on_frame: Callable[[PoseFrame], None] | None = None,
) -> PoseTrack:
    """Estimate poses over all of ``source`` and return them as a track with provenance metadata."""
    frames: list[PoseFrame] = []
    size: tuple[int, int] | None = None
    for pf in estimate_frames(source, estimator):
        size = size or pf.image_size
        frames.append(pf)
        if on_frame is not None:
            on_frame(pf)
    meta: dict[str, Any] = {
        "fps": source.fps,
        "frame_size": list(size or (0, 0)),
        "model": model,
        "source": {"name": source.name},
        "formcheck_version": __version__,
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if source_path is not None:
        meta["source"]["sha256"] = file_sha256(source_path)
    return PoseTrack.from_frames(frames, meta)
