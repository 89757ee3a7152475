"""The camera's tilt, learnt from the person standing (``engine.level``): world tilts and leans
read from the true vertical once they have been seen standing for a second, so a camera looking
down does not make an upright trunk lean; a real lean still reads as one.

Synthetic side-on person (``engine_support``), the camera pitched about its horizontal axis.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from engine_support import SIDE, Posture, bend, make_pose, play, write_rule
from formcheck.engine.level import CameraLevel, rotation_to_vertical, standing_line

RULE = """\
format: 1
id: lean-check
name: Lean check
view: side
dose: {reps: 10}
measures:
  knee_flexion: {kind: angle, points: [hip, knee, ankle], side: nearer, space: world}
  trunk_lean: {kind: tilt, points: [hip, shoulder], from: up, side: nearer, space: world}
reps:
  measure: knee_flexion
  rest: 20
  peak: 50
faults:
  - id: trunk_lean
    when: {measure: trunk_lean, above: 25}
    for_s: 0.3
    phase: rep
    message: Chest up
    cue: chest up
    explain: The trunk pitched forward.
"""


def _world(p: Posture) -> tuple[list[tuple[float, float, float]], list[bool]]:
    pose = make_pose(p)
    assert pose.world is not None
    return [tuple(map(float, row)) for row in pose.world], [True] * len(pose.world)


def _lunges(pitch: float, lean: float) -> list[tuple[float, Posture]]:
    """Standing 2 s, then three knee bends of 70° with the trunk leaning ``lean`` forward."""
    stand = replace(SIDE, camera_pitch=pitch)
    down = replace(bend(stand, 70.0), trunk_lean=lean)
    keys: list[tuple[float, Posture]] = [(0.0, stand), (2.0, stand)]
    t = 2.0
    for _ in range(3):
        keys += [(t + 0.8, down), (t + 1.4, down), (t + 2.2, stand), (t + 2.8, stand)]
        t += 2.8
    return keys


@pytest.mark.parametrize("pitch", [-20.0, 0.0, 15.0, 25.0])
def test_the_standing_line_read_through_a_pitched_camera_is_turned_back_to_vertical(pitch: float) -> None:
    coords, ok = _world(replace(SIDE, camera_pitch=pitch))
    line = standing_line(coords, ok)
    assert line is not None
    assert math.degrees(math.acos(-line[1])) == pytest.approx(abs(pitch), abs=0.5)
    r = np.array(rotation_to_vertical(line)).reshape(3, 3)
    assert r @ np.array(line) == pytest.approx([0.0, -1.0, 0.0], abs=1e-9)
    assert r @ r.T == pytest.approx(np.eye(3), abs=1e-9)


@pytest.mark.parametrize(
    ("name", "posture"),
    [
        ("knees bent", bend(SIDE, 40.0)),
        ("a camera tilted past what is levelled", replace(SIDE, camera_pitch=40.0)),
    ],
)
def test_no_standing_line_unless_upright_on_straight_legs(name: str, posture: Posture) -> None:
    assert standing_line(*_world(posture)) is None, name


def test_the_standing_line_is_the_legs_whatever_the_trunk_does() -> None:
    """Leaning forward from the hips moves the shoulders, not the line from ankles to hips: a
    person standing bent over still shows the vertical (their lean is what the rules measure)."""
    upright = standing_line(*_world(replace(SIDE, camera_pitch=15.0)))
    leaning = standing_line(*_world(replace(SIDE, camera_pitch=15.0, trunk_lean=30.0)))
    assert upright is not None and leaning is not None
    assert leaning == pytest.approx(upright, abs=1e-9)


def test_the_level_is_learnt_after_half_a_second_standing() -> None:
    coords, ok = _world(replace(SIDE, camera_pitch=15.0))
    level = CameraLevel()
    for i in range(15):  # 0.47 s at 30 fps
        level.update(i / 30, coords, ok)
    assert level.rotation is None
    for i in range(15, 25):
        level.update(i / 30, coords, ok)
    assert level.rotation is not None


def test_bent_knees_teach_no_level() -> None:
    coords, ok = _world(replace(bend(SIDE, 40.0), camera_pitch=15.0))
    level = CameraLevel()
    for i in range(90):
        level.update(i / 30, coords, ok)
    assert level.rotation is None


def test_a_camera_looking_down_does_not_make_an_upright_trunk_lean(tmp_path: Path) -> None:
    """Pitched 25° down, a trunk leaning 15° reads past the rule's 25° from the camera's
    vertical; read from the person's own standing line it reads as from a level camera, and
    nothing fires. The readings before the level was learnt are the camera's."""
    rule = write_rule(tmp_path, "lean-check", RULE)
    pitched, level = play(rule, _lunges(pitch=25.0, lean=15.0)), play(rule, _lunges(pitch=0.0, lean=15.0))
    assert pitched.result.reps["total"] == level.result.reps["total"] == 3
    assert [f["id"] for f in pitched.result.to_dict()["faults"]] == []
    tilt = [r.measures["trunk_lean"] for r in pitched.reports]
    flat = [r.measures["trunk_lean"] for r in level.reports]
    assert tilt[10] > 25.0 > flat[10] + 10.0  # 0.33 s: not learnt yet, the camera's tilt in it
    assert tilt[58] == pytest.approx(flat[58], abs=1.0)  # 1.93 s: learnt, standing
    bottom = [round(t * 30) for t in (2.8, 5.6, 8.4)]  # each bend's bottom
    assert [tilt[i] for i in bottom] == pytest.approx([flat[i] for i in bottom], abs=1.0)


@pytest.mark.parametrize("pitch", [0.0, 25.0])
def test_a_real_lean_is_still_one_whatever_the_camera(tmp_path: Path, pitch: float) -> None:
    run = play(write_rule(tmp_path, "lean-check", RULE), _lunges(pitch=pitch, lean=35.0))
    assert run.result.reps["total"] == 3
    assert [f["id"] for f in run.result.to_dict()["faults"]] == ["trunk_lean"] * 3
