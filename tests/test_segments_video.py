"""Several exercises in one video (issue 18, segments), from the video itself: its poses are
estimated once, in full, split, and each segment analysed with its own rule; Ctrl-C during that
estimation stops it at the next frame and keeps what was estimated (a partial result, one line
saying what was written). The video is two shared clips filmed by the same camera, joined with
ffmpeg and a 4 s black rest between them. Needs the model, ffmpeg and the shared clips."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from formcheck import interrupts
from formcheck.analysis import AnalysisSettings, Outputs
from formcheck.cli import main
from formcheck.errors import Interrupted
from formcheck.segmented import analyze_auto
from formcheck.track import PoseTrack
from shared_data import SHARED_SAMPLES

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parent.parent
TRACKS = REPO / "samples" / "tracks"
CLIPS = ("glute-bridge--home", "calf-raise--home")  # 13.5 s and 11.1 s, 1080x1920 at 30 fps
REST_S = 4.0
FPS = 30


def _duration_s(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return float(out.stdout)


@pytest.fixture(scope="module")
def two_exercises(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[float, float]]]:
    """The joined video (scaled to 540x960: the model sees 256 px anyway) and each clip's span in it."""
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.skip("needs ffmpeg to join clips")
    clips = [SHARED_SAMPLES / "clips" / f"{c}.mp4" for c in CLIPS]
    if not all(c.is_file() for c in clips):
        pytest.skip("needs the shared sample clips")
    out = tmp_path_factory.mktemp("joined") / "two.mp4"
    scale = "scale=540:960,fps=30,setsar=1"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(clips[0]), "-i", str(clips[1]),
         "-f", "lavfi", "-i", f"color=black:s=540x960:r={FPS}:d={REST_S}",
         "-filter_complex",
         f"[0:v]{scale}[a];[1:v]{scale}[b];[2:v]setsar=1[g];[a][g][b]concat=n=3:v=1:a=0[v]",
         "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(out)],
        check=True, timeout=300,
    )  # fmt: skip
    first = _duration_s(clips[0])
    return out, [(0.0, first), (first + REST_S, _duration_s(out))]


def _reps_alone(stem: str, tmp_path: Path) -> int:
    """The clip analysed alone, from its committed pose track."""
    out = tmp_path / f"{stem}.json"
    track = TRACKS / f"{stem}.track.npz"
    assert main(["analyze", str(track), "-e", stem.split("--")[0], "--json", str(out), "-q"]) == 0
    return int(json.loads(out.read_text())["reps"]["total"])


def test_a_video_of_two_exercises_is_split_and_each_counted_as_alone(
    two_exercises: tuple[Path, list[tuple[float, float]]], model_dir: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(model_dir))
    video, spans = two_exercises
    out, report = tmp_path / "r.json", tmp_path / "r.html"
    assert main(["analyze", str(video), "-e", "auto", "--json", str(out), "--report", str(report), "-q"]) == 0
    data = json.loads(out.read_text())
    assert data["format"] == "formcheck.segments/1" and data["partial"] is False
    segments = data["segments"]
    assert [s["exercise"] for s in segments] == [c.split("--")[0] for c in CLIPS]
    for seg, (lo, hi), stem in zip(segments, spans, CLIPS, strict=True):
        assert lo - 2.0 <= seg["start_s"] < seg["end_s"] <= hi + 2.0  # never across the rest
        assert seg["partial"] is False
        assert seg["reps"]["total"] == _reps_alone(stem, tmp_path)
    assert "Partial" not in report.read_text()


def test_an_interrupt_during_the_estimation_stops_it_at_once_and_keeps_what_was_estimated(
    two_exercises: tuple[Path, list[tuple[float, float]]], model_dir: Path, tmp_path: Path
) -> None:
    """A real SIGINT, sent to this process after frame 300 (10 s, mid-way through the first
    exercise): the estimation ends on the next frame, and the poses it has are split and
    analysed, the first segment a partial result."""
    video, spans = two_exercises
    stop_after = 300
    estimated = 0

    def on_frame() -> None:
        nonlocal estimated
        estimated += 1
        if estimated == stop_after:
            os.kill(os.getpid(), signal.SIGINT)

    out = tmp_path / "r.json"
    settings = AnalysisSettings(model=str(model_dir / "pose_landmarker_full.task"))
    with interrupts.handling(defer=True):
        done = analyze_auto(video, outputs=Outputs(json=out), settings=settings, on_frame=on_frame)
        assert not interrupts.requested()  # acknowledged: saving what was estimated is not stopped
    assert estimated == stop_after  # not one frame more
    assert done is not None and done.interrupted
    data = json.loads(out.read_text())
    assert data["partial"] is True
    assert data["duration_s"] == pytest.approx((stop_after - 1) / FPS, abs=0.05)
    (first,) = data["segments"]
    assert first["exercise"] == "glute-bridge" and first["partial"] is True
    assert first["frames"] > 0 and first["pose_coverage"] > 0.9  # its poses, not an empty run
    assert first["end_s"] <= spans[0][1]


def test_ctrl_c_in_the_command_prints_one_line_naming_what_was_written(
    two_exercises: tuple[Path, list[tuple[float, float]]], model_dir: Path, tmp_path: Path
) -> None:
    video, _ = two_exercises
    out, report = tmp_path / "r.json", tmp_path / "r.html"
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "analyze", str(video), "-e", "auto", "-q",
         "--json", str(out), "--report", str(report)],
        env={**os.environ, "FORMCHECK_MODEL_DIR": str(model_dir)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a user's terminal
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while "mediapipe" not in Path(f"/proc/{proc.pid}/maps").read_text():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(3.0)  # the model loading or the first frames: either way before the video's end
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == Interrupted.exit_code, stderr
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if "interrupted" in ln]
    assert len(lines) == 1 and lines[0].startswith("formcheck: error: interrupted"), stderr
    assert str(out) in lines[0] and str(report) in lines[0]
    data = json.loads(out.read_text())
    assert data["partial"] is True and data["duration_s"] < 20.0  # stopped, not estimated to the end
    assert "Partial" in report.read_text()


@pytest.fixture(scope="module")
def one_exercise(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One shared clip, scaled as the joined video is."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg to scale the clip")
    clip = SHARED_SAMPLES / "clips" / f"{CLIPS[0]}.mp4"
    if not clip.is_file():
        pytest.skip("needs the shared sample clips")
    out = tmp_path_factory.mktemp("one") / "one.mp4"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(clip),
         "-vf", "scale=540:960,fps=30,setsar=1", "-c:v", "libx264", "-preset", "veryfast",
         "-pix_fmt", "yuv420p", str(out)],
        check=True, timeout=300,
    )  # fmt: skip
    return out


def _estimation_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many frames each pass over a video hands to the pose model (one count per pass)."""
    from formcheck.estimation import alternating

    passes: list[int] = []
    in_order = alternating.estimate_in_order

    def counted(estimator: object, frames: object) -> object:
        passes.append(0)
        for pair in in_order(estimator, frames):  # type: ignore[arg-type]
            passes[-1] += 1
            yield pair

    monkeypatch.setattr(alternating, "estimate_in_order", counted)
    return passes


def test_a_video_of_one_exercise_is_estimated_once_and_analysed_as_if_named(
    one_exercise: Path, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-e auto` estimates the whole video to look for segments; finding one exercise, it
    recognises and analyses it from those poses (the report's pictures from the images decoded
    again) instead of estimating the video a second time: every frame is estimated once, and
    the result is the named run's, plus how the exercise was recognised."""
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(model_dir))
    passes = _estimation_passes(monkeypatch)
    auto_json, auto_report = tmp_path / "auto.json", tmp_path / "auto.html"
    args = ["analyze", str(one_exercise), "--json", str(auto_json), "--report", str(auto_report), "-q"]
    assert main([*args[:2], "-e", "auto", *args[2:]]) == 0
    auto = json.loads(auto_json.read_text())
    assert passes == [auto["frames"]]  # one pass over the video, each frame once
    named_json, named_report = tmp_path / "named.json", tmp_path / "named.html"
    exercise = CLIPS[0].split("--")[0]
    assert main(["analyze", str(one_exercise), "-e", exercise, "-q",
                 "--json", str(named_json), "--report", str(named_report)]) == 0  # fmt: skip
    named = json.loads(named_json.read_text())
    assert auto.pop("recognition")["id"] == named["exercise"]
    assert auto == named and named["reps"]["total"] > 0
    pictures = auto_report.read_text().count("data:image/jpeg")
    assert pictures > 0 and pictures == named_report.read_text().count("data:image/jpeg")


def test_an_annotated_video_is_recognised_from_its_first_seconds_then_estimated_as_drawn(
    one_exercise: Path, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-e auto --video`: the first seconds estimated to recognise the exercise, then the same
    landmarkers carry on with the rest as the video is drawn (recognition from 5 s here, so
    that there is a rest): every frame estimated once, and the JSON and the drawn video those
    of the named run."""
    from formcheck.recognition import choose
    from formcheck.sources.video_file import VideoFileSource

    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(model_dir))
    monkeypatch.setattr(choose, "VIDEO_S", 5.0)
    passes = _estimation_passes(monkeypatch)
    exercise = CLIPS[0].split("--")[0]
    runs = {}
    for name in ("auto", exercise):
        out, video = tmp_path / f"{name}.json", tmp_path / f"{name}.mp4"
        args = ["analyze", str(one_exercise), "-e", name, "-q", "--json", str(out), "--video", str(video)]
        assert main(args) == 0
        with VideoFileSource(video) as drawn:
            runs[name] = json.loads(out.read_text()), [f.image for f in drawn]
    (auto, auto_frames), (named, named_frames) = runs["auto"], runs[exercise]
    n = named["frames"]
    assert passes == [151, n - 151, n]  # auto: 0-5 s at 30 fps, then the rest; named: one pass
    assert auto.pop("recognition")["id"] == exercise and auto == named
    assert len(auto_frames) == len(named_frames) == named["frames"]
    assert all((a == b).all() for a, b in zip(auto_frames, named_frames, strict=True))


def test_a_video_cut_short_keeps_its_results_with_auto_as_named_and_when_recorded(
    one_exercise: Path, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """A file whose frames stop before its container says (a copy cut short): `-e auto`
    writes what the video held, partial, as the named run does (they lost it all before), and
    `record` saves the track of it; each says so in one line and exits 3."""
    from conftest import cut_mid_stream

    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(model_dir))
    cut = cut_mid_stream(one_exercise, tmp_path / "cut.mp4")
    exercise = CLIPS[0].split("--")[0]
    runs = {}
    for name in ("auto", exercise):
        out = tmp_path / f"{name}.json"
        assert main(["analyze", str(cut), "-e", name, "--json", str(out), "-q"]) == 3
        assert "is cut short" in capsys.readouterr().err
        runs[name] = json.loads(out.read_text())
    auto, named = runs["auto"], runs[exercise]
    assert auto.pop("recognition")["id"] == exercise
    assert auto == named and auto["partial"] is True
    assert [n["kind"] for n in auto["notices"]].count("truncated") == 1
    track = tmp_path / "cut.track.npz"
    assert main(["record", str(cut), "-o", str(track), "-q"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is cut short" in err
    recorded = PoseTrack.load(track)
    assert recorded.truncation is not None and len(recorded) == named["frames"]
