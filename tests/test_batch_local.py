"""`formcheck analyze` over many inputs on this machine: summary.csv and index.html agree with each
input's result, a rerun skips what is done (same input sha256, rule text, version), a bad input
fails alone, --jobs 2 gives the same files as one process, a manifest mixes exercises."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import socket
import time
from collections import Counter
from pathlib import Path

import pytest

from formcheck.analysis import AnalysisSettings, Outputs
from formcheck.batch import BatchItem, name_items, plan, run_batch
from formcheck.batch.progress import BatchProgress
from formcheck.batch.runners import InlineRunner
from formcheck.batch.task import FAILED, OK, ItemOutcome, analyze_item
from formcheck.cli import main
from formcheck.errors import ClusterError, InputError, Interrupted

TRACKS = Path(__file__).resolve().parents[1] / "samples" / "tracks"
SQUATS = ("squat--front-good", "squat--front-knees-cave-in", "squat--studio-angled-side")
RULES = Path(__file__).resolve().parents[1] / "rules"


@pytest.fixture
def squats(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in SQUATS:
        shutil.copy(TRACKS / f"{name}.track.npz", folder)
    return folder


def _summary(folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((folder / "summary.csv").open(encoding="utf-8")))


def _mtimes(folder: Path) -> dict[str, int]:
    skip = {"index.html"}  # the summary is rewritten by every run
    return {
        p.name: p.stat().st_mtime_ns
        for p in folder.iterdir()
        if p.suffix in (".json", ".html") and p.name not in skip
    }


def test_a_folder_gives_one_summary_row_per_input_that_agrees_with_its_result(
    squats: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["analyze", str(squats), "-e", "squat", "--json", str(out), "--report", str(out), "-q"]) == 0
    rows = _summary(out)
    assert [r["name"] for r in rows] == list(SQUATS)
    for r in rows:
        result = json.loads((out / f"{r['name']}.json").read_text())
        assert r["status"] == "ok" and r["error"] == "" and r["skipped"] == ""
        assert r["input"] == str(squats / f"{r['name']}.track.npz")
        assert int(r["reps_total"]) == result["reps"]["total"]
        assert (int(r["good"]), int(r["faulty"])) == (result["reps"]["good"], result["reps"]["faulty"])
        assert float(r["pose_coverage"]) == result["pose_coverage"]
        assert r["view"] == result["view"]["detected"] and float(r["duration_s"]) == result["duration_s"]
        faults = Counter(f["id"] for f in result["faults"])
        assert {
            k.removeprefix("fault:"): int(v) for k, v in r.items() if k.startswith("fault:") and v != "0"
        } == faults
    assert any(r["fault:knees_cave_in"] != "0" for r in rows)  # the columns are not all empty

    index = (out / "index.html").read_text()
    links = re.findall(r'href="([^"]+)"', index)
    assert {f"{n}.html" for n in SQUATS} <= set(links) and {f"{n}.json" for n in SQUATS} <= set(links)
    assert all((out / link).is_file() for link in links)
    assert "3 of 3 inputs analysed" in capsys.readouterr().err


def test_a_rerun_skips_what_is_done_and_redoes_what_changed(
    squats: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    command = ["analyze", str(squats), "-e", "squat", "--json", str(out), "--report", str(out), "-q"]
    assert main(command) == 0
    first = _mtimes(out)
    capsys.readouterr()

    assert main(command) == 0
    assert _mtimes(out) == first, "a rerun rewrote finished outputs"
    assert all(r["skipped"] == "yes" and r["status"] == "ok" for r in _summary(out))
    assert "3 of 3 inputs done by an earlier run: skipped" in capsys.readouterr().err

    # The input changed (same name, other content), and an output was deleted: those two again.
    shutil.copy(TRACKS / "squat--front-20-reps-counter.track.npz", squats / f"{SQUATS[0]}.track.npz")
    (out / f"{SQUATS[1]}.html").unlink()
    assert main(command) == 0
    again = _mtimes(out)
    changed = {name for name in again if again[name] != first.get(name)}
    assert changed == {f"{SQUATS[0]}.json", f"{SQUATS[0]}.html", f"{SQUATS[1]}.json", f"{SQUATS[1]}.html"}
    assert int(_summary(out)[0]["reps_total"]) == 20
    assert [r["skipped"] for r in _summary(out)] == ["", "", "yes"]

    # An edited rule (same id, another threshold) and --force: everything again.
    mine = tmp_path / "rules"
    mine.mkdir()
    text = (RULES / "squat.yaml").read_text()
    (mine / "squat.yaml").write_text(text + "\n# edited\n")
    assert main([*command, "--rules-dir", str(mine)]) == 0
    assert all(r["skipped"] == "" for r in _summary(out))
    assert main([*command, "--rules-dir", str(mine), "--force"]) == 0
    assert all(r["skipped"] == "" for r in _summary(out))


def test_a_bad_input_fails_alone_with_its_error_in_the_summary(
    squats: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (squats / "broken.track.npz").write_text("not a track")
    out = tmp_path / "out"
    rc = main(["analyze", str(squats), str(tmp_path / "gone.mp4"), "-e", "squat", "--json", str(out), "-q"])
    err = capsys.readouterr().err
    assert rc == InputError.exit_code
    assert "Traceback" not in err and "3 of 5 inputs analysed" in err
    rows = {r["name"]: r for r in _summary(out)}
    assert rows["broken"]["status"] == "failed" and "not a formcheck pose track" in rows["broken"]["error"]
    assert rows["gone"]["status"] == "failed" and "video not found" in rows["gone"]["error"]
    assert all(rows[n]["status"] == "ok" for n in SQUATS)
    assert not (out / "broken.json").exists()
    # A failure is not remembered as done: the rerun tries it again (and the good ones are skipped).
    assert main(["analyze", str(squats), "-e", "squat", "--json", str(out), "-q"]) == InputError.exit_code
    rows = {r["name"]: r for r in _summary(out)}
    assert rows["broken"]["skipped"] == "" and all(rows[n]["skipped"] == "yes" for n in SQUATS)


def test_the_exit_code_is_the_first_failed_input_in_input_order() -> None:
    from formcheck.batch.driver import BatchResult

    items = [BatchItem(Path(f"/{n}"), "squat", name=n) for n in "abc"]
    outcomes: list[ItemOutcome | None] = [
        ItemOutcome("a", OK),
        ItemOutcome("b", FAILED, error="x", exit_code=4),
        ItemOutcome("c", FAILED, error="y", exit_code=3),
    ]
    assert BatchResult(items, outcomes, Path("s.csv"), Path("i.html")).exit_code == 4
    assert BatchResult(items, outcomes, Path("s.csv"), Path("i.html"), interrupted=True).exit_code == 130


def test_jobs_2_writes_the_same_files_as_one_process(squats: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["analyze", str(squats), "-e", "squat", "--json", str(one), "--csv", str(one), "-q"]) == 0
    assert (
        main(["analyze", str(squats), "-e", "squat", "--json", str(two), "--csv", str(two), "-q", "-j", "2"])
        == 0
    )
    for name in SQUATS:
        for ext in (".json", ".csv"):
            assert (one / f"{name}{ext}").read_bytes() == (two / f"{name}{ext}").read_bytes()
    workers = {r["worker"] for r in _summary(two)}
    assert len({r["worker"] for r in _summary(one)}) == 1 and len(workers) >= 1


def test_a_video_gives_the_same_poses_alone_on_two_cores_on_one_core_and_in_a_batch(
    model_dir: Path, shared_clip, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The person is lost after the camera cut of this clip, where MediaPipe's tracking depends on
    the frames before, so the poses depend on how frames are dealt to the landmarkers: with one
    landmarker per core (one on a 1-core machine, one per job in a `--jobs 2` batch on 2 cores)
    the batch counted 3 reps where the clip alone counted 4. Neither may change a result."""
    import os

    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(model_dir))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    cut = shared_clip("squat--curvelog-side-studio-cuts.mp4")
    other = shared_clip("squat--front-good.mp4")

    def alone(cores: set[int]) -> bytes:
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: cores, raising=False)
        out = tmp_path / f"alone-{len(cores)}.csv"
        assert main(["analyze", str(cut), "-e", "squat", "--csv", str(out), "-q"]) == 0
        return out.read_bytes()

    two_cores, one_core = alone({0, 1}), alone({0})
    batch = tmp_path / "batch"
    assert main(["analyze", str(cut), str(other), "-e", "squat", "--csv", str(batch), "-q", "-j", "2"]) == 0
    assert one_core == two_cores
    assert (batch / f"{cut.stem}.csv").read_bytes() == two_cores


def test_a_manifest_mixes_exercises_in_one_batch(tmp_path: Path) -> None:
    manifest = tmp_path / "batch.csv"
    manifest.write_text(
        "input,exercise,person\n"
        f"{TRACKS / 'squat--front-good.track.npz'},squat,\n"
        f"{TRACKS / 'lunge--forward-home.track.npz'},lunge,\n"
        f"{TRACKS / 'squat--two-people-correct-vs-wrong.track.npz'},squat,left\n"
    )
    out = tmp_path / "out"
    assert main(["analyze", "--manifest", str(manifest), "--json", str(out), "-q"]) == 0
    rows = _summary(out)
    assert [(r["name"], r["exercise"]) for r in rows] == [
        ("squat--front-good", "squat"),
        ("lunge--forward-home", "lunge"),
        ("squat--two-people-correct-vs-wrong", "squat"),
    ]
    assert json.loads((out / "lunge--forward-home.json").read_text())["exercise"] == "lunge"


def test_an_interrupted_batch_keeps_what_was_done_and_the_rerun_finishes_it(tmp_path: Path) -> None:
    class StoppedAfterOne(InlineRunner):
        def run(self, tasks):  # type: ignore[no-untyped-def]
            yield analyze_item(tasks[0])
            raise KeyboardInterrupt  # Ctrl-C while the second input runs

    items = name_items([BatchItem(TRACKS / f"{n}.track.npz", "squat") for n in SQUATS])
    out = tmp_path / "out"
    tasks = plan(items, outputs=Outputs(json=out), settings=AnalysisSettings())
    out.mkdir()
    batch = run_batch(tasks, items, StoppedAfterOne(), summary_dir=out)
    assert batch.interrupted and batch.exit_code == Interrupted.exit_code
    assert [r["status"] for r in _summary(out)] == ["ok", "not run", "not run"]
    batch = run_batch(tasks, items, InlineRunner(), summary_dir=out)
    assert batch.exit_code == 0 and batch.counts["skipped"] == 1
    assert [r["status"] for r in _summary(out)] == ["ok", "ok", "ok"]


def test_the_progress_bar_shows_inputs_speed_and_failures() -> None:
    stream = io.StringIO()
    with BatchProgress(stream=stream, force_show=True) as progress:
        progress.start(to_run=3, skipped=1)
        progress.advance(ItemOutcome("a", OK, frames=300))
        progress.advance(ItemOutcome("b", FAILED, error="x"))
    text = stream.getvalue()
    assert "3/4" in text and "frames/s" in text and "1 failed" in text and "1 done earlier" in text
    assert progress.frames == 300 and progress.failed == 1
    quiet = io.StringIO()
    with BatchProgress(stream=quiet, quiet=True) as progress:
        progress.advance(ItemOutcome("a", OK, frames=3))
    assert quiet.getvalue() == ""


def test_an_unreachable_scheduler_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("FORMCHECK_SCHEDULER", f"tcp://127.0.0.1:{port}")
    started = time.monotonic()
    rc = main(
        ["analyze", str(TRACKS / "squat--front-good.track.npz"), "-e", "squat", "-q", "--json", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert rc == ClusterError.exit_code
    assert err.startswith(f"formcheck: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}")
    assert "Traceback" not in err and time.monotonic() - started < 30


def test_one_file_is_not_a_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert (
        main(
            [
                "analyze",
                str(TRACKS / "squat--front-good.track.npz"),
                "-e",
                "squat",
                "-q",
                "--json",
                "one.json",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.json"]


@pytest.mark.model
def test_ctrl_c_stops_a_local_pool_with_the_partial_results_saved(
    tmp_path: Path, model_dir: Path, shared_clip
) -> None:
    """SIGTERM to the whole process group, as a terminal's Ctrl-C reaches it: the two running
    inputs stop with partial results (saved, in the summary), the queued one is `not run` (the
    rerun that finishes such a batch: test_an_interrupted_batch_keeps_what_was_done...)."""
    import os
    import signal
    import subprocess
    import sys

    from shared_data import cut_first_frames

    clips = tmp_path / "clips"
    clips.mkdir()
    for name in ("squat--front-good.mp4", "glute-bridge--home.mp4", "lunge--forward-home.mp4"):
        cut_first_frames(shared_clip(name), clips / name, 90)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "formcheck",
        "analyze",
        str(clips),
        "-e",
        "squat",
        "-q",
        "-j",
        "2",
        "--json",
        str(out),
        "--csv",
        str(out),
    ]
    env = {**os.environ, "FORMCHECK_MODEL_DIR": str(model_dir)}
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob(".*.tmp.csv"))) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)  # both workers are writing their CSV: mid-input
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == Interrupted.exit_code, err[-2000:]
    rows = {r["name"]: r for r in _summary(out)}
    assert sorted(r["status"] for r in rows.values()) == ["not run", "partial", "partial"]
    for name, r in rows.items():
        if r["status"] == "partial":
            saved = json.loads((out / f"{name}.json").read_text())
            assert saved["partial"] is True and 0 < saved["frames"] < 90
    assert list(out.glob(".*.tmp*")) == []
