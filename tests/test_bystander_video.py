"""A second person walks in mid-set (issue 16): at the defaults (two people, landmarkers side by
side on alternate frames) the subject keeps being followed and counted as without the bystander.

The video is made with ffmpeg from two shared clips: 14 s of the front squat clip, and from 5 s on
a man doing calf raises pasted into its right edge, half the subject's height. Needs the model,
ffmpeg and the shared clips."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from formcheck.engine import ExerciseEngine
from formcheck.estimation.landmarkers import make_estimator
from formcheck.landmarks import index_of
from formcheck.people import PersonSelector
from formcheck.pipeline import replayed, run
from formcheck.record import record_track
from formcheck.rules import load_exercise
from formcheck.sources.video_file import VideoFileSource
from formcheck.track import PoseTrack
from shared_data import SHARED_SAMPLES

pytestmark = pytest.mark.model

SUBJECT, BYSTANDER = "squat--front-20-reps-counter", "calf-raise--home"
LENGTH_S, WALKS_IN_S = 14, 5
# The bystander's box starts at x = 990 of 1280 px: the subject's hips stay left of it.
BYSTANDER_LEFT_EDGE = 990 / 1280


def _make(out: Path, *, with_bystander: bool) -> Path:
    subject, bystander = (SHARED_SAMPLES / "clips" / f"{c}.mp4" for c in (SUBJECT, BYSTANDER))
    if not subject.is_file() or not bystander.is_file():
        pytest.skip("needs the shared sample clips")
    paste = (
        f"[1:v]scale=270:480,setsar=1,setpts=PTS-STARTPTS+{WALKS_IN_S}/TB[b];"
        "[0:v][b]overlay=x=990:y=230:eof_action=pass[v]"
        if with_bystander
        else "[0:v]null[v]"
    )
    inputs = ["-t", str(LENGTH_S), "-i", str(subject)] + (["-i", str(bystander)] if with_bystander else [])
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *inputs, "-filter_complex", paste,
         "-map", "[v]", "-t", str(LENGTH_S), "-c:v", "libx264", "-preset", "veryfast",
         "-pix_fmt", "yuv420p", str(out)],
        check=True, timeout=300,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg to compose the video")
    folder = tmp_path_factory.mktemp("walk-in")
    alone = _make(folder / "alone.mp4", with_bystander=False)
    return alone, _make(folder / "walk-in.mp4", with_bystander=True)


def _track(video: Path, model_dir: Path) -> PoseTrack:
    with VideoFileSource(video) as source, make_estimator(model_dir / "pose_landmarker_full.task") as est:
        return record_track(source, est, model={"name": "full"})


def test_a_bystander_walking_in_mid_set_is_seen_and_never_followed(
    videos: tuple[Path, Path], model_dir: Path
) -> None:
    alone, walk_in = (_track(v, model_dir) for v in videos)
    two_seen = [pf.t_s for pf in walk_in if len(pf.poses) == 2]
    assert two_seen and min(two_seen) >= WALKS_IN_S - 0.1, "the bystander was never seen (a vacuous test)"
    assert len(two_seen) >= 30, f"the bystander was seen on only {len(two_seen)} frames"

    selector = PersonSelector("auto")
    hips = [index_of("hip", side) for side in ("left", "right")]
    followed_x = [float(pose.landmarks[hips, 0].mean()) for pf in walk_in if (pose := selector.select(pf))]
    assert len(followed_x) >= 0.95 * len(walk_in)
    assert max(followed_x) < BYSTANDER_LEFT_EDGE, "the bystander became the subject"

    squat = load_exercise("squat")
    results = [
        run(replayed(track), ExerciseEngine(squat), selector=PersonSelector("auto")).result.to_dict()
        for track in (alone, walk_in)
    ]
    reps = [r["reps"]["total"] for r in results]
    assert reps[0] >= 4 and reps[1] == reps[0]
