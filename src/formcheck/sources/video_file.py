"""A video file decoded with PyAV (FFmpeg).

PyAV rather than OpenCV for files: it gives each frame's presentation timestamp (correct for
variable frame rates, where index / fps is not) and the rotation metadata of phone clips.

Timestamps are the frame's pts less the first frame's, in milliseconds, made strictly
increasing (a broken muxer may repeat a pts). Rotation: the display matrix's angle is
counter-clockwise (FFmpeg's and PyAV's convention); frames are turned by it so a portrait phone
clip arrives upright, exactly as ``ffmpeg -i clip.mp4 frame.png`` shows it (verified against the
ffmpeg binary in tests/test_sources.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.closing import Closing
from formcheck.errors import InputError, NoFramesError, TruncatedInput
from formcheck.sources.base import Frame
from formcheck.track import SUFFIX as TRACK_SUFFIX

# A video counts as cut short when the frames decoded fall this far behind what its container
# declares: more than this share of the frame count, or of the duration, and at least a second.
_TRUNCATION_SHARE = 0.03
_TRUNCATION_MIN_S = 1.0

# FFmpeg demuxers that read a single still image; such a file is a picture, not a video.
_IMAGE_FORMAT_SUFFIXES = ("_pipe",)
_IMAGE_FORMATS = {"image2", "webp", "tiff", "apng_pipe"}


def rotate_upright(image: np.ndarray, rotation_ccw: float) -> np.ndarray:
    """Turn ``image`` counter-clockwise by ``rotation_ccw`` degrees (rounded to a multiple of 90)."""
    turns = round(rotation_ccw / 90) % 4
    return np.ascontiguousarray(np.rot90(image, turns)) if turns else image


class VideoFileSource(Closing):
    live = False

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import av  # PyAV is a core dependency; imported here to keep `--help` fast

        self.path = Path(path)
        self.name = self.path.name
        if not self.path.exists():
            raise InputError(f"video not found: {self.path}")
        if self.path.is_dir():
            raise InputError(f"expected a video file, got a folder: {self.path}")
        try:
            size = self.path.stat().st_size
        except OSError as err:
            raise InputError(f"cannot read {self.path} ({_reason(err)})") from err
        if size == 0:
            raise InputError(f"video file is empty (0 bytes): {self.path}")
        if str(self.path).endswith(TRACK_SUFFIX):
            raise InputError(f"{self.path} is a pose track, not a video (analyze replays it)")
        try:
            self._container: Any = av.open(str(self.path))
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as err:
            raise InputError(f"not a readable video: {self.path} ({_reason(err)})") from err
        fmt = str(getattr(self._container.format, "name", "") or "")
        if fmt in _IMAGE_FORMATS or fmt.endswith(_IMAGE_FORMAT_SUFFIXES):
            self._container.close()
            raise InputError(f"{self.path} is a still image ({fmt.removesuffix('_pipe')}), not a video")
        if not self._container.streams.video:
            self._container.close()
            raise InputError(f"no video stream in {self.path}")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.fps = float(rate) if rate else 30.0
        self._time_base: Fraction = self._stream.time_base or Fraction(1, 1000)
        # What the container declares (its index), to tell a complete file from one cut short.
        self.declared_frames: int | None = int(self._stream.frames or 0) or None
        self.declared_duration_s: float | None = self._declared_duration_s()
        self.frame_count: int | None = self.declared_frames or self._estimated_frame_count()
        width, height = int(self._stream.width or 0), int(self._stream.height or 0)
        # (width, height) as stored (before any rotation), known before a frame is decoded.
        self.frame_size = (width, height)
        self._iterated = False
        self._decoding: Any = None  # PyAV's decode generator, while frames() runs

    def _declared_duration_s(self) -> float | None:
        if self._stream.duration:
            return float(self._stream.duration * self._time_base)
        if self._container.duration:
            return self._container.duration / 1_000_000  # AV_TIME_BASE
        return None

    def _estimated_frame_count(self) -> int | None:
        """Frames from the duration when the container does not say (progress bars only)."""
        seconds = self._declared_duration_s()
        return None if seconds is None else max(1, round(seconds * self.fps))

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def frames(self, stride: int = 1) -> Iterator[Frame]:
        """Every ``stride``-th frame (indices 0, stride, 2*stride, ...; timestamps as always).

        Every frame is still decoded (H.264 frames depend on each other), but only the kept ones
        are converted to BGR arrays: ~2 ms a 720p frame that ``--stride`` would throw away.
        """
        import av

        if self._iterated:
            raise InputError(f"{self.path} was already read; open it again to read it twice")
        self._iterated = True
        index = 0
        last_t_ms = -1
        start_pts: int | None = None
        self._decoding = self._container.decode(self._stream)
        try:
            for vf in self._decoding:
                if vf.pts is not None:
                    if start_pts is None:
                        start_pts = vf.pts
                    t_ms = round(float((vf.pts - start_pts) * self._time_base) * 1000)
                else:
                    t_ms = round(index * 1000 / self.fps)
                # Strictly increasing even where pts repeat or go backwards (broken muxers).
                t_ms = max(t_ms, last_t_ms + 1)
                last_t_ms = t_ms
                if index % stride == 0:
                    image = rotate_upright(vf.to_ndarray(format="bgr24"), float(vf.rotation or 0))
                    yield Frame(index, t_ms, image)
                index += 1
        except (av.error.FFmpegError, OSError) as err:
            if index == 0:
                raise NoFramesError(f"no decodable frames in {self.path} ({_reason(err)})") from err
            # A file cut mid-stream: what was decoded is kept, as a player would (and said below).
        if index == 0:
            raise NoFramesError(f"no decodable frames in {self.path}")
        self._check_complete(index, last_t_ms)

    def _check_complete(self, decoded: int, last_t_ms: int) -> None:
        """Raise ``TruncatedInput`` when the frames ended well before the container said they
        would: a file whose index is at the front (``+faststart``) but whose data was cut off
        decodes without an error to the cut, and would pass for a complete, shorter video."""
        frame_s = 1 / self.fps
        decoded_s = last_t_ms / 1000 + frame_s
        short_by = []
        if self.declared_frames:
            missing = self.declared_frames - decoded
            if missing > max(_TRUNCATION_SHARE * self.declared_frames, _TRUNCATION_MIN_S * self.fps):
                short_by.append(missing)
        if self.declared_duration_s:
            missing_s = self.declared_duration_s - decoded_s
            if missing_s > max(_TRUNCATION_SHARE * self.declared_duration_s, _TRUNCATION_MIN_S):
                short_by.append(round(missing_s * self.fps))
        if not short_by:
            return
        total_s = self.declared_duration_s or (self.declared_frames or 0) * frame_s
        ends = last_t_ms / 1000
        raise TruncatedInput(
            f"{self.path} is cut short: its frames end at {ends:.1f} s of the {total_s:.1f} s it "
            f"declares ({decoded} of {self.declared_frames or '?'} frames); the results cover "
            "what was there and are marked partial",
            ends_at_s=ends,
            notice=f"the video ends at {ends:.1f} s of its {total_s:.1f} s: the file is cut short",
        )

    def close(self) -> None:
        # An interrupted run leaves the decode generator suspended: finish it while the
        # container (and its codec contexts) still exist, not whenever it is collected later.
        decoding, self._decoding = self._decoding, None
        if decoding is not None:
            decoding.close()
        self._container.close()


def _reason(err: BaseException) -> str:
    text = getattr(err, "strerror", None) or str(err)
    return text.strip().splitlines()[0] if text.strip() else type(err).__name__
