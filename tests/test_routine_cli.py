"""`formcheck routine` from the command line, headless over a pose track (no model): the
printed steps, the routine result JSON, the history it leaves, and the bad inputs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.history import HistoryStore
from live_support import TRACKS

TRACK = TRACKS / "squat--front-20-reps-counter.track.npz"  # 20 squats in 43 s


def write_routine(folder: Path, *, reps: int = 5, sets: int = 3, rest_s: float = 2) -> Path:
    path = folder / "squat-sets.yaml"
    path.write_text(
        f"format: 1\nid: squat-sets\nname: Squat sets\nrest_s: {rest_s}\nexercises:\n"
        f"  - exercise: squat\n    reps: {reps}\n    sets: {sets}\n  - exercise: lunge\n    reps: 3\n"
    )
    return path


def test_headless_routine_over_a_track(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    routine, out, db = write_routine(tmp_path), tmp_path / "run.json", tmp_path / "h.sqlite"
    args = ["--source", str(TRACK), "--every-frame", "--no-window", "--json", str(out), "--history", str(db)]
    rc = main(["routine", str(routine), *args])
    printed = capsys.readouterr().out
    assert rc == 0
    assert "=== exercise 1 of 2: Bodyweight squat, 3 sets of 5 reps" in printed
    assert "--- rest 2 seconds, then set 2 of 3" in printed
    assert "=== exercise 2 of 2: Forward lunge, 3 reps" in printed or "exercise 2 of 2" in printed
    saved = json.loads(out.read_text())
    assert saved["format"] == "formcheck.routine/1" and saved["routine"] == "squat-sets"
    squat, lunge = saved["exercises"]
    assert (squat["sets_done"], squat["reps"]["total"], squat["reps_prescribed"]) == (3, 15, 15)
    assert [s["result"]["reps"]["total"] for s in saved["sets"][:3]] == [5, 5, 5]
    assert all(s["result"]["format"] == "formcheck.session/1" for s in saved["sets"])
    # The squats go on after the 15th: the lunge is not what the person does, so whatever the
    # lunge counted, the routine did not reach it and the run is partial (the video ended).
    assert lunge["sets_done"] == 0 and saved["partial"] is True
    rests = [(a["ended_s"], b["started_s"]) for a, b in zip(saved["sets"], saved["sets"][1:3], strict=False)]
    assert all(2.0 <= b - a < 2.1 for a, b in rests)  # the rests, in video time
    with HistoryStore(db) as store:
        (row,) = store.sessions()
        # the video ended before the routine did: unfinished, not interrupted (nobody stopped it)
        assert (row.kind, row.routine, row.status) == ("routine", "squat-sets", "unfinished")
        assert [s["completed"] for s in store.sets(row.id)] == [1, 1, 1, 0]
    assert "Squat sets: done against prescribed" in printed


def test_sigterm_saves_the_sets_so_far(tmp_path: Path) -> None:
    routine, out, db = (
        write_routine(tmp_path, reps=2, sets=8, rest_s=0),
        tmp_path / "run.json",
        tmp_path / "h.sqlite",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "routine", str(routine), "--source", str(TRACK), "--no-window",
         "--json", str(out), "--history", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not out.exists():  # the first set's result
            assert proc.poll() is None
            time.sleep(0.05)
        time.sleep(0.5)  # into the second set
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr[-2000:]
    assert "interrupted: the sets so far were saved" in stderr and "Traceback" not in stderr
    saved = json.loads(out.read_text())
    assert saved["partial"] is True and saved["sets"][0]["completed"] is True
    assert saved["sets"][-1]["result"]["partial"] is True  # the set in progress, cut short
    with HistoryStore(db) as store:
        (row,) = store.sessions()
        assert row.status == "interrupted" and row.sets == len(saved["sets"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--every-frame"], "--every-frame needs --source"),
        (["--no-window", "--snapshot-dir", "x"], "--snapshot-dir saves what the window shows"),
        (["--source", "missing.track.npz", "--no-window"], "pose track not found"),
    ],
)
def test_bad_usage_is_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["routine", "knee-daily", *args])
    err = capsys.readouterr().err
    assert rc in (2, 3) and message in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["live", "-e", "squat"], ["routine", "knee-daily"]])
def test_a_wrong_source_is_told_before_the_model_is_looked_for(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # No model anywhere, and its download refused at once (a closed local port): the missing
    # video must be what the user hears about, without waiting on a download first.
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path / "no-models"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("FORMCHECK_MODEL_BASE_URL", "http://127.0.0.1:9")
    rc = main([*command, "--no-window", "--no-save", "--source", str(tmp_path / "missing.mp4")])
    err = capsys.readouterr().err
    assert rc == 3 and err == f"formcheck: error: video not found: {tmp_path / 'missing.mp4'}\n", err
