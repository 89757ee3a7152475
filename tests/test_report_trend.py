"""The report's trend against earlier sessions: read from a real history (sessions stored by
`analyze --save`), this session its last row and never counted twice, absent without history,
and a history is never created nor migrated just to render a report."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from formcheck.cli import main
from formcheck.clinical import measure_words
from formcheck.engine import ExerciseEngine
from formcheck.errors import InputError, OutputError
from formcheck.history import HistoryStore
from formcheck.history.progress import compute
from formcheck.history.trend import Trend, TrendRow, earlier_sessions, read_trend
from formcheck.pipeline import replay_track
from formcheck.render.trend_html import trend_section
from formcheck.rules import load_exercise
from live_support import TRACKS, load_track

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT = shutil.which("pdftotext")
HEADING = "Trend against earlier sessions"


def analyse(stem: str, exercise: str, db: Path, out: Path, *extra: str) -> dict[str, Any]:
    """`formcheck analyze` of a committed track; returns its JSON result."""
    args = ["analyze", str(TRACKS / f"{stem}.track.npz"), "-e", exercise, "-q", "--history", str(db)]
    assert main([*args, "--json", str(out.with_suffix(".json")), *extra]) == 0
    return dict(json.loads(out.with_suffix(".json").read_text()))


def trend_rows(html: str) -> list[tuple[bool, list[str]]]:
    """(is this session, cell texts) of each row of the trend table."""
    table = html.split(f"<h2>{HEADING}</h2>")[1].split("</table>")[0].split("<tbody>")[1]
    rows = re.findall(r"<tr( class=\"current\")?>(.*?)</tr>", table)
    return [
        (
            bool(current),
            [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells)],
        )
        for current, cells in rows
    ]


def mean_rom(result: dict[str, Any], measure: str) -> str:
    values = [rep["peak"][measure] for rep in result["rep_events"]]
    return f"{sum(values) / len(values):.0f}°"


def test_report_shows_earlier_sessions_then_this_one(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    squat = load_exercise("squat")
    assert squat.reps is not None
    measure = squat.reps.measure
    first = analyse("squat--front-knees-cave-in", "squat", db, tmp_path / "a", "--save")
    second = analyse("squat--front-good", "squat", db, tmp_path / "b", "--save")
    report = tmp_path / "r.html"
    # this session is saved too, in the same run: it must still be one row, the last
    current = analyse(
        "squat--front-20-reps-counter", "squat", db, tmp_path / "c", "--save", "--report", str(report)
    )
    html = report.read_text()
    rows = trend_rows(html)
    assert [is_current for is_current, _ in rows] == [False, False, True]
    assert "this session" in rows[-1][1][0] and "this session" not in rows[0][1][0] + rows[1][1][0]
    for (_, cells), result in zip(rows, (first, second, current), strict=True):
        _when, reps, rom, faults = cells
        assert reps == str(result["reps"]["total"])
        assert rom == mean_rom(result, measure)
        assert faults == str(len(result["faults"]))
    assert len(first["faults"]) > 0  # the knees-caving clip: the faults column is not all zeros
    words = measure_words(squat, measure)
    today = date.today().isoformat()
    assert (
        f"Over 3 sessions since {today}: {words} {mean_rom(first, measure)} → {mean_rom(current, measure)}; "
        f"reps {first['reps']['total']} → {current['reps']['total']}; "
        f"form faults {len(first['faults'])} → {len(current['faults'])}."
    ) in html
    with HistoryStore(db) as store:
        assert len(store.sessions()) == 3
    # the next report sees this session among the earlier ones, once
    again = tmp_path / "again.html"
    analyse("squat--front-good", "squat", db, tmp_path / "d", "--report", str(again))
    rows = trend_rows(again.read_text())
    assert [is_current for is_current, _ in rows] == [False, False, False, True]
    assert rows[2][1][1] == str(current["reps"]["total"])


def test_held_seconds_of_a_hold_exercise(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    stem = "wall-squat--wall-sit-front"  # a wall sit: reps held at the bottom
    first = analyse(stem, "wall-squat", db, tmp_path / "a", "--save")
    report = tmp_path / "r.html"
    analyse(stem, "wall-squat", db, tmp_path / "b", "--report", str(report))
    html = report.read_text()
    head = html.split(f"<h2>{HEADING}</h2>")[1].split("</thead>")[0]
    held_column = re.findall(r"<th[^>]*>(.*?)</th>", head).index("Held")
    held = sum(h["seconds"] for h in first["holds"])
    assert held > 0
    (_, earlier), (_, this) = trend_rows(html)
    assert earlier[held_column] == this[held_column] == (f"{held:.0f} s" if held >= 10 else f"{held:.1f} s")


def test_no_history_no_trend_and_no_database_created(tmp_path: Path) -> None:
    db = tmp_path / "none" / "history.sqlite"
    report = tmp_path / "r.html"
    analyse("squat--front-good", "squat", db, tmp_path / "a", "--report", str(report))
    assert HEADING not in report.read_text() and "this session" not in report.read_text()
    assert not db.exists() and not db.parent.exists()
    # the default history (FORMCHECK_HISTORY, set per test by conftest) is not created either
    default = Path(os.environ["FORMCHECK_HISTORY"])
    track = TRACKS / "squat--front-good.track.npz"
    assert main(["analyze", str(track), "-e", "squat", "-q", "--report", str(report)]) == 0
    assert HEADING not in report.read_text()
    assert not default.exists()


def test_history_of_other_exercises_only_gives_no_trend(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    analyse("clamshell--band-studio", "clamshell", db, tmp_path / "a", "--save")
    report = tmp_path / "r.html"
    analyse("squat--front-good", "squat", db, tmp_path / "b", "--report", str(report))
    assert HEADING not in report.read_text()


def squat_result(stem: str = "squat--front-good") -> dict[str, Any]:
    return replay_track(load_track(stem), ExerciseEngine(load_exercise("squat"))).to_dict()


def test_earlier_sessions_most_recent_last_capped_and_without_this_one(tmp_path: Path) -> None:
    result = squat_result()
    with HistoryStore(tmp_path / "h.sqlite") as store:
        ids = {}
        for day in (5, 1, 9, 3, 10, 2, 7, 4, 8, 6):  # stored out of order: the dates decide
            ids[day] = store.begin_session("analyze", started_at=f"2026-11-{day:02d}T10:00:00+00:00")
            store.add_set(ids[day], result)
            store.end_session(ids[day])
        other = store.begin_session("analyze", started_at="2026-11-11T10:00:00+00:00")
        store.add_set(other, squat_result() | {"exercise": "lunge", "exercise_name": "Lunge"})
        trend = earlier_sessions(store, "squat", limit=8)
        assert trend is not None and trend.current is None
        assert [r.day for r in trend.rows] == [f"2026-11-{d:02d}" for d in range(3, 11)]
        assert [r.session_id for r in trend.rows] == [ids[d] for d in range(3, 11)]
        # the progress figures, reused: the same range of motion as `formcheck progress`
        (progress,) = compute(store, exercise="squat").exercises
        assert trend.rows[-1].rom == progress.points[-1].rom and trend.rows[-1].rom
        assert trend.rows[-1].reps == result["reps"]["total"]
        # this session already stored: left out, so it is not counted twice
        now = squat_result("squat--front-20-reps-counter")
        trend = earlier_sessions(store, "squat", current=now, exclude_session=ids[10], limit=8)
        assert trend is not None and trend.current is not None
        assert [r.day for r in trend.earlier] == [f"2026-11-{d:02d}" for d in range(2, 10)]
        assert trend.rows[-1].current and trend.rows[-1].reps == now["reps"]["total"]
        assert earlier_sessions(store, "glute-bridge") is None


def test_the_history_is_read_without_being_created_or_changed(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite"
    with pytest.raises(InputError):
        HistoryStore(missing, read_only=True)
    assert read_trend(missing, "squat") is None and not missing.exists()
    old = tmp_path / "old.sqlite"
    with HistoryStore(old) as store:
        store.add_set(store.begin_session("analyze"), squat_result())
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA user_version = 1")  # as if from an older formcheck: migrating it is a writer's job
    conn.close()
    assert read_trend(old, "squat") is None
    conn = sqlite3.connect(old)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    before = old.read_bytes()
    trend = read_trend(old, "squat")
    assert trend is not None and len(trend.earlier) == 1
    with HistoryStore(old, read_only=True) as store, pytest.raises(OutputError, match="readonly"):
        store.begin_session("analyze")  # read-only: a write is refused
    assert old.read_bytes() == before


def test_trend_text_is_escaped() -> None:
    squat = load_exercise("squat")
    row = TrendRow("2026-11-01T10:00:00+00:00", 3, None, None, 0.0, 1, {"both": 90.0})
    trend = Trend(
        "squat",
        "knee_<i>flexion</i>",
        "<u>",
        (row,),
        TrendRow("<b>now</b>", 4, None, None, 0, 0, {"both": 95}, current=True),
    )
    html = trend_section(trend, squat)
    assert "<i>" not in html and "<u>" not in html and "<b>now" not in html
    assert "&lt;i&gt;" in html and "&lt;b&gt;now" in html
    assert trend_section(None, squat) == "" and trend_section(Trend("squat", None, "°", ()), squat) == ""


@pytest.mark.skipif(
    CHROMIUM is None or PDFTOTEXT is None, reason="needs chromium and pdftotext (poppler-utils)"
)
def test_trend_in_the_pdf(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    first = analyse("squat--front-good", "squat", db, tmp_path / "a", "--save")
    pdf = tmp_path / "r.pdf"
    analyse("squat--front-20-reps-counter", "squat", db, tmp_path / "b", "--report", str(pdf))
    assert PDFTOTEXT is not None
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert HEADING in text and "THIS SESSION" in text.upper()
    assert f"reps {first['reps']['total']} →" in text
