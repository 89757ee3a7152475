"""The annotated video: H.264 in MP4 that plays in a browser.

Browser-safe means: H.264 (libx264, which the PyAV wheels bundle), yuv420p, even width and
height, and the index (``moov``) at the front of the file (``+faststart``) so it streams.

Each frame is stamped with its own source timestamp (millisecond time base), so a variable
frame rate or a strided run stays in sync with the real clock.

Failure policy: the video is written to a hidden temporary file next to the target.
``finish()`` (which the pipeline calls also for interrupted and partial runs) flushes the
encoder, closes the container and renames it onto the target, so an interrupted run still
leaves a valid, playable video of what was analysed so far. ``close()`` without a ``finish()``
means the run crashed: the temporary file is removed and the target is left untouched. No
temporary file survives either way. A run that wrote no frame leaves no file.
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import cv2
import numpy as np

from formcheck.errors import OutputError
from formcheck.files import temp_beside

if TYPE_CHECKING:
    from formcheck.engine import SessionResult
    from formcheck.pipeline import Step
    from formcheck.render.overlay import OverlayAnnotator

TIME_BASE = Fraction(1, 1000)
PREFERRED_ENCODERS = ("libx264", "libopenh264", "h264")


def h264_encoder() -> str:
    """The first H.264 encoder this PyAV build offers."""
    for name in PREFERRED_ENCODERS:
        try:
            av.codec.Codec(name, "w")
        except Exception:  # av raises UnknownCodecError (a ValueError), older builds others
            continue
        return name
    raise OutputError("this PyAV build has no H.264 encoder; reinstall the 'av' wheel from PyPI")


def even_size(width: int, height: int) -> tuple[int, int]:
    """yuv420p needs even dimensions: drop the last column/row of an odd-sized frame."""
    return width - width % 2, height - height % 2


class VideoWriterSink:
    """Pipeline sink writing each step's frame, with the overlay drawn on it, to ``path``.

    ``crf`` and ``preset`` are libx264's quality/speed knobs (23 / "veryfast": a small file
    without slowing the analysis noticeably).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fps: float,
        annotator: OverlayAnnotator | None = None,
        *,
        crf: int = 23,
        preset: str = "veryfast",
    ) -> None:
        self.path = Path(path)
        if not fps or fps <= 0:
            raise OutputError(f"cannot write a video at {fps} frames per second")
        self.fps = float(fps)
        self.annotator = annotator
        self.crf = crf
        self.preset = preset
        self.frames_written = 0
        self._encoder = h264_encoder()
        self._container: Any = None
        self._stream: Any = None
        self._tmp: Path | None = None
        self._size: tuple[int, int] | None = None
        self._t0_ms: int | None = None
        self._last_pts = -1
        self._done = False

    # ---------------------------------------------------------------- sink protocol

    def write(self, step: Step) -> None:
        if step.frame is None or self._done:
            return  # a replayed pose track has no images (the CLI refuses --video for those)
        image = step.frame.image
        if self.annotator is not None:
            image = self.annotator.annotate(image, step.report)
        self.write_image(image, step.frame.t_ms)

    def write_image(self, image_bgr: np.ndarray, t_ms: int) -> None:
        """Encode one BGR image shown at ``t_ms`` (timestamps must increase)."""
        if self._container is None:
            self._open(image_bgr.shape[1], image_bgr.shape[0], t_ms)
        assert self._size is not None and self._t0_ms is not None
        w, h = self._size
        if image_bgr.shape[1] < w or image_bgr.shape[0] < h:
            image_bgr = cv2.resize(image_bgr, (w, h), interpolation=cv2.INTER_AREA)
        image_bgr = image_bgr[:h, :w]
        pts = max(int(t_ms) - self._t0_ms, self._last_pts + 1)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image_bgr), format="bgr24")
        frame = frame.reformat(format="yuv420p")
        frame.pts = pts
        frame.time_base = TIME_BASE
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except (OSError, av.FFmpegError) as err:
            raise OutputError(f"cannot write video {self.path}: {err}") from err
        self._last_pts = pts
        self.frames_written += 1

    def finish(self, result: SessionResult | None = None) -> None:
        """Flush and close the video and move it onto the target path."""
        if self._done:
            return
        self._done = True
        if self._container is None:
            return
        tmp = self._tmp
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            self._container.close()
            self._container = None
            assert tmp is not None
            os.replace(tmp, self.path)
            self._tmp = None
        except (OSError, av.FFmpegError) as err:
            self._discard()
            raise OutputError(f"cannot write video {self.path}: {err}") from err

    def close(self) -> None:
        self._done = True
        self._discard()

    def __enter__(self) -> VideoWriterSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- internals

    def _open(self, width: int, height: int, t_ms: int) -> None:
        w, h = even_size(width, height)
        if w < 2 or h < 2:
            raise OutputError(f"cannot write a {width}x{height} video")
        try:
            fd, self._tmp = temp_beside(self.path, ".tmp.mp4")
            os.close(fd)
            container = av.open(str(self._tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
        except (OSError, av.FFmpegError) as err:
            self._discard()
            raise OutputError(f"cannot write video {self.path}: {err}") from err
        rate = Fraction(self.fps).limit_denominator(1001)
        stream: Any = container.add_stream(self._encoder, rate=rate)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        if self._encoder == "libx264":
            stream.options = {"crf": str(self.crf), "preset": self.preset}
        # Browsers and QuickTime want the 'avc1' tag and a closed GOP at least every few seconds.
        stream.codec_context.gop_size = max(1, round(self.fps * 2))
        self._container, self._stream = container, stream
        self._size = (w, h)
        self._t0_ms = int(t_ms)

    def _discard(self) -> None:
        if self._container is not None:
            with contextlib.suppress(Exception):  # already failing; the temp file goes anyway
                self._container.close()
            self._container = None
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None
