"""Pose tracks: save/load round trip, replay bit-exactness, and every way a track file can be bad."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import InputError, OutputError
from formcheck.estimation.replay import TrackReplay
from formcheck.landmarks import COUNT
from formcheck.pose import Pose, PoseFrame
from formcheck.track import PoseTrack

REPO = Path(__file__).resolve().parent.parent


def _frames(n: int = 12, seed: int = 7) -> list[PoseFrame]:
    """Frames with 0, 1 or 2 random poses each, uneven timestamps, one pose without world points."""
    rng = np.random.default_rng(seed)
    frames, t = [], 0
    for i in range(n):
        t += int(rng.integers(1, 60))
        poses = []
        for k in range(i % 3):
            lm = rng.random((COUNT, 5), dtype=np.float32)
            world = None if (i, k) == (4, 0) else rng.standard_normal((COUNT, 3)).astype(np.float32)
            poses.append(Pose(lm, world))
        frames.append(PoseFrame(i * 2, t, (640, 360), tuple(poses)))
    return frames


def _same(a: PoseFrame, b: PoseFrame) -> bool:
    if (a.index, a.t_ms, a.image_size, len(a.poses)) != (b.index, b.t_ms, b.image_size, len(b.poses)):
        return False
    for pa, pb in zip(a.poses, b.poses, strict=True):
        if pa.landmarks.tobytes() != pb.landmarks.tobytes():
            return False
        wa = pa.world if pa.world is not None else np.full((COUNT, 3), np.nan, np.float32)
        if pb.world is None or wa.tobytes() != pb.world.tobytes():
            return False
    return True


def test_replay_of_a_saved_track_is_bit_exact(tmp_path: Path) -> None:
    frames = _frames()
    saved = PoseTrack.from_frames(frames, {"fps": 30.0, "frame_size": [640, 360]}).save(tmp_path / "a")
    assert saved.name == "a.track.npz"
    replayed = list(TrackReplay.open(saved))
    assert len(replayed) == len(frames)
    assert all(_same(a, b) for a, b in zip(frames, replayed, strict=True))
    assert [p.name for p in tmp_path.iterdir()] == ["a.track.npz"]  # no temporary file left


def test_replay_stride_length_and_properties(tmp_path: Path) -> None:
    track = PoseTrack.from_frames(
        _frames(10), {"fps": 25.0, "frame_size": [640, 360], "source": {"name": "x.mp4"}}
    )
    replay = TrackReplay(track, stride=3)
    assert [f.index for f in replay] == [0, 6, 12, 18]
    assert len(replay) == 4
    assert (replay.fps, replay.image_size, replay.name) == (25.0, (640, 360), "x.mp4")
    assert track.pose_coverage == pytest.approx(6 / 10)


def test_replay_as_an_estimator_looks_poses_up_by_timestamp() -> None:
    frames = _frames()
    replay = TrackReplay(PoseTrack.from_frames(frames, {"fps": 30.0, "frame_size": [640, 360]}))
    image = np.zeros((360, 640, 3), np.uint8)
    for frame in frames:
        poses = replay.estimate(image, frame.t_ms)
        assert [p.landmarks.tobytes() for p in poses] == [p.landmarks.tobytes() for p in frame.poses]
    with pytest.raises(InputError, match="no frame at 1 ms"):
        replay.estimate(image, 1)


def test_a_committed_sample_track_loads_and_replays() -> None:
    path = REPO / "samples" / "tracks" / "squat--front-20-reps-counter.track.npz"
    if not path.is_file():
        pytest.skip("sample track not recorded yet")
    track = PoseTrack.load(path)
    assert track.meta["model"]["variant"] in ("lite", "full", "heavy")
    assert track.pose_coverage >= 0.95
    frames = list(TrackReplay(track))
    assert len(frames) == len(track) and all(b.t_ms > a.t_ms for a, b in itertools.pairwise(frames))


# --- bad track files ------------------------------------------------------------------------------


def _good_arrays() -> dict[str, np.ndarray]:
    track = PoseTrack.from_frames(_frames(4), {"fps": 30.0, "frame_size": [640, 360]})
    return {
        "meta": np.array(json.dumps(track.meta)),
        "frame_index": track.frame_index,
        "t_ms": track.t_ms,
        "pose_count": track.pose_count,
        "landmarks": track.landmarks,
        "world": track.world,
    }


def _npz(tmp_path: Path, **changes: np.ndarray | None) -> Path:
    arrays = {**_good_arrays(), **changes}
    path = tmp_path / "bad.track.npz"
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


def _bytes(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "bad.track.npz"
    path.write_bytes(data)
    return path


BAD_TRACKS = [
    # (name, make path, words the message must contain)
    ("missing", lambda t: t / "none.track.npz", "not found"),
    ("text", lambda t: _bytes(t, b"hello, world\n"), "not a formcheck pose track"),
    ("truncated", lambda t: _bytes(t, _npz(t).read_bytes()[:300]), "not a formcheck pose track"),
    ("missing array", lambda t: _npz(t, world=None), "not a formcheck pose track"),
    (
        "other format",
        lambda t: _npz(t, meta=np.array(json.dumps({"format": "x/9"}))),
        "unsupported pose track",
    ),
    ("meta not json", lambda t: _npz(t, meta=np.array("{oops")), "not a formcheck pose track"),
    ("counts disagree", lambda t: _npz(t, pose_count=np.array([2, 2, 2, 2], np.uint8)), "inconsistent"),
    ("time goes back", lambda t: _npz(t, t_ms=np.array([5, 9, 9, 12])), "timestamps do not increase"),
]


@pytest.mark.parametrize(("name", "make", "words"), BAD_TRACKS, ids=[b[0] for b in BAD_TRACKS])
def test_a_bad_track_file_gives_one_clear_line(tmp_path: Path, name: str, make, words: str) -> None:
    path = make(tmp_path)
    with pytest.raises(InputError) as info:
        PoseTrack.load(path)
    message = str(info.value)
    assert words in message and str(path) in message and "\n" not in message


def test_a_file_that_is_no_archive_is_not_called_a_pickle(tmp_path: Path) -> None:
    # np.load takes any non-zip file for a pickle and advises unpickling it: not for a user.
    path = _bytes(tmp_path, b"x")
    with pytest.raises(InputError) as info:
        PoseTrack.load(path)
    reason = "not a .npz archive: another kind of file, or cut short"
    assert str(info.value) == f"not a formcheck pose track: {path} ({reason})"


def test_saving_where_a_file_blocks_the_folder_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("x")
    track = PoseTrack.from_frames(_frames(2), {"fps": 30.0, "frame_size": [640, 360]})
    with pytest.raises(OutputError, match="cannot write pose track"):
        track.save(tmp_path / "blocker" / "t.track.npz")
