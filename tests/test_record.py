"""Recording pose tracks: provenance, output checks before work, the CLI, and the real model."""

from __future__ import annotations

import hashlib
import io
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from conftest import VideoWriter, cut_mid_stream
from formcheck import __version__
from formcheck.cli import main
from formcheck.errors import InputError, OutputError, TruncatedInput, UsageError
from formcheck.landmarks import COUNT, INDEX
from formcheck.pipeline import replayed
from formcheck.pose import Pose
from formcheck.progress import ByteProgressBar, FrameProgress
from formcheck.record import check_track_output, record_track
from formcheck.sources.video_file import VideoFileSource
from formcheck.track import PoseTrack


class BrightnessEstimator:
    """Sees one 'person' in frames brighter than a threshold; remembers what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[int, ...], int]] = []

    def estimate(self, image_bgr: np.ndarray, t_ms: int) -> tuple[Pose, ...]:
        self.calls.append((image_bgr.shape, t_ms))
        if image_bgr.mean() < 40:
            return ()
        lm = np.full((COUNT, 5), image_bgr.mean() / 255, dtype=np.float32)
        return (Pose(lm, np.zeros((COUNT, 3), np.float32)),)

    def close(self) -> None:
        pass


def test_record_track_keeps_every_frame_and_its_provenance(write_video: VideoWriter) -> None:
    path = write_video(frames=8, fps=24, size=(64, 48))  # frame i has grey level 10 * i
    estimator = BrightnessEstimator()
    with VideoFileSource(path) as source:
        track = record_track(source, estimator, model={"variant": "full", "sha256": "abc"}, source_path=path)
    assert len(track) == 8 and list(track.frame_index) == list(range(8))
    assert [t for _, t in estimator.calls] == list(track.t_ms)
    assert list(track.pose_count) == [0, 0, 0, 0, 1, 1, 1, 1]
    assert track.pose_coverage == 0.5
    meta = track.meta
    assert meta["fps"] == pytest.approx(24) and meta["frame_size"] == [64, 48]
    assert meta["model"] == {"variant": "full", "sha256": "abc"}
    assert meta["source"] == {"name": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    assert meta["formcheck_version"] == __version__ and meta["frame_count"] == 8


def test_a_video_cut_short_keeps_the_frames_before_the_cut_and_says_where_it_ends(
    write_video: VideoWriter, tmp_path: Path
) -> None:
    """The track holds what the file held; saved and loaded, it still says where the video
    ends, and a replay ends as the video did (the analysis then reports a partial result)."""
    cut = cut_mid_stream(write_video("whole.mp4", frames=60, fps=30), tmp_path / "cut.mp4")
    with VideoFileSource(cut) as source:
        track = record_track(source, BrightnessEstimator(), model={"variant": "full"})
    assert 0 < len(track) < 60
    saved = PoseTrack.load(track.save(tmp_path / "cut"))
    truncation = saved.truncation
    assert truncation is not None and "cut short" in truncation.message
    assert truncation.ends_at_s == pytest.approx(int(track.t_ms[-1]) / 1000)
    replay = replayed(saved)
    assert [pf.index for _, pf in (next(replay) for _ in range(len(saved)))] == list(track.frame_index)
    with pytest.raises(TruncatedInput):
        next(replay)
    with VideoFileSource(write_video("whole.mp4", frames=6)) as source:
        assert record_track(source, BrightnessEstimator(), model={}).truncation is None


OUTPUTS = [
    # (output relative to tmp_path, setup, expected path or error words)
    ("out", None, "out.track.npz"),
    ("out.track.npz", None, "out.track.npz"),
    ("nowhere/out", None, "output folder does not exist"),
    ("dir.track.npz", "mkdir", "output path is a folder"),
    ("file/out", "file", "output folder does not exist"),
]


@pytest.mark.parametrize(("name", "setup", "expected"), OUTPUTS)
def test_check_track_output(tmp_path: Path, name: str, setup: str | None, expected: str) -> None:
    if setup == "mkdir":
        (tmp_path / name).mkdir()
    elif setup == "file":
        (tmp_path / "file").write_text("x")
    if expected.endswith(".npz"):
        assert check_track_output(tmp_path / name) == tmp_path / expected
        assert sorted(p.name for p in tmp_path.iterdir()) == []  # the probe file is gone
    else:
        with pytest.raises(OutputError, match=expected):
            check_track_output(tmp_path / name)


def test_cli_record_refuses_a_bad_output_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The video does not even exist: the output is checked first, so that is what is reported.
    rc = main(["record", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "no" / "t")])
    assert rc == OutputError.exit_code
    assert (
        capsys.readouterr().err.strip()
        == f"formcheck: error: output folder does not exist: {tmp_path / 'no'}"
    )


def test_cli_record_reports_a_bad_video_and_a_bad_model(
    tmp_path: Path, write_video: VideoWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "t")]) == InputError.exit_code
    assert "video not found" in capsys.readouterr().err
    video = write_video(frames=2)
    assert main(["record", str(video), "-o", str(tmp_path / "t"), "--model", "huge"]) == UsageError.exit_code
    assert "--model must be one of lite, full, heavy" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.track.npz"))
    track = Path(__file__).resolve().parents[1] / "samples" / "tracks" / "squat--front-good.track.npz"
    assert main(["record", str(track), "-o", str(tmp_path / "t")]) == InputError.exit_code
    assert capsys.readouterr().err == (
        f"formcheck: error: {track} is a pose track, not a video (analyze replays it)\n"
    )


def _excerpt(src: Path, dst: Path, *, frames: int, scale: float, rotation: int = 0) -> Path:
    """The first ``frames`` frames of ``src``, scaled; turned clockwise by ``rotation`` and tagged
    with display rotation ``rotation`` so that a correct reader turns them back upright."""
    import av
    import cv2

    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream_in = inp.streams.video[0]
        rate = Fraction(stream_in.average_rate).limit_denominator(1001)
        stream = out.add_stream("libx264", rate=rate)
        stream.pix_fmt, stream.options = "yuv420p", {"preset": "ultrafast"}
        for i, vf in enumerate(inp.decode(stream_in)):
            if i == frames:
                break
            image = vf.to_ndarray(format="bgr24")
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            image = np.ascontiguousarray(np.rot90(image, -rotation // 90))  # clockwise: stored sideways
            if i == 0:
                stream.height, stream.width = (d - d % 2 for d in image.shape[:2])
                if rotation:
                    stream.set_display_rotation(rotation)
            image = image[: stream.height, : stream.width]
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return dst


@pytest.mark.model
def test_cli_record_with_the_real_model(
    model_dir: Path,
    shared_clip,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(model_dir))
    clip = _excerpt(
        shared_clip("squat--front-20-reps-counter.mp4"), tmp_path / "squat.mp4", frames=30, scale=0.5
    )
    assert main(["record", str(clip), "-o", str(tmp_path / "squat"), "--quiet", "--max-people", "1"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("recorded 30 frames, pose seen in ") and out.endswith(
        str(tmp_path / "squat.track.npz")
    )
    track = PoseTrack.load(tmp_path / "squat.track.npz")
    assert track.pose_coverage >= 0.95
    assert track.meta["model"]["variant"] == "full" and track.meta["model"]["max_people"] == 1
    assert track.meta["frame_size"] == [640, 360]


@pytest.mark.model
def test_a_sideways_stored_portrait_clip_is_seen_upright(
    model_dir: Path, shared_clip, tmp_path: Path
) -> None:
    """A phone clip stored landscape with rotation metadata: the person must stand upright."""
    from formcheck.estimation.mediapipe_landmarker import MediaPipeEstimator

    clip = _excerpt(
        shared_clip("squat--front-good.mp4"), tmp_path / "phone.mp4", frames=6, scale=0.25, rotation=90
    )
    with VideoFileSource(clip) as source, MediaPipeEstimator(model_dir / "pose_landmarker_full.task") as est:
        frames = list(source)
        assert frames[0].size[0] < frames[0].size[1]  # portrait again
        poses = [p for f in frames for p in est.estimate(f.image, f.t_ms)[:1]]
    assert len(poses) >= 5
    for pose in poses:
        y = pose.landmarks[:, 1]
        assert y[INDEX["nose"]] < y[INDEX["left_hip"]] < y[INDEX["left_ankle"]]


# --- progress bars (used by record, analyze, test and live) ---------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "quiet", "shown"), [("tty", False, True), ("tty", True, False), ("pipe", False, False)]
)
def test_the_frame_progress_bar_shows_only_on_a_terminal(stream: str, quiet: bool, shown: bool) -> None:
    out = FakeTerminal() if stream == "tty" else io.StringIO()
    with FrameProgress("clip.mp4", quiet=quiet, stream=out) as progress:
        progress.start(40)
        for _ in range(10):
            progress.advance()
        progress.advance(5)
    assert progress.completed == 15 and progress.shown is False  # closed on exit
    text = out.getvalue()
    assert ("clip.mp4" in text and "15/40" in text and "frames/s" in text) is shown
    assert (text == "") is not shown


def test_the_download_bar_takes_absolute_byte_counts() -> None:
    out = FakeTerminal()
    with ByteProgressBar("model.task", 2_000_000, stream=out) as bar:
        bar.update(500_000, 2_000_000)
        bar.update(2_000_000)
    assert bar.completed == 2_000_000 and "model.task" in out.getvalue()
