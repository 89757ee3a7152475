"""The annotated video: H.264 in MP4 that plays in a browser.

Browser-safe means: H.264 (libx264, which the PyAV wheels bundle), yuv420p, even width and
height, and the index (``moov``) at the front of the file (``+faststart``) so it streams.

Each frame is stamped with its own source timestamp (millisecond time base), so a variable
frame rate or a strided run stays in sync with the real clock.

Failure policy: the video is written to a temporary file (``files.PendingOutput``: beside a
regular target, or elsewhere for a FIFO or standard output). ``finish()`` (which the pipeline
calls also for interrupted and partial runs) flushes the encoder, closes the container and puts
it in place, so an interrupted run still leaves a valid, playable video of what was analysed so
far. A run that analysed no frame at all (interrupted while the model loaded) still leaves a
valid video: one still frame saying so, at ``blank_size``. ``close()`` without a ``finish()``
means the run crashed: the temporary file is removed and the target is left untouched. No
temporary file survives either way.
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
from formcheck.files import PendingOutput, describe

if TYPE_CHECKING:
    from formcheck.engine import SessionResult
    from formcheck.pipeline import Step
    from formcheck.render.overlay import OverlayAnnotator

TIME_BASE = Fraction(1, 1000)
PREFERRED_ENCODERS = ("libx264", "libopenh264", "h264")
# What the video shows when no frame was analysed (the run was interrupted before the first).
BLANK_MESSAGE = "No frame was analysed: the run was interrupted before the first one."
DEFAULT_BLANK_SIZE = (640, 360)


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
        blank_size: tuple[int, int] = DEFAULT_BLANK_SIZE,
    ) -> None:
        self.path = Path(path)
        self.blank_size = blank_size
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
        self._pending: PendingOutput | None = None
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
        # OpenCV's BGR -> I420 gives the same BT.601 limited-range planes as PyAV's reformat
        # (within one level) at a seventh of its cost: 0.7 against 5 ms a 720p frame.
        planes = np.asarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2YUV_I420), dtype=np.uint8)  # no copy
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        frame.pts = pts
        frame.time_base = TIME_BASE
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except (OSError, av.FFmpegError) as err:
            raise OutputError(f"cannot write video {describe(self.path)}: {err}") from err
        self._last_pts = pts
        self.frames_written += 1

    def finish(self, result: SessionResult | None = None) -> None:
        """Flush and close the video and move it onto the target path."""
        if self._done:
            return
        if self._container is None:
            self.write_image(blank_frame(self.blank_size), 0)
        self._done = True
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            self._container.close()
            self._container = None
            assert self._pending is not None
            self._pending.commit()
            self._pending = None
        except (OSError, av.FFmpegError) as err:
            self._discard()
            raise OutputError(f"cannot write video {describe(self.path)}: {err}") from err

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
            self._pending = PendingOutput(self.path, what="video", suffix=".tmp.mp4")
            os.close(self._pending.take_fd())
            assert self._pending.tmp is not None
            container = av.open(
                str(self._pending.tmp), mode="w", format="mp4", options={"movflags": "+faststart"}
            )
        except (OSError, av.FFmpegError) as err:
            self._discard()
            raise OutputError(f"cannot write video {describe(self.path)}: {err}") from err
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
        if self._pending is not None:
            self._pending.discard()
            self._pending = None


def blank_frame(size: tuple[int, int]) -> np.ndarray:
    """A dark frame of ``size`` (width, height) saying that no frame was analysed."""
    from formcheck.render.text import put_text, wrap

    width, height = even_size(max(size[0], 64), max(size[1], 64))
    image = np.full((height, width, 3), 32, dtype=np.uint8)
    scale = max(0.4, min(width, height) / 720)
    thickness = max(1, round(scale * 1.5))
    lines = wrap(BLANK_MESSAGE, scale, thickness, int(width * 0.9))
    line_h = int(34 * scale)
    y = height // 2 - line_h * (len(lines) - 1) // 2
    for line in lines:
        put_text(image, line, (int(width * 0.05), y), scale, (235, 235, 235), thickness)
        y += line_h
    return image
