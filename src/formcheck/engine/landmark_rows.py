"""Turn one ``Pose`` into the plain-Python geometry the engine reads: pixel (and world) rows of
the landmarks it needs, and whether each is seen.

Per frame this is the engine's biggest fixed cost, so it converts only the values it reads:
``struct`` unpacks the needed rows straight from the float32 array's buffer in one C call
(``tolist`` would convert all 165 values, a few µs; numpy calls on 33×5 arrays cost about a
µs each). float32 → Python float is exact either way, so the values are those ``tolist`` gives.
The reading code is generated for the rows a rule reads (see ``_read_source``).
"""

from __future__ import annotations

import functools
import struct
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from formcheck.engine.geometry import FACING_POINTS, NORM_POINTS, FrameGeometry, MeasureReader
from formcheck.engine.view import VIEW_POINTS, WORLD_VIEW_POINTS
from formcheck.landmarks import COUNT, NAMES
from formcheck.pose import Pose

FRAME_MARGIN = 0.02  # a landmark further outside the image than this is not "seen"

_LO, _HI = -FRAME_MARGIN, 1 + FRAME_MARGIN
_UNREAD = (0.0, 0.0, 0.0)  # where a landmark nothing reads "is": never seen (ok False), never used
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


def rows_read(
    readers: Iterable[MeasureReader],
) -> tuple[tuple[int, ...], tuple[int, ...], bool, tuple[int, ...]]:
    """The landmarks the engine reads for these measures: (image rows, world rows, whether any
    measure reads world landmarks, pixel rows).

    The image rows give every landmark's "seen" flag, which world measures use too: the view
    and nearer side, every measure's points, the body-size normalisers for distances and
    heights, the feet, nose and ears for leans. The world rows: the view's shoulders and hips,
    and what the world measures read. The pixel rows: the image rows whose pixel coordinates
    are read (the view's, and those of the image measures).
    """
    in_world = False
    image, world, pixels = set(VIEW_POINTS), set(WORLD_VIEW_POINTS), set(VIEW_POINTS)
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
        else:
            pixels |= points
    return tuple(sorted(image)), tuple(sorted(world)), in_world, tuple(sorted(pixels))


ReadRows = Callable[
    [Pose, tuple[int, int], float],
    tuple[FrameGeometry, FrameGeometry | None, list[Sequence[float]] | None],
]


class LandmarkRows:
    """Reads the landmarks ``image_rows`` (seen flags, and pixels for ``pixel_rows``) and
    ``world_rows`` (metres) of a pose:
    ``read(pose, size, min_vis)`` gives (image geometry, world geometry, world coordinates);
    the world parts are None when the pose has no world landmarks, the world geometry also
    when no measure reads it (``world_geometry`` False: only the view reads the world rows).

    Each landmark read becomes a tuple of its 3 coordinates, in a list indexed by landmark
    (``_UNREAD`` where nothing reads it, never seen); its "seen" flag is True when it is
    visible enough (``min_vis``), inside the image give or take ``FRAME_MARGIN``, at a finite
    position. (With x and y inside the image, px + py + pz is finite exactly when the scaled
    depth pz is: float32 values times an image size cannot overflow a sum. The bounds on pz
    test that without a call, and reject NaN too.)
    """

    def __init__(
        self,
        image_rows: tuple[int, ...],
        world_rows: tuple[int, ...],
        world_geometry: bool = True,
        pixel_rows: tuple[int, ...] | None = None,
    ) -> None:
        """``pixel_rows``: the image rows whose pixel coordinates are read (None: all); the
        others only get their "seen" flag (a world measure's points, say)."""
        self.pixel_rows = tuple(sorted(set(image_rows if pixel_rows is None else pixel_rows)))
        self.image_rows = tuple(sorted({*image_rows, *self.pixel_rows}))
        self.world_rows = tuple(sorted(set(world_rows)))
        self.world_geometry = world_geometry
        self.read, self.source = _compiled_read(
            self.image_rows, self.world_rows, world_geometry, self.pixel_rows
        )


@functools.lru_cache(maxsize=256)  # an engine per clip or session: the same few sets of rows
def _compiled_read(
    image_rows: tuple[int, ...],
    world_rows: tuple[int, ...],
    world_geometry: bool,
    pixel_rows: tuple[int, ...],
) -> tuple[ReadRows, str]:
    """``read`` for these (sorted) rows, and its source."""
    source = _read_source(image_rows, world_rows, world_geometry, pixel_rows)
    scope: dict[str, Any] = {
        "_unpack": _unpack,
        "FrameGeometry": FrameGeometry,
        "_UNREAD": _UNREAD,
        "IMAGE_FMT": _rows_format(image_rows, 5, 4),  # x, y, z, visibility
        "IMAGE_ROWS": image_rows,
        "WORLD_FMT": _rows_format(world_rows, 3, 3),
        "WORLD_ROWS": world_rows,
    }
    exec(compile(source, f"<LandmarkRows.read {image_rows} {world_rows}>", "exec"), scope)
    return scope["read"], source


def _read_source(
    image_rows: tuple[int, ...],
    world_rows: tuple[int, ...],
    world_geometry: bool,
    pixel_rows: tuple[int, ...],
) -> str:
    """The source of ``read`` for these rows (``LandmarkRows.source`` shows it).

    The rows a rule reads are fixed once its engine is built, so ``read`` is generated for them
    (as ``dataclasses`` generates ``__init__``): straight-line code that unpacks the rows into
    named locals and builds each list in one display. A loop over the rows costs about 1.5 µs
    more a frame (the engine's largest single cost: 15 image and 15 world rows on a squat), in
    the per-row ``zip`` tuples, index stores and loop jumps. The arithmetic and comparisons are
    those of the loop, row by row: the values are the same, bit for bit.
    """

    def unpack(names: str, rows: tuple[int, ...], values: str) -> str:  # "x7, y7, z7, v7, x8, ... = "
        floats = ", ".join(f"{n}{i}" for i in rows for n in names.split())
        return f"    {floats}, = {values}" if rows else "    pass  # no rows"

    def by_landmark(entry: dict[int, str], unread: str) -> str:  # a list display, by landmark
        items = (
            f"        {entry[i]},  # {NAMES[i]}" if i in entry else f"        {unread}," for i in range(COUNT)
        )
        return "\n".join(("[", *items, "    ]"))

    # the bounds as literals (``repr`` gives a float back exactly): constants, not lookups
    lo, hi, big = repr(_LO), repr(_HI), repr(_FLOAT_MAX)
    seen = {
        # a conditional, not the bool of an ``and`` chain: each comparison then jumps on the
        # floats directly (Python's specialised float compare-and-jump), building no bool
        i: f"True if v{i} >= min_vis and {lo} <= x{i} and x{i} <= {hi} and {lo} <= y{i} "
        f"and y{i} <= {hi} and -{big} <= z{i} and z{i} <= {big} else False"
        for i in image_rows
    }
    lines = [
        "def read(pose, size, min_vis):",
        "    w, h = float(size[0]), float(size[1])  # the same products as with ints, a little faster",
        unpack("x y z v", image_rows, "_unpack(pose.landmarks, IMAGE_FMT, IMAGE_ROWS, 4)"),
        *(f"    z{i} *= w" for i in image_rows),  # depth in pixels, like x
        f"    ok = {by_landmark(seen, 'False')}",
        f"    coords = {by_landmark({i: f'(x{i} * w, y{i} * h, z{i})' for i in pixel_rows}, '_UNREAD')}",
        "    image = FrameGeometry(coords, ok)",
        "    world = pose.world",
        "    if world is None:",
        "        return image, None, None",
        unpack("wx wy wz", world_rows, "_unpack(world, WORLD_FMT, WORLD_ROWS, 3)"),
        f"    coords = {by_landmark({i: f'(wx{i}, wy{i}, wz{i})' for i in world_rows}, '_UNREAD')}",
        f"    return image, {'FrameGeometry(coords, ok, False)' if world_geometry else 'None'}, coords",
    ]
    return "\n".join(lines) + "\n"
