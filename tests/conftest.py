"""Shared fixtures: small synthetic videos written with PyAV, and the real model folder."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from shared_data import SHARED_SAMPLES

# BGR colours of the two corner markers every synthetic frame carries, so a test can tell
# which way up a decoded frame is.
RED = (0, 0, 255)
GREEN = (0, 255, 0)
MARK = 12  # marker side in pixels


def marker_frame(width: int, height: int, value: int = 0) -> np.ndarray:
    """A dark frame with a red block at the top-left and a green block at the bottom-left.

    ``value`` (0..255) sets the grey level of the background, so frames can be told apart.
    """
    image = np.full((height, width, 3), value, dtype=np.uint8)
    image[:MARK, :MARK] = RED
    image[-MARK:, :MARK] = GREEN
    return image


def corner_colours(image: np.ndarray) -> dict[str, str]:
    """Which marker colour sits in each corner: {"top_left": "red", ...} (corners without one omitted)."""
    h, w = image.shape[:2]
    m = MARK // 2
    corners = {
        "top_left": image[:m, :m],
        "top_right": image[:m, w - m :],
        "bottom_left": image[h - m :, :m],
        "bottom_right": image[h - m :, w - m :],
    }
    found = {}
    for name, patch in corners.items():
        _, g, r = (float(c) for c in patch.reshape(-1, 3).mean(axis=0))
        if r > 150 and g < 100:
            found[name] = "red"
        elif g > 150 and r < 100:
            found[name] = "green"
    return found


VideoWriter = Callable[..., Path]


@pytest.fixture
def write_video(tmp_path: Path) -> VideoWriter:
    """Write a small H.264 MP4 into tmp_path and return its path.

    ``write_video(name="v.mp4", frames=10, fps=30, size=(64, 48), rotation=None,
    times_ms=None)``: ``times_ms`` gives each frame's timestamp (variable frame rate);
    ``rotation`` stores display-rotation metadata (degrees counter-clockwise, as FFmpeg).
    Frame i has background grey level 10 * i (mod 250).
    """
    import av

    def write(
        name: str = "v.mp4",
        *,
        frames: int = 10,
        fps: float = 30,
        size: tuple[int, int] = (64, 48),
        rotation: int | None = None,
        times_ms: Sequence[int] | None = None,
    ) -> Path:
        path = tmp_path / name
        width, height = size
        rate = Fraction(fps).limit_denominator(1001)
        with av.open(str(path), "w") as container:
            stream = container.add_stream("libx264", rate=rate)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {"preset": "ultrafast"}
            if times_ms is not None:
                stream.codec_context.time_base = Fraction(1, 1000)
                stream.time_base = Fraction(1, 1000)
            if rotation is not None:
                stream.set_display_rotation(rotation)
            count = len(times_ms) if times_ms is not None else frames
            for i in range(count):
                vf = av.VideoFrame.from_ndarray(marker_frame(width, height, (10 * i) % 250), format="bgr24")
                if times_ms is not None:
                    vf.pts = times_ms[i]
                    vf.time_base = Fraction(1, 1000)
                for packet in stream.encode(vf):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        return path

    return write


# Read once at start-up: tests that isolate themselves from the environment may unset it.
_MODEL_DIR_AT_START = os.environ.get("FORMCHECK_MODEL_DIR", "").split(os.pathsep)[0]


def cut_mid_stream(whole: Path, target: Path, share: float = 0.6) -> Path:
    """``whole`` re-muxed with its index first (faststart, so a cut file still opens), then cut
    after ``share`` of its bytes: a copy or download that stopped part way."""
    import av

    fast = target.with_name(f"fast-{target.name}")
    with av.open(str(whole)) as src, av.open(str(fast), "w", options={"movflags": "faststart"}) as dst:
        out = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = out
                dst.mux(packet)
    data = fast.read_bytes()
    target.write_bytes(data[: int(len(data) * share)])
    return target


@pytest.fixture
def model_dir() -> Path:
    """The folder with the real model files (FORMCHECK_MODEL_DIR), or skip the test."""
    value = _MODEL_DIR_AT_START
    if not value or not (Path(value) / "pose_landmarker_full.task").is_file():
        pytest.skip("needs FORMCHECK_MODEL_DIR naming a folder with pose_landmarker_full.task")
    return Path(value)


@pytest.fixture
def shared_clip() -> Callable[[str], Path]:
    """A clip from the shared samples (see ``shared_data``), or skip."""
    root = SHARED_SAMPLES / "clips"

    def find(name: str) -> Path:
        path = root / name
        if not path.is_file():
            pytest.skip(f"needs the shared sample clip {name}")
        return path

    return find


@pytest.fixture(autouse=True)
def _history_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """`live`, `routine` and `analyze --save` store sessions in the history database: in tests,
    a throwaway one (also for the commands tests start as subprocesses), never the user's."""
    monkeypatch.setenv("FORMCHECK_HISTORY", str(tmp_path_factory.mktemp("history") / "history.sqlite"))
