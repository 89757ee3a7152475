"""The engine's fast paths give exactly what the plain code gives.

The per-frame code is specialised for speed (compiled measure readers, struct-unpacked landmark
rows, one-function ``all`` conditions); these tests pin them, bit for bit, to the reference
implementations they replace, on random inputs including degenerate and broken values.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from formcheck.engine.conditions import compile_condition
from formcheck.engine.geometry import FrameGeometry, MeasureReader
from formcheck.engine.landmark_rows import FRAME_MARGIN, LandmarkRows
from formcheck.engine.level import CameraLevel, rotation_to_vertical
from formcheck.engine.readers import compile_reader
from formcheck.landmarks import COUNT
from formcheck.pose import Pose
from formcheck.rules.model import AllOf, AnyOf, Compare, Measure

MEASURES = [
    Measure("flex", "angle", ("hip", "knee", "ankle"), "left"),
    Measure("inner", "angle", ("shoulder", "elbow", "wrist"), "right", convention="inner"),
    Measure("up", "tilt", ("hip", "shoulder"), "left", tilt_from="up"),
    Measure("down", "tilt", ("knee", "ankle"), "right", tilt_from="down"),
    Measure("flat", "tilt", ("left_hip", "right_hip"), None, tilt_from="horizontal"),
    Measure("lean", "lean", ("hip", "shoulder"), "left"),
    Measure("valgus", "fppa", ("hip", "knee", "ankle"), "right"),
    Measure("gap", "distance", ("left_knee", "right_knee"), None, per="hip_width", axis="horizontal"),
    Measure("drop", "distance", ("left_ankle", "right_ankle"), None, per="leg_length", axis="vertical"),
    Measure("reach", "distance", ("wrist", "ankle"), "left", per="torso_length"),
    Measure("lift", "height", ("ankle", "hip"), "right", per="shoulder_width"),
    Measure("step", "height", ("left_ankle", "right_ankle"), None, per="ankle_width"),
    # flat in the picture: the depth guess left out, body sizes measured flat
    Measure("flex_flat", "angle", ("shoulder", "hip", "ankle"), "left", space="picture"),
    Measure("up_flat", "tilt", ("hip", "shoulder"), "right", tilt_from="up", space="picture"),
    Measure("down_flat", "tilt", ("hip", "ankle"), "left", tilt_from="down", space="picture"),
    Measure("level_flat", "tilt", ("left_hip", "right_hip"), None, tilt_from="horizontal", space="picture"),
    Measure("reach_flat", "distance", ("wrist", "ankle"), "left", per="leg_length", space="picture"),
    Measure(
        "gap_flat",
        "distance",
        ("left_knee", "right_knee"),
        None,
        per="hip_width",
        axis="horizontal",
        space="picture",
    ),
    Measure("lift_flat", "height", ("ankle", "hip"), "right", per="torso_length", space="picture"),
    # elevations remember a body size: both readers see the same sequence of frames
    Measure("rise", "elevation", ("hip",), "left", per="leg_length"),
    Measure("head", "elevation", ("nose",), None, per="torso_length"),
    Measure("travel", "across", ("ankle",), "right", per="leg_length"),
    Measure("head_across", "across", ("nose",), None, per="shoulder_width"),
]


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return repr(a) == repr(b)  # bit for bit (and NaN equals NaN)


def _random_geometry(rng: random.Random, planar: bool) -> FrameGeometry:
    coords = []
    for _ in range(COUNT):
        roll = rng.random()
        if roll < 0.05:
            row = [float("nan"), rng.uniform(0, 500), rng.uniform(-50, 50)]
        elif roll < 0.15:
            row = [100.0, 200.0, 0.0]  # many landmarks at one point: zero-length segments
        else:
            row = [rng.uniform(0, 640), rng.uniform(0, 480), rng.uniform(-300, 300)]
        coords.append(row)
    ok = [rng.random() < 0.85 for _ in range(COUNT)]
    return FrameGeometry(coords, ok, planar=planar)


@pytest.mark.parametrize("measure", MEASURES, ids=lambda m: f"{m.kind}-{m.name}")
def test_compiled_readers_match_the_generic_reader(measure: Measure) -> None:
    reference = MeasureReader(measure)
    compiled = {side: compile_reader(measure, idx) for side, idx in reference.indices.items()}
    rng = random.Random(measure.name)
    for n in range(3000):
        for side, read in compiled.items():
            planar = n % 2 == 0
            # fresh geometries: each caches its facing direction and norms
            seed = rng.random()
            want = reference.read(_random_geometry(random.Random(seed), planar), side)
            got = read(_random_geometry(random.Random(seed), planar))
            assert _same(got, want), (measure.name, side, n, got, want)


@pytest.mark.parametrize(
    "measure",
    [
        Measure("trunk_up", "tilt", ("hip", "shoulder"), "left", space="world"),
        Measure("thigh_down", "tilt", ("hip", "knee"), "right", tilt_from="down", space="world"),
        Measure("hips_level", "tilt", ("left_hip", "right_hip"), None, tilt_from="horizontal", space="world"),
        Measure("trunk_lean", "lean", ("hip", "shoulder"), "left", space="world"),
    ],
    ids=lambda m: m.name,
)
def test_levelled_readers_match_the_generic_reader(measure: Measure) -> None:
    """World tilts and leans with the camera's tilt learnt (``level.CameraLevel``): both readers
    turn the segment the same way, bit for bit, and the turn changes the reading."""
    level = CameraLevel()
    level.rotation = rotation_to_vertical((0.0, -math.cos(0.3), math.sin(0.3)))
    reference = MeasureReader(measure, level)
    compiled = {side: compile_reader(measure, idx, level) for side, idx in reference.indices.items()}
    plain = MeasureReader(measure)
    rng = random.Random(measure.name)
    changed = 0
    for _ in range(3000):
        for side, read in compiled.items():
            seed = rng.random()
            want = reference.read(_random_geometry(random.Random(seed), planar=False), side)
            got = read(_random_geometry(random.Random(seed), planar=False))
            assert _same(got, want), (measure.name, side, got, want)
            unturned = plain.read(_random_geometry(random.Random(seed), planar=False), side)
            changed += want is not None and unturned is not None and abs(want - unturned) > 1e-6
    assert changed > 1000


@pytest.mark.parametrize(
    ("kind", "moved_to", "expected"),
    [
        ("across", (260.0, 200.0), 0.5),  # 60 px to the right, shoulders 120 px apart
        ("across", (140.0, 200.0), -0.5),
        ("across", (200.0, 140.0), 0.0),  # straight up: nothing across
        ("elevation", (200.0, 140.0), 0.5),  # 60 px up the picture (y grows downwards)
        ("elevation", (260.0, 200.0), 0.0),
    ],
)
def test_a_place_in_the_picture_is_read_from_where_it_was_first_seen(
    kind: str, moved_to: tuple[float, float], expected: float
) -> None:
    """``across`` and ``elevation``: how far the nose has moved right of / up from its first
    place, in shoulder widths; both readers alike."""
    measure = Measure("nose_place", kind, ("nose",), None, per="shoulder_width")

    def at(x: float, y: float) -> FrameGeometry:
        coords = [[0.0, 0.0, 0.0] for _ in range(COUNT)]
        coords[0] = [x, y, 0.0]
        coords[11], coords[12] = [140.0, 300.0, 0.0], [260.0, 300.0, 0.0]
        return FrameGeometry(coords, [True] * COUNT, planar=False)

    generic = MeasureReader(measure)
    compiled = compile_reader(measure, generic.indices[None])
    for read in (lambda g: generic.read(g, None), compiled):
        assert read(at(200.0, 200.0)) == 0.0
        assert read(at(*moved_to)) == pytest.approx(expected)


def _reference_facing(geo: FrameGeometry) -> tuple[float, float] | None:
    """The facing direction as the engine first worked it out (a loop over the feet)."""
    c, ok = geo.coords, geo.ok
    dx = dz = 0.0
    for heel, toe in ((29, 31), (30, 32)):
        if ok[heel] and ok[toe]:
            dx += c[toe][0] - c[heel][0]
            dz += c[toe][2] - c[heel][2]
    if math.hypot(dx, 0.0 if geo.planar else dz) < 1e-6:
        ears = [c[i] for i in (7, 8) if ok[i]]
        if not ok[0] or not ears:
            return None
        dx = c[0][0] - sum(e[0] for e in ears) / len(ears)
        dz = c[0][2] - sum(e[2] for e in ears) / len(ears)
    if geo.planar:
        dz = 0.0
    n = math.hypot(dx, dz)
    return (dx / n, dz / n) if n >= 1e-6 else None


def _reference_width(geo: FrameGeometry, i: int, j: int) -> float | None:
    if not (geo.ok[i] and geo.ok[j]):
        return None
    value = math.sqrt(sum((a - b) * (a - b) for a, b in zip(geo.coords[i], geo.coords[j], strict=True)))
    return value if value > 1e-6 else None


def test_facing_and_widths_match_the_plain_code() -> None:
    rng = random.Random(11)
    widths = {"hip_width": (23, 24), "shoulder_width": (11, 12), "ankle_width": (27, 28)}
    for n in range(4000):
        seed = rng.random()
        geo = _random_geometry(random.Random(seed), planar=n % 2 == 0)
        if n % 3 == 0:  # no feet seen: the ears and nose
            geo.ok[29] = geo.ok[32] = False
        want = _reference_facing(geo)
        got = geo.facing()
        assert (got is None) == (want is None) and repr(got) == repr(want), (n, got, want)
        assert geo.facing() is got  # found once
        for per, (i, j) in widths.items():
            ref = _reference_width(geo, i, j)
            assert _same(geo.norm(per), ref) and _same(geo.norm(per), ref), (n, per)
        # the leg length, spelled out in ``norm``, against the general code it replaces
        ref_leg = geo._compute_norm("leg_length")
        assert _same(geo.norm("leg_length"), ref_leg) and _same(geo.norm("leg_length"), ref_leg), n


def _reference_rows(
    pose: Pose, size: tuple[int, int], min_vis: float, rows: tuple[int, ...]
) -> tuple[dict[int, list[float]], list[bool], list[list[float]] | None]:
    """The engine's former geometry code: ``tolist`` and ``isfinite`` of the sum."""
    w, h = size
    lo, hi = -FRAME_MARGIN, 1 + FRAME_MARGIN
    lm = pose.landmarks.tolist()
    coords: dict[int, list[float]] = {}
    ok = [False] * COUNT
    for i in rows:
        x, y, z, vis, _ = lm[i]
        px, py, pz = x * w, y * h, z * w
        coords[i] = [px, py, pz]
        ok[i] = vis >= min_vis and lo <= x <= hi and lo <= y <= hi and math.isfinite(px + py + pz)
    world = pose.world.tolist() if pose.world is not None else None
    return coords, ok, world


def _random_pose(rng: np.random.Generator, dtype: type, fortran: bool) -> Pose:
    lm = rng.uniform(-0.1, 1.1, size=(COUNT, 5))
    lm[:, 2] = rng.uniform(-1, 1, size=COUNT)
    lm[:, 3] = rng.uniform(0, 1, size=COUNT)
    for col in range(4):  # broken values: NaN and ±inf here and there, exact borders too
        lm[rng.integers(0, COUNT, 3), col] = np.nan
        lm[rng.integers(0, COUNT, 2), col] = np.inf
        lm[rng.integers(0, COUNT, 2), col] = -np.inf
    lm[rng.integers(0, COUNT, 2), 0] = -FRAME_MARGIN
    lm[rng.integers(0, COUNT, 2), 1] = 1 + FRAME_MARGIN
    world = rng.uniform(-1, 1, size=(COUNT, 3))
    world[rng.integers(0, COUNT, 2), 1] = np.nan
    lm_arr: np.ndarray = lm.astype(dtype)
    world_arr: np.ndarray = world.astype(dtype)
    if fortran:
        lm_arr, world_arr = np.asfortranarray(lm_arr), np.asfortranarray(world_arr)
    return Pose(lm_arr, world_arr)


@pytest.mark.parametrize(("dtype", "fortran"), [(np.float32, False), (np.float32, True), (np.float64, False)])
def test_landmark_rows_match_the_plain_conversion(dtype: type, fortran: bool) -> None:
    rng = np.random.default_rng(7)
    some, everything = (0, 2, 5, 11, 12, 23, 24, 25, 26, 27, 28, 32), tuple(range(COUNT))
    # (image rows, world rows, pixel rows): the reader generated for each
    rows = [(some, (11, 12, 23, 24), some), (everything, everything, everything), (some, some, (11, 12, 32))]
    readers = [
        LandmarkRows(image_rows, world_rows, True, pixel_rows) for image_rows, world_rows, pixel_rows in rows
    ]
    for n in range(900):
        (image_rows, world_rows, pixel_rows), reader = rows[n % 3], readers[n % 3]
        pose = _random_pose(rng, dtype, fortran)
        size = (int(rng.integers(100, 4000)), int(rng.integers(100, 4000)))
        image, world, world_coords = reader.read(pose, size, 0.5)
        coords, ok, world_ref = _reference_rows(pose, size, 0.5, image_rows)
        assert image.ok == ok
        for i in pixel_rows:  # (the rows are tuples)
            assert repr(list(image.coords[i])) == repr(coords[i])
        assert world is not None and world_coords is not None and world_ref is not None
        for i in world_rows:
            assert repr(list(world_coords[i])) == repr(world_ref[i])
    assert reader.read(Pose(pose.landmarks), (640, 480), 0.5)[1:] == (None, None)


def test_values_for_no_working_side_match_the_resolvers() -> None:
    """``MeasureSet.values(None)`` reads slots where the nearer side fixes them: the same values
    as the former per-measure plan, for every rule, any nearer side and known/unknown values."""
    from formcheck.engine.measures import NO_VALUE, MeasureSet
    from formcheck.rules import list_exercises

    rng = random.Random(5)
    for exercise in list_exercises():
        ms = MeasureSet(exercise)
        raw = ms._raw
        for n in range(200):
            raw[:-1] = [None if rng.random() < 0.2 else rng.uniform(-90, 90) for _ in raw[:-1]]
            ms.nearer = (None, "left", "right")[n % 3]
            ms._values, ms._shared = {}, None  # as ``update`` leaves them
            want = {
                name: raw[slot] if slot >= 0 else None if slot == NO_VALUE else resolve(None)
                for name, slot, resolve in ms._plan
            }
            got = ms.values(None)
            assert list(got) == list(want)
            for name, value in want.items():
                assert _same(got[name], value), (exercise.id, name, ms.nearer)


def test_all_of_comparisons_matches_the_generic_all() -> None:
    parts = (Compare("a", above=10.0), Compare("b", below=5.0), Compare("c", above=-1.0, below=1.0))
    fast = compile_condition(AllOf(parts))
    generic = compile_condition(AllOf((*parts, AnyOf((Compare("a", above=-1e9),)))))  # not all compares
    choices = [None, -2.0, -1.0, 0.0, 1.0, 4.9, 5.0, 10.0, 10.5, float("nan")]
    for a in choices:
        for b in choices:
            for c in choices:
                v = {"a": a, "b": b, "c": c}
                # the extra AnyOf part is True whenever "a" is known and not NaN: compare there
                if a is not None and a == a:
                    assert fast(v) is generic(v), v
