"""Frame sources: a video file, a camera, or a video file replayed as if it were a camera.

``open_source(spec)`` picks one from what a user types: a camera index (``0``) or a file path.
"""

from __future__ import annotations

from pathlib import Path

from formcheck.sources.base import Frame, FrameSource

__all__ = ["Frame", "FrameSource", "camera_index", "open_source"]


def camera_index(spec: str | int | Path) -> int | None:
    """The camera index ``spec`` names (an int, or a string of digits), else None."""
    if isinstance(spec, bool):
        return None
    if isinstance(spec, int):
        return spec
    text = str(spec).strip()
    return int(text) if text.isdigit() and not Path(text).exists() else None


def open_source(spec: str | int | Path, *, realtime: bool = False) -> FrameSource:
    """A camera for an index (``0``, ``"1"``), else the video file at ``spec``.

    ``realtime=True`` replays a file at its own pace, dropping frames a slow consumer misses,
    as a camera would (a camera is always real time). A file literally named ``0`` in the
    current folder is read as a file.
    """
    index = camera_index(spec)
    if index is not None:
        from formcheck.sources.camera import CameraSource

        return CameraSource(index)
    if realtime:
        from formcheck.sources.realtime import RealtimeSource

        return RealtimeSource(Path(str(spec)))
    from formcheck.sources.video_file import VideoFileSource

    return VideoFileSource(Path(str(spec)))
