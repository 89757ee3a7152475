"""The history database: every session of ``live``, ``routine`` and ``analyze --save``.

One SQLite file (``<user data>/formcheck/history.sqlite``, or ``FORMCHECK_HISTORY``, or
``--history PATH``) in WAL mode, so readers never block the writer and a crash never corrupts
committed data. A session row is committed when the session starts (status ``running``); each
set is committed in one transaction when it ends, with its reps, holds, faults and notices;
the session's status becomes ``finished``, ``unfinished`` (its input ended before the routine
did) or ``interrupted`` at the end. So a crash or ``kill -9`` loses at most the set in
progress, and a session left ``running`` by a dead process reads as interrupted.

The schema carries its version in ``PRAGMA user_version``; ``MIGRATIONS[n]`` takes a database
from version n to n + 1, each in one transaction, so opening an older file brings it up to date
and a newer file (from a later formcheck) is refused rather than misread.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from formcheck.errors import InputError, OutputError

ENV_VAR = "FORMCHECK_HISTORY"
BUSY_TIMEOUT_MS = 10_000  # another formcheck writing at the same moment: wait for it

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: sessions, their sets, and what each set counted
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,                 -- live, routine, analyze
        routine TEXT,                       -- routine id (routine sessions)
        started_at TEXT NOT NULL,           -- ISO 8601 with the UTC offset
        ended_at TEXT,
        status TEXT NOT NULL,               -- running, finished, unfinished, interrupted
        source TEXT
    );
    CREATE TABLE sets (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,            -- 1, 2, ... within the session
        exercise TEXT NOT NULL,
        exercise_name TEXT NOT NULL,
        set_number INTEGER NOT NULL,        -- set of this exercise (routine), else 1
        started_s REAL NOT NULL,            -- seconds from the session's start
        duration_s REAL NOT NULL,
        completed INTEGER,                  -- the prescribed dose was reached (routine), else NULL
        ended_by TEXT,
        partial INTEGER NOT NULL,
        prescribed TEXT,                    -- JSON: sets, reps, hold_s, per_side, holds
        reps_total INTEGER NOT NULL,
        reps_left INTEGER,
        reps_right INTEGER,
        reps_good INTEGER NOT NULL,
        reps_faulty INTEGER NOT NULL,
        pose_coverage REAL NOT NULL,
        view_detected TEXT,
        result TEXT NOT NULL                -- the formcheck.session/1 JSON of the set
    );
    CREATE TABLE reps (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        t_s REAL NOT NULL,
        side TEXT,
        good INTEGER NOT NULL,
        faults TEXT NOT NULL,               -- JSON list of fault ids
        hold_s REAL,
        peak TEXT NOT NULL                  -- JSON: every measure at the peak
    );
    CREATE TABLE holds (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        side TEXT, start_s REAL NOT NULL, seconds REAL NOT NULL, target_s REAL,
        completed INTEGER NOT NULL
    );
    CREATE TABLE faults (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        fault TEXT NOT NULL, side TEXT, severity TEXT NOT NULL, start_s REAL NOT NULL,
        end_s REAL NOT NULL, message TEXT NOT NULL
    );
    CREATE TABLE notices (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        kind TEXT NOT NULL, message TEXT NOT NULL, start_s REAL NOT NULL, seconds REAL NOT NULL
    );
    CREATE INDEX sets_session ON sets(session_id);
    CREATE INDEX reps_set ON reps(set_id);
    """,
    # 1 -> 2: the peak of each measure of each rep as rows, so range of motion is a query
    # (progress charts: the knee flexion reached at the bottom of each wall squat, per side)
    """
    CREATE TABLE rep_measures (
        rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,
        measure TEXT NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (rep_id, measure)
    );
    INSERT INTO rep_measures (rep_id, measure, value)
        SELECT reps.id, je.key, je.value FROM reps, json_each(reps.peak) AS je
        WHERE je.type IN ('real', 'integer');
    CREATE INDEX sets_exercise ON sets(exercise);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def default_path() -> Path:
    """``FORMCHECK_HISTORY``, else ``history.sqlite`` in the user data folder."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("formcheck")) / "history.sqlite"


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    kind: str
    routine: str | None
    started_at: str
    ended_at: str | None
    status: str
    source: str | None
    sets: int
    exercises: str  # the exercise ids, comma-separated, in order
    reps: int
    good: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "routine": self.routine,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "status": self.status,
            "source": self.source,
            "sets": self.sets,
            "exercises": self.exercises.split(",") if self.exercises else [],
            "reps": self.reps,
            "good": self.good,
        }


def migrate(conn: sqlite3.Connection, *, to: int = SCHEMA_VERSION) -> int:
    """Bring the database up to version ``to``; returns the version it had."""
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise InputError(
            f"the history database has schema version {found}, newer than this formcheck reads "
            f"({SCHEMA_VERSION}); upgrade formcheck"
        )
    for version in range(found, to):
        # executescript commits first; the migration and its version bump go in one transaction
        conn.executescript(
            f"BEGIN IMMEDIATE;\n{MIGRATIONS[version]}\nPRAGMA user_version = {version + 1};\nCOMMIT;"
        )
    return found


class HistoryStore:
    """The history database (see the module doc). Safe to open from several processes at once."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        """``read_only``: open an existing database to read it (a report's trend), never creating
        nor migrating it: a missing file, or one of another schema version, is an ``InputError``."""
        self.path = Path(path) if path is not None else default_path()
        if read_only:
            self._conn = self._open_read_only()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at each checkpoint
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            migrate(self._conn)
        except sqlite3.DatabaseError as err:
            raise InputError(f"cannot open the history database {self.path}: {err}") from err
        except OSError as err:
            raise OutputError(f"cannot create the history database {self.path}: {err.strerror}") from err

    def _open_read_only(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise InputError(f"no history database at {self.path}")
        try:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            found = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as err:
            raise InputError(f"cannot open the history database {self.path}: {err}") from err
        if found != SCHEMA_VERSION:  # older: migrating it is a writer's job; newer: not ours to read
            conn.close()
            raise InputError(
                f"the history database {self.path} has schema version {found}, not {SCHEMA_VERSION}"
            )
        return conn

    # ---------------------------------------------------------------- writing
    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def begin_session(
        self,
        kind: str,
        *,
        routine: str | None = None,
        source: str | None = None,
        started_at: str | None = None,
    ) -> int:
        try:
            with self._transaction() as conn:
                cur = conn.execute(
                    "INSERT INTO sessions (kind, routine, started_at, status, source) VALUES (?, ?, ?, ?, ?)",
                    (kind, routine, started_at or now_iso(), "running", source),
                )
                return int(cur.lastrowid or 0)
        except sqlite3.Error as err:
            raise OutputError(f"cannot write to the history database {self.path}: {err}") from err

    def add_set(
        self,
        session_id: int,
        result: dict[str, Any],
        *,
        set_number: int = 1,
        started_s: float = 0.0,
        completed: bool | None = None,
        ended_by: str | None = None,
        prescribed: dict[str, Any] | None = None,
    ) -> int:
        """Store one set (a ``formcheck.session/1`` dict) and all it counted, in one transaction."""
        reps = result.get("reps") or {}
        try:
            with self._transaction() as conn:
                number = conn.execute(
                    "SELECT COUNT(*) + 1 FROM sets WHERE session_id = ?", (session_id,)
                ).fetchone()[0]
                cur = conn.execute(
                    """INSERT INTO sets (session_id, number, exercise, exercise_name, set_number, started_s,
                       duration_s, completed, ended_by, partial, prescribed, reps_total, reps_left,
                       reps_right, reps_good, reps_faulty, pose_coverage, view_detected, result)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        session_id,
                        number,
                        result["exercise"],
                        result.get("exercise_name") or result["exercise"],
                        set_number,
                        started_s,
                        float(result.get("duration_s") or 0.0),
                        None if completed is None else int(completed),
                        ended_by,
                        int(bool(result.get("partial"))),
                        None if prescribed is None else json.dumps(prescribed),
                        int(reps.get("total") or 0),
                        reps.get("left"),
                        reps.get("right"),
                        int(reps.get("good") or 0),
                        int(reps.get("faulty") or 0),
                        float(result.get("pose_coverage") or 0.0),
                        (result.get("view") or {}).get("detected"),
                        json.dumps(result),
                    ),
                )
                set_id = int(cur.lastrowid or 0)
                for rep in result.get("rep_events") or []:
                    rc = conn.execute(
                        "INSERT INTO reps (set_id, t_s, side, good, faults, hold_s, peak)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            set_id,
                            rep["t_s"],
                            rep.get("side"),
                            int(bool(rep.get("good"))),
                            json.dumps(rep.get("faults") or []),
                            rep.get("hold_s"),
                            json.dumps(rep.get("peak") or {}),
                        ),
                    )
                    conn.executemany(
                        "INSERT INTO rep_measures (rep_id, measure, value) VALUES (?, ?, ?)",
                        [
                            (rc.lastrowid, k, float(v))
                            for k, v in (rep.get("peak") or {}).items()
                            if v is not None
                        ],
                    )
                conn.executemany(
                    "INSERT INTO holds (set_id, side, start_s, seconds, target_s, completed)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (
                            set_id,
                            h.get("side"),
                            h["start_s"],
                            h["seconds"],
                            h.get("target_s"),
                            int(bool(h.get("completed"))),
                        )
                        for h in result.get("holds") or []
                    ],
                )
                conn.executemany(
                    "INSERT INTO faults (set_id, fault, side, severity, start_s, end_s, message)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            set_id,
                            f["id"],
                            f.get("side"),
                            f["severity"],
                            f["start_s"],
                            f["end_s"],
                            f.get("message", ""),
                        )
                        for f in result.get("faults") or []
                    ],
                )
                conn.executemany(
                    "INSERT INTO notices (set_id, kind, message, start_s, seconds) VALUES (?, ?, ?, ?, ?)",
                    [
                        (
                            set_id,
                            n["kind"],
                            n["message"],
                            n["start_s"],
                            n.get("seconds", n["end_s"] - n["start_s"]),
                        )
                        for n in result.get("notices") or []
                    ],
                )
                return set_id
        except sqlite3.Error as err:
            raise OutputError(f"cannot write to the history database {self.path}: {err}") from err

    def end_session(self, session_id: int, *, interrupted: bool = False, completed: bool = True) -> None:
        """``interrupted``: stopped by a signal, a quit key or an error; ``completed`` False: ran
        to the end of its input without doing all it was to do (a routine whose video ended)."""
        status = "interrupted" if interrupted else "finished" if completed else "unfinished"
        try:
            with self._transaction() as conn:
                conn.execute(
                    "UPDATE sessions SET ended_at = ?, status = ? WHERE id = ?",
                    (now_iso(), status, session_id),
                )
        except sqlite3.Error as err:
            raise OutputError(f"cannot write to the history database {self.path}: {err}") from err

    def delete_session(self, session_id: int) -> bool:
        with self._transaction() as conn:
            return conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0

    # ---------------------------------------------------------------- reading
    def sessions(self, *, limit: int | None = None, since: str | None = None) -> list[SessionRow]:
        """Most recent first. A session still ``running`` whose writer died reads as is."""
        sql = """SELECT s.id, s.kind, s.routine, s.started_at, s.ended_at, s.status, s.source,
                        COUNT(t.id), COALESCE(GROUP_CONCAT(t.exercise, ','), ''),
                        COALESCE(SUM(t.reps_total), 0), COALESCE(SUM(t.reps_good), 0)
                 FROM sessions s LEFT JOIN sets t ON t.session_id = s.id
                 WHERE (? IS NULL OR s.started_at >= ?)
                 GROUP BY s.id ORDER BY s.started_at DESC, s.id DESC"""
        rows = self._conn.execute(sql + (f" LIMIT {int(limit)}" if limit else ""), (since, since)).fetchall()
        return [SessionRow(*r) for r in rows]

    def session(self, session_id: int) -> SessionRow:
        for row in self.sessions():
            if row.id == session_id:
                return row
        raise InputError(f"no session {session_id} in the history ({self.path})")

    def sets(self, session_id: int | None = None) -> list[dict[str, Any]]:
        sql = (
            "SELECT * FROM sets"
            + (" WHERE session_id = ?" if session_id is not None else "")
            + " ORDER BY id"
        )
        cur = self._conn.execute(sql, () if session_id is None else (session_id,))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def table(self, name: str) -> tuple[list[str], list[Sequence[Any]]]:
        """Every row of one table (for the CSV export)."""
        if name not in ("sessions", "sets", "reps", "holds", "faults", "notices", "rep_measures"):
            raise ValueError(f"no table {name}")
        cur = self._conn.execute(f"SELECT * FROM {name} ORDER BY rowid")
        return [d[0] for d in cur.description], cur.fetchall()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, params).fetchall()

    @property
    def version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
