"""The recogniser's synthetic training tracks (``samples/recognition/make_tracks.py``): written
again, they are the committed files; and the generated bodies do what their exercises'
descriptions say (feet on the floor, hands where the stretch puts them)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.landmarks import INDEX
from formcheck.pose import Pose

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "samples" / "recognition"))
sys.path.insert(0, str(REPO / "samples"))

import make_tracks  # noqa: E402

COMMITTED = REPO / "samples" / "recognition" / "synthetic"


def test_writing_the_tracks_again_gives_the_committed_files(tmp_path: Path) -> None:
    written = make_tracks.write_tracks(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in COMMITTED.glob("*.track.npz"))
    for path in written:
        assert path.read_bytes() == (COMMITTED / path.name).read_bytes(), path.name


def _at(pose: Pose, name: str, axis: int) -> float:
    return float(pose.landmarks[INDEX[name], axis])


@pytest.mark.parametrize("yaw", make_tracks.YAWS)
def test_the_side_lunge_keeps_both_feet_on_the_floor_as_far_apart_as_the_stance(yaw: float) -> None:
    # t = 1: standing in the stance; 2.5: half way into the left lunge; 6: held; 16: the right one
    stance = make_tracks.side_lunge_stretch(1.0, yaw)
    floor = _at(stance, "left_heel", 1)
    for t in (2.5, 6.0, 16.0):
        pose = make_tracks.side_lunge_stretch(t, yaw)
        for heel in ("left_heel", "right_heel"):  # on the floor, however the camera is turned
            assert _at(pose, heel, 1) == pytest.approx(floor, abs=1e-4), (t, heel)
            if yaw == 0.0:  # facing the camera, across the picture is across the body: planted
                assert _at(pose, heel, 0) == pytest.approx(_at(stance, heel, 0), abs=1e-4), (t, heel)
        # the hips dropped as the knee bent (picture y: down), most once it is held
        drop = sum(_at(pose, f"{s}_hip", 1) - _at(stance, f"{s}_hip", 1) for s in ("left", "right")) / 2
        assert drop > (0.04 if t != 2.5 else 0.005), t


def test_the_stretches_hold_what_their_descriptions_hold() -> None:
    def gap(pose: Pose, a: str, b: str) -> float:
        assert pose.world is not None
        return float(np.linalg.norm(pose.world[INDEX[a]] - pose.world[INDEX[b]]))

    held = 6.0  # the left side's hold, well after the 1 s swing into it
    wall = make_tracks.calf_wall_stretch(held, 90.0)
    assert wall.world is not None
    for side in ("left", "right"):  # hands on the wall at shoulder height: the arm level
        assert abs(wall.world[INDEX[f"{side}_wrist"], 1] - wall.world[INDEX[f"{side}_shoulder"], 1]) < 0.02
    quad = make_tracks.quad_stretch(held, 90.0)  # the left hand at the raised left ankle
    assert gap(quad, "left_wrist", "left_ankle") < 0.15 < gap(quad, "right_wrist", "left_ankle")
    glute = make_tracks.glute_stretch(held, 90.0)  # both hands at the right (pulled) knee
    assert max(gap(glute, f"{s}_wrist", "right_knee") for s in ("left", "right")) < 0.15
