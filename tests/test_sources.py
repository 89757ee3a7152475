"""Frame sources: video files (timestamps, rotation, bad inputs), cameras, real-time replay."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import VideoWriter, corner_colours, cut_mid_stream, marker_frame
from formcheck.errors import CameraError, InputError, NoFramesError, TruncatedInput
from formcheck.sources import camera_index, open_source
from formcheck.sources.camera import MAX_FAILED_READS, CameraSource
from formcheck.sources.realtime import RealtimeSource
from formcheck.sources.video_file import VideoFileSource, rotate_upright

# --- video files: timestamps ---------------------------------------------------------------------


@pytest.mark.parametrize("fps", [24, 30, 60, 30000 / 1001])
def test_constant_frame_rate_timestamps_follow_the_rate(write_video: VideoWriter, fps: float) -> None:
    path = write_video(fps=fps, frames=12)
    with VideoFileSource(path) as source:
        frames = list(source)
        assert source.fps == pytest.approx(fps, rel=1e-3)
        assert source.frame_count == 12
    assert [f.index for f in frames] == list(range(12))
    expected = [round(i * 1000 / fps) for i in range(12)]
    assert all(abs(f.t_ms - e) <= 1 for f, e in zip(frames, expected, strict=True))


def test_variable_frame_rate_timestamps_come_from_pts(write_video: VideoWriter) -> None:
    times = [0, 33, 50, 150, 160, 400, 433, 1000]
    path = write_video(times_ms=times)
    with VideoFileSource(path) as source:
        got = [f.t_ms for f in source]
    assert got == times


def test_frames_arrive_in_order_with_their_own_content(write_video: VideoWriter) -> None:
    path = write_video(frames=5, size=(64, 48))
    with VideoFileSource(path) as source:
        frames = list(source)
    # The background grey level written into frame i is 10 * i (see conftest).
    centre = [int(f.image[24, 32].mean()) for f in frames]
    assert all(abs(c - 10 * i) <= 6 for i, c in enumerate(centre)), centre
    assert frames[0].size == (64, 48)


# --- video files: rotation ------------------------------------------------------------------------

# Where the red (top-left) and green (bottom-left) markers of a landscape frame end up once the
# frame is turned counter-clockwise by the stored display rotation.
ROTATED_CORNERS = {
    0: {"top_left": "red", "bottom_left": "green"},
    90: {"bottom_left": "red", "bottom_right": "green"},
    180: {"bottom_right": "red", "top_right": "green"},
    270: {"top_right": "red", "top_left": "green"},
}


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotation_metadata_turns_frames_upright(write_video: VideoWriter, rotation: int) -> None:
    path = write_video(size=(96, 64), rotation=rotation, frames=2)
    with VideoFileSource(path) as source:
        image = next(iter(source)).image
    portrait = rotation in (90, 270)
    assert image.shape[:2] == ((96, 64) if portrait else (64, 96))
    assert corner_colours(image) == ROTATED_CORNERS[rotation]


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg binary")
@pytest.mark.parametrize("rotation", [90, 270])
def test_upright_frame_matches_what_ffmpeg_displays(
    write_video: VideoWriter, tmp_path: Path, rotation: int
) -> None:
    """The ground truth for the rotation direction: ffmpeg's own autorotated frame."""
    plain = write_video("plain.mp4", size=(96, 64), frames=2)
    rotated = tmp_path / "rotated.mp4"
    # The rotation is written by the ffmpeg binary itself (not PyAV), as a phone tag would be.
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(plain), "-c", "copy",
         "-metadata:s:v", f"rotate={rotation}", str(rotated)],
        check=True,
    )  # fmt: skip
    shown = tmp_path / "shown.png"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(rotated), "-frames:v", "1", str(shown)], check=True
    )
    import cv2

    reference = cv2.imread(str(shown))
    with VideoFileSource(rotated) as source:
        image = next(iter(source)).image
    assert image.shape == reference.shape
    assert np.abs(image.astype(int) - reference.astype(int)).mean() < 8
    assert corner_colours(image) == corner_colours(reference) != {}


def test_rotate_upright_is_counter_clockwise() -> None:
    image = np.arange(6).reshape(2, 3)
    assert rotate_upright(image, 90).tolist() == [[2, 5], [1, 4], [0, 3]]
    assert rotate_upright(image, -90).tolist() == rotate_upright(image, 270).tolist()
    assert rotate_upright(image, 0) is image


# --- video files: bad inputs ----------------------------------------------------------------------


def _truncated(write_video: VideoWriter, tmp_path: Path) -> Path:
    whole = write_video("whole.mp4", frames=30).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])  # moov (at the end) is lost: unreadable
    return cut


def _png(tmp_path: Path) -> Path:
    import cv2

    _, data = cv2.imencode(".png", marker_frame(32, 32))
    path = tmp_path / "picture.mp4"
    path.write_bytes(data.tobytes())
    return path


def _garbled(write_video: VideoWriter) -> Path:
    """A well-formed MP4 whose frame data was zeroed: opens, but nothing decodes."""
    path = write_video("garbled.mp4", frames=5, size=(32, 32))
    data = bytearray(path.read_bytes())
    at = data.find(b"mdat")
    size = int.from_bytes(data[at - 4 : at], "big")
    data[at + 4 : at - 4 + size] = bytes(size - 8)
    path.write_bytes(bytes(data))
    return path


def _audio_only(tmp_path: Path) -> Path:
    import av

    path = tmp_path / "sound.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        for k in range(4):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44100, k * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "file.mp4"
    path.write_bytes(content)
    return path


def _track(tmp_path: Path) -> Path:
    path = tmp_path / "squat.track.npz"
    path.write_bytes(
        (
            Path(__file__).resolve().parents[1] / "samples" / "tracks" / "squat--front-good.track.npz"
        ).read_bytes()
    )
    return path


BAD_INPUTS = [
    # (name, make path, error class, words the message must contain)
    ("missing", lambda t, w: t / "nope.mp4", InputError, "not found"),
    ("folder", lambda t, w: t, InputError, "folder"),
    ("empty", lambda t, w: _file(t, b""), InputError, "empty"),
    ("text", lambda t, w: _file(t, b"hello\n" * 50), InputError, "not a readable"),
    ("image", lambda t, w: _png(t), InputError, "still image"),
    ("pose track", lambda t, w: _track(t), InputError, "is a pose track, not a video (analyze replays it)"),
    ("truncated", lambda t, w: _truncated(w, t), InputError, "not a readable"),
    ("audio only", lambda t, w: _audio_only(t), InputError, "no video stream"),
    ("no decodable frames", lambda t, w: _garbled(w), NoFramesError, "no decodable frames"),
]


@pytest.mark.parametrize(("name", "make", "error", "words"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_inputs_give_one_clear_line(
    write_video: VideoWriter, tmp_path: Path, name: str, make, error: type, words: str
) -> None:
    path = make(tmp_path, write_video)
    with pytest.raises(error) as info, VideoFileSource(path) as source:
        list(source)
    message = str(info.value)
    assert "\n" not in message and words in message and str(path) in message


def test_a_file_cut_mid_stream_keeps_the_frames_before_the_cut(
    write_video: VideoWriter, tmp_path: Path
) -> None:
    cut = cut_mid_stream(write_video("whole.mp4", frames=60), tmp_path / "cut.mp4")
    frames = []
    with VideoFileSource(cut) as source, pytest.raises(TruncatedInput) as cut_short:
        for frame in source:
            frames.append(frame)
    # The frames before the cut arrive first; then the source says where the video ends.
    assert 0 < len(frames) < 60
    assert cut_short.value.ends_at_s == pytest.approx(frames[-1].t_ms / 1000)
    assert f"{frames[-1].t_ms / 1000:.1f} s of the 2.0 s" in cut_short.value.message


def test_a_complete_file_is_not_taken_for_a_cut_one(write_video: VideoWriter) -> None:
    with VideoFileSource(write_video("whole.mp4", frames=60)) as source:
        assert len(list(source)) == 60


def test_a_source_cannot_be_read_twice(write_video: VideoWriter) -> None:
    with VideoFileSource(write_video(frames=3)) as source:
        assert len(list(source)) == 3
        with pytest.raises(InputError, match="already read"):
            list(source)


# --- cameras ------------------------------------------------------------------------------------


class FakeCapture:
    """Stands in for cv2.VideoCapture: delivers ``good`` frames, then fails every read."""

    def __init__(self, good: int, *, opened: bool = True, fps: float = 30.0) -> None:
        self.good = good
        self.opened = opened
        self.fps = fps
        self.reads = 0
        self.released = False

    def isOpened(self) -> bool:
        return self.opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        self.reads += 1
        if self.reads <= self.good:
            return True, marker_frame(32, 24, self.reads)
        return False, None

    def get(self, prop: int) -> float:
        return self.fps

    def release(self) -> None:
        self.released = True


def test_camera_frames_are_timed_by_the_monotonic_clock() -> None:
    ticks = iter([10.0, 10.0, 10.05, 10.1])  # a repeated time still gives increasing t_ms
    capture = FakeCapture(good=4)
    with CameraSource(0, open_capture=lambda i: capture, clock=lambda: next(ticks)) as camera:
        frames = list(camera)
    assert [f.t_ms for f in frames] == [0, 1, 50, 100]
    assert [f.index for f in frames] == [0, 1, 2, 3]
    assert camera.frame_count is None and camera.live and camera.fps == 30.0
    assert capture.released


def test_a_camera_that_cannot_be_opened_is_a_camera_error() -> None:
    capture = FakeCapture(good=0, opened=False)
    with pytest.raises(CameraError, match="cannot open camera 3"):
        CameraSource(3, open_capture=lambda i: capture)
    assert capture.released


def test_a_camera_that_stops_ends_cleanly_and_keeps_the_error() -> None:
    with CameraSource(0, open_capture=lambda i: FakeCapture(good=7)) as camera:
        frames = list(camera)  # no exception: the pipeline saves results, then reports
    assert len(frames) == 7
    assert isinstance(camera.error, CameraError)
    assert "stopped delivering frames" in str(camera.error)


def test_a_single_failed_read_is_not_the_end() -> None:
    class Hiccup(FakeCapture):
        def read(self) -> tuple[bool, np.ndarray | None]:
            self.reads += 1
            if self.reads == 2 or self.reads > 4:
                return False, None
            return True, marker_frame(8, 8)

    with CameraSource(0, open_capture=lambda i: Hiccup(0)) as camera:
        frames = list(camera)
    assert len(frames) == 3 and camera.error is not None
    assert MAX_FAILED_READS > 1


def test_an_absurd_reported_fps_falls_back_to_30() -> None:
    with CameraSource(0, open_capture=lambda i: FakeCapture(1, fps=0.0)) as camera:
        assert camera.fps == 30.0


# --- real-time replay ---------------------------------------------------------------------------


def test_realtime_replay_keeps_pace_and_the_files_timestamps(write_video: VideoWriter) -> None:
    path = write_video(frames=15, fps=30)  # 0.5 s of video
    with VideoFileSource(path) as plain:
        expected = [f.t_ms for f in plain]
    start = time.monotonic()
    with RealtimeSource(path) as source:
        frames = list(source)
    elapsed = time.monotonic() - start
    assert [f.t_ms for f in frames] == expected  # a fast consumer misses nothing
    assert source.dropped == 0 and source.delivered == 15
    assert elapsed >= expected[-1] / 1000 - 0.02  # never ahead of real time


def test_a_slow_consumer_gets_frames_dropped_not_queued(write_video: VideoWriter) -> None:
    path = write_video(frames=30, fps=30)  # 1 s of video
    taken = []
    with RealtimeSource(path) as source:
        for frame in source:
            taken.append(frame)
            time.sleep(0.1)  # 10 frames/s: two of every three frames must be dropped
    assert source.delivered == 30
    assert source.dropped + len(taken) == 30
    assert 5 <= len(taken) <= 16
    # What the consumer got was always recent: indices jump, they never lag further and further.
    assert [f.index for f in taken] == sorted({f.index for f in taken})
    assert taken[-1].index == 29


def test_closing_a_realtime_replay_early_stops_its_thread(write_video: VideoWriter) -> None:
    path = write_video(frames=300, fps=30)  # 10 s: must not have to wait for the end
    before = threading.active_count()
    start = time.monotonic()
    with RealtimeSource(path) as source:
        for frame in source:
            if frame.index >= 2:
                break
    assert time.monotonic() - start < 2
    assert threading.active_count() <= before


def test_realtime_replay_of_a_bad_file_fails_in_the_callers_thread(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        RealtimeSource(tmp_path / "missing.mp4")


# --- open_source --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "index"), [(0, 0), ("0", 0), ("2", 2), (" 1 ", 1), ("video.mp4", None), ("-1", None)]
)
def test_camera_index_reads_digit_strings(spec: str | int, index: int | None) -> None:
    assert camera_index(spec) == index


def test_open_source_picks_file_or_realtime_replay(write_video: VideoWriter) -> None:
    path = write_video(frames=2)
    with open_source(str(path)) as source:
        assert isinstance(source, VideoFileSource) and not source.live
    with open_source(path, realtime=True) as source:
        assert isinstance(source, RealtimeSource) and source.live


def test_open_source_of_a_missing_camera_is_a_camera_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import formcheck.sources.camera as camera_module

    monkeypatch.setattr(camera_module, "_open_cv_capture", lambda i: FakeCapture(0, opened=False))
    with pytest.raises(CameraError):
        open_source("7")
