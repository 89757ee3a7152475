"""The frame container and the source interface."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """One upright BGR image with its index in the source and a strictly increasing timestamp."""

    index: int
    t_ms: int
    image: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return int(self.image.shape[1]), int(self.image.shape[0])


class FrameSource(Protocol):
    """Anything that yields frames: iterate it, then close it (or use it as a context manager)."""

    name: str
    fps: float
    # Total frames when known (files), else None (cameras).
    frame_count: int | None
    # True for sources that drop frames to stay current (cameras, real-time replays).
    live: bool

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...
