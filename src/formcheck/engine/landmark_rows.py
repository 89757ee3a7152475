"""Turn one ``Pose`` into the plain-Python geometry the engine reads: pixel (and world) rows of
the landmarks it needs, and whether each is seen.

Per frame this is the engine's biggest fixed cost, so it converts only the values it reads:
``struct`` unpacks the needed rows straight from the float32 array's buffer in one C call
(``tolist`` would convert all 165 values, a few µs; numpy calls on 33×5 arrays cost about a
µs each). float32 → Python float is exact either way, so the values are those ``tolist`` gives.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Iterable, Sequence

import numpy as np

from formcheck.engine.geometry import FACING_POINTS, NORM_POINTS, FrameGeometry, MeasureReader
from formcheck.engine.view import VIEW_POINTS, WORLD_VIEW_POINTS
from formcheck.landmarks import COUNT
from formcheck.pose import Pose

FRAME_MARGIN = 0.02  # a landmark further outside the image than this is not "seen"

_LO, _HI = -FRAME_MARGIN, 1 + FRAME_MARGIN
_UNREAD = [0.0, 0.0, 0.0]  # where a landmark nothing reads "is": never seen (ok False), never used
_F32 = np.dtype(np.float32)
_FLOAT_MAX = sys.float_info.max


def _rows_format(rows: tuple[int, ...], row_len: int, take: int) -> struct.Struct:
    """A format unpacking the first ``take`` float32 values of each of ``rows`` (ascending) of a
    C-contiguous (n, row_len) float32 array, skipping the rest."""
    parts, pos = [], 0
    for r in rows:
        start = 4 * row_len * r
        if start > pos:
            parts.append(f"{start - pos}x")
        parts.append(f"{take}f")
        pos = start + 4 * take
    return struct.Struct("=" + "".join(parts))


def _unpack(a: np.ndarray, fmt: struct.Struct, rows: tuple[int, ...], take: int) -> tuple[float, ...]:
    """The first ``take`` values of each row of ``rows``, flat, as Python floats."""
    # (an ndarray has the buffer protocol; numpy's type stubs do not say so)
    if a.dtype == _F32:
        try:
            return fmt.unpack_from(a)  # type: ignore[arg-type]
        except (BufferError, TypeError, ValueError):  # not C-contiguous: the same values, copied
            return fmt.unpack_from(np.ascontiguousarray(a))  # type: ignore[arg-type]
    # another dtype: its own values (float64 stays float64), as ``tolist`` gives them
    return tuple(a[list(rows), :take].ravel().tolist())


def rows_read(readers: Iterable[MeasureReader]) -> tuple[tuple[int, ...], tuple[int, ...], bool]:
    """The landmarks the engine reads for these measures: (image rows, world rows).

    The image rows give every landmark's "seen" flag, which world measures use too: the view
    and nearer side, every measure's points, the body-size normalisers for distances and
    heights, the feet, nose and ears for leans. The world rows: the view's shoulders and hips,
    and what the world measures read. Last, whether any measure reads world landmarks.
    """
    in_world = False
    image, world = set(VIEW_POINTS), set(WORLD_VIEW_POINTS)
    for reader in readers:
        points = {i for idx in reader.indices.values() for i in idx}
        if reader.kind in ("distance", "height"):
            points |= NORM_POINTS
        elif reader.kind == "lean":
            points |= FACING_POINTS
        image |= points
        if reader.measure.space == "world":
            world |= points
            in_world = True
    return tuple(sorted(image)), tuple(sorted(world)), in_world


class LandmarkRows:
    """Reads the landmarks ``image_rows`` (pixels) and ``world_rows`` (metres) of a pose."""

    def __init__(
        self, image_rows: tuple[int, ...], world_rows: tuple[int, ...], world_geometry: bool = True
    ) -> None:
        """``world_geometry``: whether measures read the world rows (else only the view does,
        from the plain coordinates)."""
        self.image_rows = tuple(sorted(set(image_rows)))
        self.world_rows = tuple(sorted(set(world_rows)))
        self.world_geometry = world_geometry
        self._image_fmt = _rows_format(self.image_rows, 5, 4)  # x, y, z, visibility
        self._world_fmt = _rows_format(self.world_rows, 3, 3)

    def read(
        self, pose: Pose, size: tuple[int, int], min_vis: float
    ) -> tuple[FrameGeometry, FrameGeometry | None, list[Sequence[float]] | None]:
        """(image geometry, world geometry, world coordinates): the world parts are None when
        the pose has no world landmarks, the world geometry also when no measure reads it."""
        w, h = float(size[0]), float(size[1])  # the same products as with ints, a little faster
        coords = [_UNREAD] * COUNT
        ok = [False] * COUNT
        lo, hi, big, neg_big = _LO, _HI, _FLOAT_MAX, -_FLOAT_MAX  # locals: read for every row
        values = iter(_unpack(pose.landmarks, self._image_fmt, self.image_rows, 4))
        for i, x, y, z, vis in zip(self.image_rows, values, values, values, values, strict=False):
            pz = z * w
            coords[i] = [x * w, y * h, pz]
            # Seen: visible enough, inside the image (give or take the margin), at a finite
            # position. With x and y inside the image, px + py + pz is finite exactly when pz
            # is (float32 values times an image size cannot overflow a sum); the bounds on pz
            # test that without a call, and reject NaN too.
            # (An ``if`` of plain comparisons, not ``ok[i] = <chained comparisons>``: each
            # comparison then jumps directly on floats, without building a bool; ~0.05 µs a row.)
            if vis >= min_vis and lo <= x and x <= hi and lo <= y and y <= hi and neg_big <= pz and pz <= big:
                ok[i] = True
        image = FrameGeometry(coords, ok)
        if pose.world is None:
            return image, None, None
        world_coords: list[Sequence[float]] = [_UNREAD] * COUNT
        values = iter(_unpack(pose.world, self._world_fmt, self.world_rows, 3))
        # the rows as the (x, y, z) tuples zip builds in C, rather than a list built per row
        for i, row in zip(self.world_rows, zip(values, values, values, strict=False), strict=False):
            world_coords[i] = row
        world = FrameGeometry(world_coords, ok, planar=False) if self.world_geometry else None
        return image, world, world_coords
