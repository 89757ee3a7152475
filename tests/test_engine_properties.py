"""Properties of the engine that must hold for any motion (hypothesis)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine_support import KNEE_BEND, SIDE, Posture, bend, play, reps_keys, write_rule
from formcheck.rules import Exercise

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def knee_bend(tmp_path_factory: pytest.TempPathFactory) -> Exercise:
    return write_rule(tmp_path_factory.mktemp("rules"), "knee-bend", KNEE_BEND)


@FAST
@given(
    level=st.sampled_from([20.0, 50.0, 35.0]),  # the rest level, the peak level, between them
    amplitude=st.floats(0.0, 12.0),
    seed=st.integers(0, 10_000),
)
def test_jitter_around_one_level_never_adds_reps(
    knee_bend: Exercise, level: float, amplitude: float, seed: int
) -> None:
    # jitter smaller than the rest-peak gap (30°): never a full rep, whatever the level
    rng = random.Random(seed)
    keys = [(0.0, bend(SIDE, 0)), (1.0, bend(SIDE, 0)), (1.5, bend(SIDE, level))]
    t = 1.5
    while t < 6.0:
        t += rng.uniform(0.03, 0.3)
        keys.append((t, bend(SIDE, max(0.0, level + rng.uniform(-amplitude, amplitude)))))
    assert play(knee_bend, keys).result.reps["total"] == 0


@settings(FAST, max_examples=8)
@given(
    # clearly past the peak level (50°): a tip within a few degrees of it (or a rep within a
    # frame of the minimum duration) is legitimately frame-rate dependent
    depths=st.lists(st.floats(65.0, 75.0), min_size=1, max_size=4),  # and short of the 80° fault
    down=st.floats(0.6, 1.5),  # and clearly longer than the minimum rep duration (0.6 s)
    up=st.floats(0.6, 1.5),
)
def test_counts_do_not_depend_on_frame_rate(
    knee_bend: Exercise, depths: list[float], down: float, up: float
) -> None:
    keys = reps_keys(SIDE, depths, down=down, up=up)
    counts = {fps: play(knee_bend, keys, fps=fps).result.reps for fps in (15, 30, 60)}
    assert counts[15] == counts[30] == counts[60]
    assert counts[30]["total"] == len(depths)


@FAST
@given(target=st.floats(30.0, 120.0), seconds=st.floats(1.0, 6.0))
def test_a_ramp_that_never_returns_never_counts(knee_bend: Exercise, target: float, seconds: float) -> None:
    keys = [
        (0.0, bend(SIDE, 0)),
        (1.0, bend(SIDE, 0)),
        (1.0 + seconds, bend(SIDE, target)),
        (8.0, bend(SIDE, target)),
    ]
    assert play(knee_bend, keys).result.reps["total"] == 0


@FAST
@given(seed=st.integers(0, 10_000), depths=st.lists(st.floats(55.0, 110.0), min_size=1, max_size=3))
def test_unknown_values_never_count_or_fault(knee_bend: Exercise, depths: list[float], seed: int) -> None:
    rng = random.Random(seed)
    hidden = frozenset(
        rng.choice([{"left_knee", "right_knee"}, {"left_hip", "right_hip"}, {"left_ankle", "right_ankle"}])
    )

    def hide(_t: float, p: Posture) -> Posture:
        return replace(p, hidden=hidden)

    run = play(knee_bend, reps_keys(SIDE, depths), noise=hide)
    assert run.result.reps["total"] == 0
    assert run.result.faults == ()
    assert all(r.measures["knee_flexion"] is None for r in run.reports)
