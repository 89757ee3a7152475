"""The report's rep table (or hold table) as CSV, written beside the report (``x.html`` →
``x.reps.csv``) for a spreadsheet: one row per rep with its times, tempo, the value each key
measure reached (as the rule reads it and on each side) and its form.

Times in seconds from the start of the video, angles in degrees, empty = unknown.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from formcheck.clinical import SIDES, ClinicalFigures
from formcheck.files import output_kind, replacing

SUFFIX = ".reps.csv"


def rep_table_path(report_path: Path) -> Path | None:
    """``x.html`` / ``x.pdf`` → ``x.reps.csv`` beside it; None for a report that is not a file
    (standard output, a pipe, a device): there is no "beside" it."""
    if output_kind(report_path) != "file":
        return None
    return report_path.with_name(report_path.stem + SUFFIX)


def _num(value: Any, digits: int = 2) -> str:
    return "" if not isinstance(value, int | float) or value != value else f"{value:.{digits}f}"


def rep_table_csv(figures: ClinicalFigures, measures: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    sided = {m: any(s in values.get(m, {}) for r in figures.reps for values in [r.values] for s in SIDES)
             for m in measures}  # fmt: skip
    value_columns = [c for m in measures for c in (m, *((f"{m}_left", f"{m}_right") if sided[m] else ()))]
    if figures.kind == "reps":
        writer.writerow(
            ["rep", "side", "start_s", "peak_s", "end_s", "duration_s", "down_s", "held_s", "up_s",
             *value_columns, "good", "faults"]
        )  # fmt: skip
        for rep in figures.reps:
            tempo = rep.tempo
            values = []
            for m in measures:
                per_side = rep.values.get(m, {})
                values.append(_num(per_side.get(None)))
                if sided[m]:
                    values += [_num(per_side.get(s)) for s in SIDES]
            writer.writerow(
                [rep.number, rep.side or "", _num(rep.start_s, 3), _num(rep.t_s, 3), _num(rep.end_s, 3),
                 _num(rep.end_s - rep.start_s, 3),
                 *(_num(getattr(tempo, k), 3) if tempo else "" for k in ("down_s", "held_s", "up_s")),
                 *values, "yes" if rep.good else "no", " ".join(rep.faults)]
            )  # fmt: skip
    else:
        hold_columns = [
            c for m in measures for c in (f"{m}_median", *((f"{m}_left_median", f"{m}_right_median")))
        ]
        writer.writerow(["hold", "side", "start_s", "held_s", *hold_columns])
        for i, hold in enumerate(figures.hold_values, 1):
            values = []
            for m in measures:
                per_side = hold["values"].get(m, {})
                side = hold.get("side")
                values.append(_num(per_side.get(side)))
                values += [_num(per_side.get(s)) for s in SIDES]
            writer.writerow(
                [
                    i,
                    hold.get("side") or "",
                    _num(hold.get("start_s"), 3),
                    _num(hold.get("seconds"), 3),
                    *values,
                ]
            )
    return out.getvalue()


def write_rep_table(path: Path, figures: ClinicalFigures, measures: list[str]) -> None:
    with replacing(path, what="rep table", text=True) as fh:
        fh.write(rep_table_csv(figures, measures))
