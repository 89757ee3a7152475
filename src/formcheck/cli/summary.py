"""The terminal summary of a session result (analyze, live)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}s"


def print_summary(title: str, result: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    reps = result.get("reps") or {}
    name = result.get("exercise_name") or result.get("exercise")
    table = Table(title=f"{title}: {name}", title_justify="left", show_header=False, min_width=64)
    table.add_column("what", style="bold")
    table.add_column("value")
    if result.get("partial"):
        table.add_row("note", "[yellow]partial result (interrupted, or the input failed midway)[/]")
    table.add_row("pose seen", f"{100 * float(result.get('pose_coverage') or 0):.0f}% of frames")
    if reps.get("total") is not None and (reps.get("total") or not result.get("holds")):
        by_side = ""
        if reps.get("left") is not None or reps.get("right") is not None:
            by_side = f"  (left {reps.get('left')}, right {reps.get('right')})"
        table.add_row("reps", f"{reps.get('total')}{by_side}")
        table.add_row("good / faulty", f"{reps.get('good', 0)} / {reps.get('faulty', 0)}")
    for hold in result.get("holds") or []:
        target = hold.get("target_s")
        done = "reached" if hold.get("completed") else f"target {target:.0f}s" if target else ""
        side = f" {hold['side']}" if hold.get("side") not in (None, "both") else ""
        table.add_row(
            f"hold{side}",
            f"{_fmt_s(hold.get('seconds'))} from {_fmt_s(hold.get('start_s'))}  {done}".rstrip(),
        )
    faults: dict[str, list[dict[str, Any]]] = {}
    for fault in result.get("faults") or []:
        faults.setdefault(str(fault.get("id")), []).append(fault)
    for fault_id, spans in faults.items():
        times = ", ".join(_fmt_s(f.get("start_s")) for f in spans[:6]) + (" …" if len(spans) > 6 else "")
        table.add_row(f"fault {fault_id}", f"{len(spans)}× at {times} — {spans[0].get('message', '')}")
    for notice in result.get("notices") or []:
        table.add_row("notice", f"{notice.get('message')} ({_fmt_s(notice.get('seconds'))})")
    console.print(table)
