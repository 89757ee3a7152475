"""The annotated video is browser-playable H.264 MP4 with the right frames and duration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from formcheck.errors import OutputError
from formcheck.pipeline import Step, run
from formcheck.pose import PoseFrame
from formcheck.render.overlay import OverlayAnnotator
from formcheck.render.video_writer import VideoWriterSink
from formcheck.sources.base import Frame
from render_support import report, squat_exercise


def frames(n: int, w: int, h: int, fps: float = 30.0) -> Iterator[tuple[Frame, PoseFrame]]:
    for i in range(n):
        t_ms = round(i * 1000 / fps)
        image = np.full((h, w, 3), (i * 7) % 256, np.uint8)
        yield Frame(i, t_ms, image), PoseFrame(i, t_ms, (w, h), ())


def write_steps(sink: VideoWriterSink, n: int, w: int, h: int, fps: float = 30.0) -> None:
    for frame, pose_frame in frames(n, w, h, fps):
        sink.write(Step(frame, pose_frame, report(t_ms=frame.t_ms, image_size=(w, h))))


def probe(path: Path) -> dict[str, Any]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = sum(1 for _ in container.decode(video=0))
        return {
            "codec": stream.codec_context.name,
            "pix_fmt": stream.codec_context.pix_fmt,
            "size": (stream.width, stream.height),
            "frames": decoded,
            "duration_s": float(container.duration) / av.time_base,
        }


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize(("w", "h", "fps", "n"), [(320, 240, 30.0, 45), (181, 321, 25.0, 30)])
def test_writes_browser_playable_h264(tmp_path: Path, w: int, h: int, fps: float, n: int) -> None:
    out = tmp_path / "annotated.mp4"
    sink = VideoWriterSink(out, fps, OverlayAnnotator(squat_exercise()))
    write_steps(sink, n, w, h, fps)
    sink.finish(None)
    sink.close()
    info = probe(out)
    assert info["codec"] == "h264"
    assert info["pix_fmt"] == "yuv420p"
    assert info["size"] == (w - w % 2, h - h % 2)
    assert info["frames"] == n
    assert info["duration_s"] == pytest.approx(n / fps, abs=1.5 / fps)
    head = out.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and head.find(b"moov") < max(head.find(b"mdat"), 4096), "faststart"
    assert leftovers(tmp_path) == []


PATCHES = {"red": (0, 0, 230), "green": (0, 200, 0), "blue": (220, 0, 0), "skin": (120, 160, 210)}


@pytest.mark.parametrize(("w", "h"), [(320, 240), (181, 97)])
def test_colours_come_back_as_written(tmp_path: Path, w: int, h: int) -> None:
    # The frame is converted to YUV 4:2:0 before encoding: a swapped chroma plane or the wrong
    # range would turn red into blue or wash the picture out.
    image = np.zeros((h, w, 3), np.uint8)
    bands = np.array_split(np.arange(w), len(PATCHES))
    for cols, bgr in zip(bands, PATCHES.values(), strict=True):
        image[:, cols] = bgr
    out = tmp_path / "colours.mp4"
    sink = VideoWriterSink(out, 30.0, crf=0)
    for i in range(3):
        sink.write_image(image, i * 33)
    sink.finish(None)
    sink.close()
    with av.open(str(out)) as container:
        back = next(container.decode(video=0)).to_ndarray(format="bgr24")
    for cols, (name, bgr) in zip(bands, PATCHES.items(), strict=True):
        inner = back[2:-2, cols[0] + 2 : cols[-1] - 2].reshape(-1, 3).mean(axis=0)
        assert np.abs(inner - np.array(bgr)).max() < 6, (name, inner.round())


def test_close_without_finish_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "crashed.mp4"
    sink = VideoWriterSink(out, 30.0)
    write_steps(sink, 5, 64, 48)
    assert leftovers(tmp_path), "frames go to a temporary file while writing"
    sink.close()
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_no_frames_still_a_playable_video_that_says_so(tmp_path: Path) -> None:
    # Interrupted before the first frame: the requested video exists and plays (issue 14).
    out = tmp_path / "empty.mp4"
    sink = VideoWriterSink(out, 30.0, blank_size=(320, 181))
    sink.finish(None)
    sink.close()
    info = probe(out)
    assert info["frames"] == 1 and info["size"] == (320, 180)
    with av.open(str(out)) as container:
        image = next(container.decode(video=0)).to_ndarray(format="bgr24")
    assert image.max() > 200 and image.mean() < 60  # light text on a dark card
    assert leftovers(tmp_path) == []


def test_bad_fps_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="frames per second"):
        VideoWriterSink(tmp_path / "x.mp4", 0)


class _Engine:
    """Just enough engine for the pipeline: a fixed report per frame."""

    def update(self, pose_frame: PoseFrame, pose: Any) -> Any:
        return report(t_ms=pose_frame.t_ms, image_size=pose_frame.image_size, pose=None)

    def finish(self, partial: bool = False) -> Any:
        return {"partial": partial}


def test_interrupted_run_still_leaves_a_playable_video(tmp_path: Path) -> None:
    out = tmp_path / "partial.mp4"

    def interrupted() -> Iterator[tuple[Frame, PoseFrame]]:
        for i, pair in enumerate(frames(60, 96, 64)):
            if i == 20:
                raise KeyboardInterrupt
            yield pair

    outcome = run(interrupted(), _Engine(), sinks=[VideoWriterSink(out, 30.0)])  # type: ignore[arg-type]
    assert outcome.interrupted
    assert probe(out)["frames"] == 20
    assert leftovers(tmp_path) == []
