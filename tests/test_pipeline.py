"""The one loop: replay determinism, stride, partial results on interruption or failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from formcheck.engine import ExerciseEngine
from formcheck.errors import InputError, Interrupted, OutputError
from formcheck.pipeline import (
    JsonSink,
    check_writable,
    raise_for_outcome,
    replay_track,
    replayed,
    replayed_with_images,
    run,
)
from formcheck.pose import Pose, PoseFrame
from formcheck.rules import load_exercise
from formcheck.sources.base import Frame
from formcheck.track import PoseTrack

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TRACK = SAMPLES / "tracks" / "squat--front-20-reps-counter.track.npz"


@pytest.fixture(scope="module")
def track() -> PoseTrack:
    return PoseTrack.load(TRACK)


def test_replaying_twice_gives_identical_results(track: PoseTrack) -> None:
    squat = load_exercise("squat")
    first = replay_track(track, ExerciseEngine(squat)).to_dict()
    second = replay_track(track, ExerciseEngine(squat)).to_dict()
    assert first == second
    assert first["reps"]["total"] > 0


def test_stride_keeps_the_timeline(track: PoseTrack) -> None:
    frames = [pf for _, pf in replayed(track, stride=3)]
    assert len(frames) == -(-len(track) // 3)
    assert [f.t_ms for f in frames] == [int(t) for t in track.t_ms[::3]]


def _decoded(indices: range) -> list[Frame]:
    """Frames as a video decoded again gives them, each image marked with its index."""
    return [Frame(i, 33 * i, np.full((4, 6, 3), i, dtype=np.uint8)) for i in indices]


@pytest.mark.parametrize(
    ("recorded", "decoded", "stride", "paired"),
    [
        ([0, 1, 2, 3], range(4), 1, [0, 1, 2, 3]),       # the same video: every frame paired
        ([0, 1, 2, 4, 5], range(8), 1, [0, 1, 2, 4, 5]),  # no poses for 3; the stream ends with the track
        ([0, 1, 2, 3, 4, 5], range(6), 2, [0, 2, 4]),     # the analysis' stride
        ([0, 2, 4], range(0, 6, 2), 2, [0, 2, 4]),        # a source that already skips frames
        ([], range(3), 1, []),
    ],
)  # fmt: skip
def test_a_track_is_replayed_beside_the_images_it_was_estimated_from(
    recorded: list[int], decoded: range, stride: int, paired: list[int]
) -> None:
    track = PoseTrack.from_frames(
        [PoseFrame(i, 33 * i, (6, 4), ()) for i in recorded], {"fps": 30.0, "frame_size": [6, 4]}
    )
    pairs = list(replayed_with_images(track, _decoded(decoded), stride=stride))
    assert [pf.index for _, pf in pairs] == paired
    assert all(frame.index == pf.index == int(frame.image[0, 0, 0]) for frame, pf in pairs)
    assert [pf.t_ms for _, pf in pairs] == [33 * i for i in paired]


class _IndexEstimator:
    """Sees one 'pose' whose landmarks hold the frame's image value; records the frames asked."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def estimate(self, image_bgr: np.ndarray, t_ms: int) -> tuple[Pose, ...]:
        self.asked.append(t_ms // 33)
        return (Pose(np.full((33, 5), float(image_bgr[0, 0, 0]), dtype=np.float32), None),)

    def close(self) -> None:
        pass


def test_after_the_track_the_estimator_that_recorded_it_carries_on() -> None:
    """The first frames replayed from their track, the later ones estimated, in one stream."""
    track = PoseTrack.from_frames(
        [PoseFrame(i, 33 * i, (6, 4), ()) for i in range(3)], {"fps": 30.0, "frame_size": [6, 4]}
    )
    estimator = _IndexEstimator()
    pairs = list(replayed_with_images(track, _decoded(range(7)), then=estimator))
    assert [pf.index for _, pf in pairs] == list(range(7))
    assert estimator.asked == [3, 4, 5, 6]  # never a frame the track holds
    assert [len(pf.poses) for _, pf in pairs] == [0, 0, 0, 1, 1, 1, 1]
    assert [int(pf.poses[0].landmarks[0, 0]) for _, pf in pairs[3:]] == [3, 4, 5, 6]


class _Recorder:
    def __init__(self) -> None:
        self.steps = 0
        self.results: list[dict[str, object]] = []
        self.closed = False

    def write(self, step: object) -> None:
        self.steps += 1

    def finish(self, result: object) -> None:
        self.results.append(result.to_dict())  # type: ignore[attr-defined]

    def close(self) -> None:
        self.closed = True


def _pairs_then(track: PoseTrack, n: int, exc: BaseException) -> Iterator[tuple[None, PoseFrame]]:
    for i in range(n):
        yield None, track.frame(i)
    raise exc


@pytest.mark.parametrize(
    ("exc", "partial_kind"),
    [(KeyboardInterrupt(), "interrupted"), (InputError("camera unplugged"), "error")],
)
def test_a_run_that_stops_midway_still_finishes_every_sink(
    track: PoseTrack, tmp_path: Path, exc: BaseException, partial_kind: str
) -> None:
    recorder = _Recorder()
    out = tmp_path / "result.json"
    outcome = run(
        _pairs_then(track, 200, exc), ExerciseEngine(load_exercise("squat")), sinks=[recorder, JsonSink(out)]
    )
    assert recorder.steps == 200 and recorder.closed
    assert recorder.results[0]["partial"] is True
    saved = json.loads(out.read_text())
    assert saved["partial"] is True and saved["frames"] == 200
    assert not list(tmp_path.glob(".tmp-*"))
    with pytest.raises(Interrupted if partial_kind == "interrupted" else InputError):
        raise_for_outcome(outcome)


def test_on_step_can_stop_the_run(track: PoseTrack) -> None:
    outcome = run(
        replayed(track),
        ExerciseEngine(load_exercise("squat")),
        on_step=lambda step: step.pose_frame.index >= 99,
    )
    assert outcome.result.to_dict()["frames"] == 100
    raise_for_outcome(outcome)  # stopping on request is not an error


def test_unwritable_outputs_are_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        check_writable(tmp_path / "missing" / "out.json")
    with pytest.raises(OutputError, match="is a folder"):
        check_writable(tmp_path)
    # /proc refuses new files even to root.
    with pytest.raises(OutputError, match="cannot write to folder /proc"):
        check_writable(Path("/proc/formcheck-result.json"))
