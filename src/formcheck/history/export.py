"""The history as CSV tables for a spreadsheet: sessions, sets, reps (and holds, faults)."""

from __future__ import annotations

import csv
from pathlib import Path

from formcheck.errors import OutputError
from formcheck.files import replacing
from formcheck.history.store import HistoryStore

TABLES = ("sessions", "sets", "reps", "holds", "faults", "notices")
# The full session JSON of a set is in the database; a spreadsheet has no use for it.
DROPPED = {"sets": {"result"}}


def export_csv(store: HistoryStore, folder: Path) -> list[Path]:
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True)
        except OSError as err:
            raise OutputError(f"cannot create the folder {folder}: {err.strerror}") from err
    written = []
    for name in TABLES:
        columns, rows = store.table(name)
        keep = [i for i, c in enumerate(columns) if c not in DROPPED.get(name, set())]
        path = folder / f"{name}.csv"
        with replacing(path, what="CSV", text=True) as fh:
            writer = csv.writer(fh)
            writer.writerow([columns[i] for i in keep])
            writer.writerows([[row[i] for i in keep] for row in rows])
        written.append(path)
    return written
