"""The routine's window under a virtual X server: a snapshot of each state (start card,
counting, rest, summary) as it was shown, the real screen grabbed, and q to quit from the
summary. Played from a pose track (no model): the picture is blank but for the skeleton."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from live_support import TRACKS
from test_live_window import display, needs_x, read_xwd

__all__ = ["display"]  # the Xvfb fixture


def _wait_for(predicate: object, timeout: float, proc: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        assert proc.poll() is None, log.read_text()[-2000:]
        time.sleep(0.1)
    raise AssertionError(f"timed out; stderr: {log.read_text()[-2000:]}")


@needs_x
def test_window_shows_card_counting_rest_and_summary(display: str, tmp_path: Path) -> None:
    import cv2

    routine = tmp_path / "two-squat-sets.yaml"
    routine.write_text(
        "format: 1\nid: two-squat-sets\nname: Two squat sets\nrest_s: 3\n"
        "note: Warm up first - walk for 5 minutes.\n"
        "exercises:\n  - exercise: squat\n    reps: 2\n    sets: 2\n"
    )
    snaps, out = tmp_path / "snaps", tmp_path / "run.json"
    env = {**os.environ, "DISPLAY": display}
    track = TRACKS / "squat--front-20-reps-counter.track.npz"
    stderr_file = tmp_path / "stderr.txt"
    with stderr_file.open("w") as se:
        proc = subprocess.Popen(
            [sys.executable, "-m", "formcheck", "routine", str(routine), "--source", str(track), "--no-voice",
             "--snapshot-dir", str(snaps), "--json", str(out)],
            stdout=subprocess.DEVNULL, stderr=se, text=True, env=env,
        )  # fmt: skip
    try:
        _wait_for(lambda: list(snaps.glob("*summary*.png")), 60, proc, stderr_file)
        time.sleep(0.3)  # the summary stays up, waiting for q
        assert proc.poll() is None
        screen = read_xwd(
            subprocess.run(["xwd", "-root", "-display", display], capture_output=True, check=True).stdout
        )
        subprocess.run(["xdotool", "search", "--name", "formcheck", "key", "--window", "%1", "q"],
                       env=env, capture_output=True, check=False)  # fmt: skip
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = stderr_file.read_text()
    assert proc.returncode == 0 and "Traceback" not in stderr, stderr[-2000:]
    shots = {p.name.split("-", 1)[1].split("-")[0]: p for p in sorted(snaps.glob("*.png"))}
    assert set(shots) == {"card", "counting", "rest", "summary"}, sorted(p.name for p in snaps.iterdir())
    order = sorted(snaps.glob("*.png"))
    assert [p.name.split("-")[1] for p in order] == [
        "card",
        "counting",
        "rest",
        "summary",
    ]  # each first shown
    images = {k: cv2.imread(str(p)) for k, p in shots.items()}
    for name, image in images.items():
        assert image is not None and image.shape[:2] == (720, 1280), name
        bright = (image.max(axis=2) > 180).mean()
        assert bright > 0.002, f"{name}: no text drawn ({bright:.2%})"
    # the card darkens the whole picture and writes over it; counting keeps the picture
    assert images["card"].mean() < images["counting"].mean()
    # the rest's big countdown: many bright pixels in the left half of the picture's middle band
    band = images["rest"][200:500, :640]
    assert (band.max(axis=2) > 200).mean() > 0.01
    for a in images:
        for b in images:
            if a < b:
                assert np.abs(images[a].astype(int) - images[b].astype(int)).mean() > 1, (a, b)
    # The real X screen shows the window with the summary up: its text, as in the snapshot.
    assert screen.shape[:2] == (800, 1280)
    on_screen = (screen.max(axis=2) > 180).mean() * screen.shape[0] * screen.shape[1]
    in_snapshot = (images["summary"].max(axis=2) > 180).mean() * 720 * 1280
    assert 0.5 < on_screen / in_snapshot < 2.0
    saved = json.loads(out.read_text())
    assert saved["partial"] is False and [s["completed"] for s in saved["sets"]] == [True, True]
    target = os.environ.get("FORMCHECK_SAVE_ROUTINE_SCREENSHOTS")
    if target:
        for name, image in images.items():
            cv2.imwrite(str(Path(target) / f"routine-{name}.png"), image)
