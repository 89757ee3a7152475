"""Where the shared, read-only sample clips are: the folder named by FORMCHECK_SHARED_SAMPLES,
else ../shared/samples beside the repository (as on CI)."""

from __future__ import annotations

import os
from pathlib import Path

SHARED_SAMPLES = Path(
    os.environ.get("FORMCHECK_SHARED_SAMPLES") or Path(__file__).resolve().parents[2] / "shared" / "samples"
)


def cut_first_frames(source: Path, target: Path, frames: int) -> None:
    """Copy the first ``frames`` video frames of ``source`` to ``target`` (no re-encoding, no
    audio) with the ffmpeg binary; the calling test skips where there is none."""
    import shutil
    import subprocess

    import pytest

    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg to cut short clips")
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-an",
         "-frames:v", str(frames), "-c", "copy", str(target)],
        check=True,
        timeout=60,
    )
