"""One CSV row per frame with the measures, phase, reps, faults and events."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from formcheck.pipeline import Step
from formcheck.pose import PoseFrame
from formcheck.render.csv_writer import CsvSink
from render_support import ActiveFault, Event, report, squat_exercise


def step(**overrides: object) -> Step:
    r = report(**overrides)
    return Step(None, PoseFrame(0, r.t_ms, r.image_size, ()), r)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_one_row_per_frame_with_every_column(tmp_path: Path) -> None:
    out = tmp_path / "frames.csv"
    sink = CsvSink(out, squat_exercise(per_side=True))
    measures = {"knee_flexion.left": 12.345, "knee_flexion.right": None, "trunk_lean.left": 0.5}
    sink.write(step(t_ms=0, measures=measures, phase="rest", reps={"total": 0}))
    sink.write(
        step(
            t_ms=33,
            measures={**measures, "knee_flexion.left": 85.0},
            phase="peak",
            side="left",
            reps={"total": 1},
            faults=[
                ActiveFault("knee_valgus", "left", "warning", "m", "c"),
                ActiveFault("trunk_forward", None, "stop", "m", "c"),
            ],
            events=[Event("rep", 0.033, "left"), Event("fault_start", 0.033, "left", {"id": "knee_valgus"})],
        )
    )
    sink.finish(None)
    sink.close()
    with out.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == [
        "t_s", "knee_flexion.left", "knee_flexion.right", "trunk_lean.left",
        "phase", "side", "reps_total", "faults", "events",
    ]  # fmt: skip
    rows = read(out)
    assert len(rows) == 2
    assert rows[0] == {
        "t_s": "0.000", "knee_flexion.left": "12.35", "knee_flexion.right": "", "trunk_lean.left": "0.5",
        "phase": "rest", "side": "", "reps_total": "0", "faults": "", "events": "",
    }  # fmt: skip
    assert rows[1]["t_s"] == "0.033"
    assert rows[1]["knee_flexion.left"] == "85.00"
    assert rows[1]["side"] == "left" and rows[1]["reps_total"] == "1"
    assert rows[1]["faults"] == "knee_valgus:left;trunk_forward"
    assert rows[1]["events"] == "rep:left;fault_start:knee_valgus:left"


def test_empty_run_writes_the_header_from_the_rule(tmp_path: Path) -> None:
    out = tmp_path / "empty.csv"
    sink = CsvSink(out, squat_exercise())
    sink.finish(None)
    sink.close()
    assert out.read_text().splitlines() == ["t_s,knee_flexion,trunk_lean,phase,side,reps_total,faults,events"]


def test_crash_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "crash.csv"
    sink = CsvSink(out, squat_exercise())
    sink.write(step())
    sink.close()
    assert list(tmp_path.iterdir()) == []


def test_nan_is_an_empty_cell(tmp_path: Path) -> None:
    out = tmp_path / "nan.csv"
    sink = CsvSink(out, squat_exercise())
    sink.write(step(measures={"knee_flexion": float(np.nan), "trunk_lean": 1.0}))
    sink.finish(None)
    assert read(out)[0]["knee_flexion"] == ""
