"""Landmarkers side by side on alternate frames (issue 16): poses come back in frame order, each
landmarker sees its frames in time order, a stop or a failure leaves none mid-frame, and with the
real model the poses are those one landmarker gives."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from formcheck.errors import ModelError, TruncatedInput
from formcheck.estimation.alternating import AlternatingEstimator, default_count, estimate_in_order
from formcheck.landmarks import COUNT
from formcheck.pose import Pose
from formcheck.sources.base import Frame


class RecordingEstimator:
    """A stand-in landmarker: its "pose" encodes the frame it saw; it records what it was asked
    and on which thread, and notices a call that overlaps another (one graph is not reentrant)."""

    made: ClassVar[list[RecordingEstimator]] = []

    def __init__(self, fail_on_t: int | None = None) -> None:
        self.built_on = threading.get_ident()
        self.closed_on: int | None = None
        self.seen: list[int] = []
        self.fail_on_t = fail_on_t
        self._busy = threading.Lock()
        self.overlapped = False
        RecordingEstimator.made.append(self)

    def estimate(self, image_bgr: np.ndarray, t_ms: int) -> tuple[Pose, ...]:
        if not self._busy.acquire(blocking=False):
            self.overlapped = True
            self._busy.acquire()
        try:
            assert self.closed_on is None, "estimate after close"
            if t_ms == self.fail_on_t:
                raise ModelError(f"model failed at {t_ms} ms")
            self.seen.append(t_ms)
            landmarks = np.full((COUNT, 5), float(image_bgr[0, 0, 0]), dtype=np.float32)
            return (Pose(landmarks, None),)
        finally:
            self._busy.release()

    def close(self) -> None:
        self.closed_on = threading.get_ident()


def frames(n: int) -> Iterator[Frame]:
    for i in range(n):
        yield Frame(i, 33 * i, np.full((4, 4, 3), i % 250, dtype=np.uint8))


@pytest.fixture(autouse=True)
def _fresh() -> None:
    RecordingEstimator.made = []


def test_poses_come_back_in_frame_order_and_each_landmarker_sees_its_frames_in_time_order() -> None:
    with AlternatingEstimator(RecordingEstimator, 2) as estimator:
        out = list(estimator.estimate_stream(frames(41)))
    assert [f.index for f, _ in out] == list(range(41))
    assert [int(poses[0].landmarks[0, 0]) for _, poses in out] == [i % 250 for i in range(41)]
    first, second = RecordingEstimator.made
    assert first.seen == [33 * i for i in range(0, 41, 2)]
    assert second.seen == [33 * i for i in range(1, 41, 2)]
    assert not first.overlapped and not second.overlapped


@pytest.mark.parametrize("first_part", [0, 1, 4, 7])
def test_a_video_estimated_in_two_parts_goes_to_the_landmarkers_as_in_one(first_part: int) -> None:
    """`--video -e auto` estimates a video's first seconds, then the rest with the same
    estimator: the turns carry on, so each landmarker sees the frames one pass gives it."""
    every = list(frames(15))
    with AlternatingEstimator(RecordingEstimator, 2) as estimator:
        out = list(estimator.estimate_stream(every[:first_part]))
        out += list(estimator.estimate_stream(every[first_part:]))
    assert [f.index for f, _ in out] == list(range(15))
    first, second = RecordingEstimator.made
    assert first.seen == [33 * i for i in range(0, 15, 2)]
    assert second.seen == [33 * i for i in range(1, 15, 2)]


def test_each_landmarker_is_built_used_and_closed_on_one_thread_of_its_own() -> None:
    with AlternatingEstimator(RecordingEstimator, 2) as estimator:
        list(estimator.estimate_stream(frames(6)))
    first, second = RecordingEstimator.made
    assert first.built_on == first.closed_on != threading.get_ident()
    assert second.built_on == second.closed_on != first.built_on


def test_a_stream_left_early_lets_the_frames_in_flight_finish_before_closing() -> None:
    with AlternatingEstimator(RecordingEstimator, 2) as estimator:
        stream = estimator.estimate_stream(frames(100))
        taken = list(islice(stream, 3))
        stream.close()  # what a Ctrl-C or a quit key does to the generator
        asked = sum(len(e.seen) for e in RecordingEstimator.made)
    assert [f.index for f, _ in taken] == [0, 1, 2]
    assert 3 <= asked <= 3 + 4  # at most the queued frames were estimated, and none after closing
    assert all(e.closed_on is not None for e in RecordingEstimator.made)


def test_a_failure_on_one_frame_reaches_the_caller_at_that_frame() -> None:
    with AlternatingEstimator(lambda: RecordingEstimator(fail_on_t=33 * 5), 2) as estimator:
        got = []
        with pytest.raises(ModelError, match="165 ms"):
            for frame, _ in estimator.estimate_stream(frames(20)):
                got.append(frame.index)
    assert got == [0, 1, 2, 3, 4]


def test_a_source_that_fails_midway_still_hands_over_the_frames_decoded_before_it() -> None:
    def broken(n: int) -> Iterator[Frame]:
        yield from frames(n)
        raise TruncatedInput("video.mp4 ends early", ends_at_s=0.3, notice="the video ends early")

    got = []
    with AlternatingEstimator(RecordingEstimator, 2) as estimator, pytest.raises(TruncatedInput):
        for frame, _ in estimator.estimate_stream(broken(10)):
            got.append(frame.index)
    assert got == list(range(10))


def test_a_landmarker_that_cannot_be_built_closes_the_others_and_raises_its_error() -> None:
    calls = iter([None, "broken"])

    def make() -> RecordingEstimator:
        if next(calls) == "broken":
            raise ModelError("cannot load pose model bad.task: not a model")
        return RecordingEstimator()

    with pytest.raises(ModelError, match=r"bad\.task"):
        AlternatingEstimator(make, 2)
    (built,) = RecordingEstimator.made
    assert built.closed_on == built.built_on  # closed, on the thread that built it


def test_a_plain_estimator_is_asked_one_frame_at_a_time() -> None:
    one = RecordingEstimator()
    out = list(estimate_in_order(one, frames(5)))
    assert [f.index for f, _ in out] == [0, 1, 2, 3, 4] and one.seen == [0, 33, 66, 99, 132]


@pytest.mark.parametrize(("cores", "expected"), [({0}, 1), ({0, 1}, 2), ({0, 1, 2, 3, 4, 5}, 2)])
def test_the_default_is_one_landmarker_per_core_and_at_most_two(
    monkeypatch: pytest.MonkeyPatch, cores: set[int], expected: int
) -> None:
    import os

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: cores, raising=False)
    assert default_count() == expected


def test_with_the_real_model_two_landmarkers_give_the_poses_one_gives(model_dir: Path, shared_clip) -> None:
    """One person in view: MediaPipe's detector places every frame's box afresh, so dealing the
    frames to two landmarkers must not move a single landmark."""
    from formcheck.estimation.landmarkers import make_estimator
    from formcheck.sources.video_file import VideoFileSource

    clip = shared_clip("squat--front-20-reps-counter.mp4")
    model = model_dir / "pose_landmarker_full.task"

    def poses(count: int) -> list[tuple[Pose, ...]]:
        with VideoFileSource(clip) as source, make_estimator(model, count=count) as estimator:
            return [p for _, p in islice(estimate_in_order(estimator, source.frames()), 90)]

    one, two = poses(1), poses(2)
    assert len(one) == len(two) == 90 and all(len(p) == 1 for p in one)
    for a, b in zip(one, two, strict=True):
        assert len(a) == len(b)
        np.testing.assert_array_equal(a[0].landmarks, b[0].landmarks)


def test_silencing_the_native_log_on_two_threads_at_once_gives_the_error_stream_back() -> None:
    """Two landmarkers load (and close) at the same time, each hiding MediaPipe's log lines on
    fd 2: whatever the order they finish in, fd 2 must end where it began, or every later error
    message of the process is lost (it was: an interrupted analysis printed nothing)."""
    import os

    from formcheck.estimation.mediapipe_landmarker import _native_stderr_silenced

    def where() -> tuple[int, int]:
        st = os.fstat(2)
        return st.st_dev, st.st_ino

    before = where()
    devnull = os.stat(os.devnull)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen_inside: list[tuple[int, int]] = []

    def first() -> None:
        with _native_stderr_silenced():
            a_in.set()
            b_in.wait(5)
        a_out.set()  # leaves while the second is still inside

    def second() -> None:
        a_in.wait(5)
        with _native_stderr_silenced():
            b_in.set()
            a_out.wait(5)
            seen_inside.append(where())

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen_inside == [(devnull.st_dev, devnull.st_ino)]  # still hidden while one is inside
    assert where() == before
