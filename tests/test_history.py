"""The history database: a round trip, two writers at once, kill -9 in the middle of a set,
a migration from the first schema, the CLI over it, and the progress report in Chromium."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from formcheck.cli import main
from formcheck.engine import ExerciseEngine
from formcheck.errors import InputError
from formcheck.history import SCHEMA_VERSION, HistoryStore
from formcheck.history.export import export_csv
from formcheck.history.progress import compute
from formcheck.history.progress_report import progress_report
from formcheck.history.store import migrate
from formcheck.pipeline import replay_track
from formcheck.rules import load_exercise
from formcheck.track import PoseTrack
from live_support import TRACKS, load_track

REPO = Path(__file__).resolve().parents[1]


def session_of(stem: str, exercise: str) -> dict[str, Any]:
    return replay_track(load_track(stem), ExerciseEngine(load_exercise(exercise))).to_dict()


def test_round_trip_of_sets_reps_holds_faults_and_notices(tmp_path: Path) -> None:
    bridge = session_of("glute-bridge--home", "glute-bridge")  # 3 faulty reps with holds
    kicks = session_of("bridge-kick--single-leg-home", "bridge-kick")  # 3 left, 3 right
    assert bridge["rep_events"] and bridge["holds"] and bridge["faults"]
    with HistoryStore(tmp_path / "h.sqlite") as store:
        assert store.version == SCHEMA_VERSION
        sid = store.begin_session("routine", routine="knee-daily", source="clip.mp4")
        store.add_set(sid, bridge, completed=False, ended_by="next", prescribed={"reps": 10, "sets": 1})
        store.add_set(sid, kicks, set_number=2, started_s=30.5)
        store.end_session(sid)
        row = store.session(sid)
        assert (row.kind, row.routine, row.status, row.sets) == ("routine", "knee-daily", "finished", 2)
        assert row.reps == bridge["reps"]["total"] + kicks["reps"]["total"]
        sets = store.sets(sid)
        assert [json.loads(s["result"]) for s in sets] == [bridge, kicks]  # the whole result, as given
        assert (sets[1]["reps_left"], sets[1]["reps_right"], sets[1]["started_s"]) == (3, 3, 30.5)
        assert (sets[0]["completed"], sets[0]["ended_by"], sets[1]["completed"]) == (0, "next", None)
        reps = store.query("SELECT t_s, side, good FROM reps ORDER BY id")
        expected = [(r["t_s"], r["side"], int(r["good"])) for r in bridge["rep_events"] + kicks["rep_events"]]
        assert reps == expected
        peaks = store.query(
            "SELECT rm.value FROM rep_measures rm JOIN reps r ON r.id = rm.rep_id "
            "WHERE rm.measure = 'hip_flexion' ORDER BY r.id"
        )
        assert [v for (v,) in peaks] == [r["peak"]["hip_flexion"] for r in bridge["rep_events"]]
        assert store.query("SELECT COUNT(*) FROM holds")[0][0] == len(bridge["holds"]) + len(kicks["holds"])
        assert store.query("SELECT COUNT(*) FROM faults")[0][0] == len(bridge["faults"]) + len(
            kicks["faults"]
        )
        assert store.query("SELECT COUNT(*) FROM notices")[0][0] == len(bridge["notices"]) + len(
            kicks["notices"]
        )
        written = export_csv(store, tmp_path / "csv")
        assert [p.name for p in written][:3] == ["sessions.csv", "sets.csv", "reps.csv"]
        rows = (tmp_path / "csv" / "reps.csv").read_text().strip().splitlines()
        assert len(rows) == 1 + len(expected) and rows[0].startswith("id,set_id,t_s,side,good")
        assert "result" not in (tmp_path / "csv" / "sets.csv").read_text().splitlines()[0].split(",")
        assert store.delete_session(sid)
        assert store.query("SELECT COUNT(*) FROM reps")[0][0] == 0  # everything of the session went with it
        assert not store.delete_session(sid)


WRITER = """
import json, sys
from formcheck.history import HistoryStore
result = json.loads(open(sys.argv[2]).read())
store = HistoryStore(sys.argv[1])
sid = store.begin_session("live", source=sys.argv[3])
for _ in range(int(sys.argv[4])):
    store.add_set(sid, result)
store.end_session(sid)
"""


def test_two_writers_at_once(tmp_path: Path) -> None:
    result = session_of("squat--wide-prenatal-front", "squat")
    (tmp_path / "r.json").write_text(json.dumps(result))
    db = tmp_path / "h.sqlite"
    HistoryStore(db).close()  # created (and migrated) once; the writers race on the data
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(tmp_path / "r.json"), name, "40"],
                         stderr=subprocess.PIPE, text=True)
        for name in ("a", "b")
    ]  # fmt: skip
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with HistoryStore(db) as store:
        assert store.query("PRAGMA integrity_check") == [("ok",)]
        rows = store.sessions()
        assert sorted(r.source or "" for r in rows) == ["a", "b"]
        assert all(r.status == "finished" and r.sets == 40 for r in rows)
        assert store.query("SELECT COUNT(*) FROM reps")[0][0] == 80 * len(result["rep_events"])
        numbers = store.query("SELECT session_id, number FROM sets ORDER BY session_id, number")
        assert [n for _, n in numbers] == list(range(1, 41)) * 2  # numbered within each session


def test_kill_9_mid_routine_keeps_the_sets_done(tmp_path: Path) -> None:
    """A routine running in real time from a track is killed with SIGKILL after its second set:
    the database opens, intact, with every set that ended, each complete."""
    routine = tmp_path / "kill-test.yaml"
    routine.write_text(
        "format: 1\nid: kill-test\nname: Kill test\nrest_s: 0\nexercises:\n"
        "  - exercise: squat\n    reps: 2\n    sets: 9\n"
    )
    db = tmp_path / "h.sqlite"
    out = tmp_path / "run.json"
    track = TRACKS / "squat--front-20-reps-counter.track.npz"
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "routine", str(routine), "--source", str(track), "--no-window",
         "--quiet", "--json", str(out), "--history", str(db)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        sets = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                with sqlite3.connect(db, timeout=5) as conn:
                    try:
                        sets = conn.execute("SELECT COUNT(*) FROM sets").fetchone()[0]
                    except sqlite3.OperationalError:  # the schema is being created
                        sets = 0
                if sets >= 2:
                    break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert sets >= 2
        time.sleep(0.5)  # into the next set: some frames of it analysed, nothing of it stored
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    with HistoryStore(db) as store:
        assert store.query("PRAGMA integrity_check") == [("ok",)]
        (row,) = store.sessions()
        assert row.status == "running" and row.ended_at is None  # its writer died
        sets_done = store.sets(row.id)
        assert len(sets_done) >= 2
        for s in sets_done:  # each stored set is whole: its reps, and its result
            assert s["completed"] == 1 and s["reps_total"] == 2
            assert store.query("SELECT COUNT(*) FROM reps WHERE set_id = ?", (s["id"],))[0][0] == 2
            assert json.loads(s["result"])["reps"]["total"] == 2
    saved = json.loads(out.read_text())  # the JSON beside it was rewritten whole after each set
    assert saved["partial"] is True and len(saved["sets"]) >= 2
    assert main(["history", "--history", str(db)]) == 0


def test_migration_from_the_first_schema(tmp_path: Path) -> None:
    """A version-1 file (before rep_measures) opens as the current schema with its data kept
    and the range-of-motion rows filled in from the stored peaks."""
    db = tmp_path / "old.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, to=1) == 0
    conn.execute(
        "INSERT INTO sessions (id, kind, started_at, status)"
        " VALUES (1, 'live', '2026-11-02T10:00:00+00:00', 'finished')"
    )
    conn.execute(
        "INSERT INTO sets (id, session_id, number, exercise, exercise_name, set_number, started_s,"
        " duration_s, partial, reps_total, reps_good, reps_faulty, pose_coverage, result)"
        " VALUES (1, 1, 1, 'wall-squat', 'Wall squat', 1, 0, 40, 0, 2, 2, 0, 1.0, '{}')"
    )
    for rep_id, flexion in ((1, 44.5), (2, 47.0)):
        peak = json.dumps({"knee_flexion": flexion, "trunk_lean": 3.0, "unknown_here": None})
        conn.execute(
            "INSERT INTO reps (id, set_id, t_s, side, good, faults, peak) VALUES (?, 1, ?, NULL, 1, '[]', ?)",
            (rep_id, rep_id * 10.0, peak),
        )
    conn.close()
    with HistoryStore(db) as store:
        assert store.version == SCHEMA_VERSION == 2
        assert store.sessions()[0].reps == 2
        rows = store.query("SELECT rep_id, measure, value FROM rep_measures ORDER BY rep_id, measure")
        assert rows == [
            (1, "knee_flexion", 44.5),
            (1, "trunk_lean", 3.0),
            (2, "knee_flexion", 47.0),
            (2, "trunk_lean", 3.0),
        ]
        wall = compute(store).exercises[0]
        assert wall.measure == "knee_flexion" and wall.points[0].rom == {"both": pytest.approx(45.75)}


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    HistoryStore(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(InputError, match="schema version 99, newer than this formcheck reads"):
        HistoryStore(db)
    assert main(["history", "--history", str(db)]) == 3


def test_history_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite"
    track = TRACKS / "squat--front-20-reps-counter.track.npz"
    # what the analysis itself counts: the history must store and show exactly that
    counted = replay_track(PoseTrack.load(track), ExerciseEngine(load_exercise("squat"))).reps
    n, good = counted["total"], counted["good"]
    assert n > 0
    assert main(["analyze", str(track), "-e", "squat", "--save", "--history", str(db)]) == 0
    capsys.readouterr()
    assert main(["history", "--history", str(db)]) == 0
    out = capsys.readouterr().out
    assert "analyze  squat" in out and f"1 sets   {n:>2} reps ({good} good)  finished" in out
    assert main(["history", "--history", str(db), "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    # `history list` lists the same, as `rules list` and `routines list` do; --history before it too
    for args in (
        ["history", "list", "--history", str(db), "--json"],
        ["history", "--history", str(db), "list", "--json"],
    ):
        assert main(args) == 0
        assert json.loads(capsys.readouterr().out) == [listed]
    assert (listed["kind"], listed["exercises"], listed["reps"]) == ("analyze", ["squat"], n)
    assert main(["history", "show", str(listed["id"]), "--history", str(db)]) == 0
    assert f"Bodyweight squat set 1: {n} reps, {good} good" in capsys.readouterr().out
    assert main(["history", "export", "--csv", str(tmp_path / "csv"), "--history", str(db)]) == 0
    assert (tmp_path / "csv" / "reps.csv").read_text().count("\n") == n + 1
    assert main(["history", "show", "99", "--history", str(db)]) == 3
    assert "no session 99" in capsys.readouterr().err
    assert main(["history", "delete", str(listed["id"]), "--history", str(db)]) == 0
    assert main(["history", "--history", str(db), "--json"]) == 0
    assert "[]" in capsys.readouterr().out
    assert main(["progress", "--since", "yesterday", "--history", str(db)]) == 2


def test_a_batch_with_save_stores_each_input_it_analysed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder of two tracks analysed with --save: one history session per input, each with
    what its own analysis counted; the rerun skips both and stores nothing twice."""
    folder = tmp_path / "in"
    folder.mkdir()
    stems = ["squat--front-20-reps-counter", "squat--front-good"]
    counted = {}
    for stem in stems:
        (folder / f"{stem}.track.npz").write_bytes((TRACKS / f"{stem}.track.npz").read_bytes())
        counted[stem] = replay_track(
            PoseTrack.load(TRACKS / f"{stem}.track.npz"), ExerciseEngine(load_exercise("squat"))
        ).reps["total"]
    db = tmp_path / "h.sqlite"
    args = [
        "analyze",
        str(folder),
        "-e",
        "squat",
        "--json",
        str(tmp_path / "out"),
        "--save",
        "--history",
        str(db),
    ]
    assert main(args) == 0
    assert main(args) == 0  # everything skipped: nothing new stored
    capsys.readouterr()
    assert main(["history", "--history", str(db), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(s["reps"] for s in listed) == sorted(counted.values())
    assert {s["kind"] for s in listed} == {"analyze"}


def three_weeks_of_bridge_kicks(db: Path) -> None:
    """Three sessions of bridge kicks (per leg) a week apart, as routine sets with a dose."""
    kicks = session_of("bridge-kick--single-leg-home", "bridge-kick")
    with HistoryStore(db) as store:
        for day in ("2026-11-03", "2026-11-10", "2026-11-17"):
            sid = store.begin_session("routine", routine="runners-knee", started_at=f"{day}T18:00:00+00:00")
            store.add_set(sid, kicks, completed=True, ended_by="dose",
                          prescribed={"sets": 1, "reps": 3, "per_side": True, "holds": None})  # fmt: skip
            store.end_session(sid)


def test_progress_figures(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    three_weeks_of_bridge_kicks(db)
    kicks = session_of("bridge-kick--single-leg-home", "bridge-kick")
    with HistoryStore(db) as store:
        progress = compute(store)
        assert progress.sessions == 3 and progress.weeks == {"2026-W45": 1, "2026-W46": 1, "2026-W47": 1}
        (e,) = progress.exercises
        assert e.measure == load_exercise("bridge-kick").reps.measure  # type: ignore[union-attr]
        for side in ("left", "right"):
            peaks = [r["peak"][e.measure] for r in kicks["rep_events"] if r["side"] == side]
            assert [p.rom[side] for p in e.points] == [pytest.approx(sum(peaks) / len(peaks))] * 3
        assert [(p.reps_done, p.reps_prescribed) for p in e.points] == [(6, 6)] * 3
        assert compute(store, since="2026-11-10").sessions == 2
        assert compute(store, exercise="squat").sessions == 0


CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]  # fmt: skip


def test_progress_report_renders_in_chromium(tmp_path: Path) -> None:
    import shutil

    import cv2
    import numpy as np

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    db = tmp_path / "h.sqlite"
    three_weeks_of_bridge_kicks(db)
    report = tmp_path / "progress.html"
    assert main(["progress", "bridge-kick", "--report", str(report), "--history", str(db)]) == 0
    html = report.read_text()
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert html.count("<svg") == 4  # sessions per week, range of motion, done against prescribed, good reps
    with HistoryStore(db) as store:
        assert progress_report(compute(store, exercise="bridge-kick"), title="Progress: bridge-kick") == html
    if browser is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    profile = tmp_path / "profile"
    shot = tmp_path / "shot.png"
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert dom.returncode == 0 and dom.stdout.count("<svg") == 4 and dom.stdout.count("<circle") >= 12
    assert "CONSOLE" not in dom.stderr and "net::ERR" not in dom.stderr, dom.stderr[-2000:]
    res = subprocess.run(
        [browser, *flags, "--window-size=1000,1400", f"--screenshot={shot}", report.as_uri()],
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    image = cv2.imread(str(shot))
    assert image is not None and len(np.unique(image.reshape(-1, 3), axis=0)) > 100
    blue = np.all(np.abs(image.astype(int) - (209, 111, 31)) < 40, axis=-1)  # the bars and left-side line
    assert np.count_nonzero(blue) > 500
    if os.environ.get("FORMCHECK_SAVE_PROGRESS_SCREENSHOT"):
        shutil.copy(shot, os.environ["FORMCHECK_SAVE_PROGRESS_SCREENSHOT"])
