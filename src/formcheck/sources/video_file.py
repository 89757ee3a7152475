"""A video file decoded with PyAV (FFmpeg).

PyAV rather than OpenCV for files: it gives each frame's presentation timestamp (correct for
variable frame rates, where index / fps is not) and the rotation metadata of phone clips.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from formcheck.errors import InputError, NoFramesError
from formcheck.sources.base import Frame


def _rotate(image: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate counter-clockwise by ``degrees`` (a multiple of 90), as display metadata asks."""
    turns = (round(degrees / 90)) % 4
    return np.ascontiguousarray(np.rot90(image, turns)) if turns else image


class VideoFileSource:
    live = False

    def __init__(self, path: str | Path) -> None:
        import av  # PyAV is a core dependency; imported here to keep `--help` fast

        self.path = Path(path)
        self.name = self.path.name
        if not self.path.exists():
            raise InputError(f"video not found: {self.path}")
        if self.path.is_dir():
            raise InputError(f"expected a video file, got a directory: {self.path}")
        if self.path.stat().st_size == 0:
            raise InputError(f"video file is empty (0 bytes): {self.path}")
        try:
            self._container: Any = av.open(str(self.path))
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as err:
            raise InputError(f"not a readable video: {self.path} ({_reason(err)})") from err
        if not self._container.streams.video:
            self._container.close()
            raise InputError(f"no video stream in {self.path}")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.fps = float(rate) if rate else 30.0
        self.frame_count: int | None = int(self._stream.frames) or None
        self._time_base: Fraction = self._stream.time_base or Fraction(1, 1000)

    def __iter__(self) -> Iterator[Frame]:
        import av

        index = 0
        last_t_ms = -1
        start_pts: int | None = None
        try:
            for vf in self._container.decode(self._stream):
                if vf.pts is not None:
                    if start_pts is None:
                        start_pts = vf.pts
                    t_ms = int(round(float((vf.pts - start_pts) * self._time_base) * 1000))
                else:
                    t_ms = int(round(index * 1000 / self.fps))
                # Strictly increasing even where pts repeat or go backwards (broken muxers).
                t_ms = max(t_ms, last_t_ms + 1)
                last_t_ms = t_ms
                image = _rotate(vf.to_ndarray(format="bgr24"), -int(vf.rotation or 0))
                yield Frame(index, t_ms, image)
                index += 1
        except av.error.FFmpegError as err:
            if index == 0:
                raise NoFramesError(f"no decodable frames in {self.path} ({_reason(err)})") from err
            # A file cut mid-stream: keep what was decoded, as a player would.
            return
        if index == 0:
            raise NoFramesError(f"no decodable frames in {self.path}")

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> VideoFileSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _reason(err: BaseException) -> str:
    text = getattr(err, "strerror", None) or str(err)
    return text.strip().splitlines()[0] if text.strip() else type(err).__name__
