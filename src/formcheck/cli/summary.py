"""The terminal summary of a session result (analyze, live): what was counted, against the
dose, and where the outputs went."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


def _fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}s"


def _number(x: Any) -> str:
    return f"{x:g}" if isinstance(x, int | float) else str(x)


def dose_text(value: Any) -> str:
    """A dose number from the JSON (15, or [10, 15]) as people write it: "15", "10–15"."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{_number(value[0])}–{_number(value[1])}"
    return _number(value)


def _against(count: Any, dose_reps: Any) -> str:
    return f"{count}" if dose_reps is None else f"{count} of {dose_text(dose_reps)}"


def print_summary(
    title: str,
    result: dict[str, Any],
    console: Console | None = None,
    *,
    written: Sequence[Path | str] = (),
) -> None:
    """``written``: the outputs saved, listed under the table, one "written: PATH" line each
    ("-" is standard output)."""
    console = console or Console()
    dose_reps = (result.get("dose") or {}).get("reps")
    reps = result.get("reps") or {}
    name = result.get("exercise_name") or result.get("exercise")
    table = Table(title=f"{title}: {name}", title_justify="left", show_header=False, min_width=64)
    table.add_column("what", style="bold")
    table.add_column("value")
    if result.get("partial"):
        table.add_row("note", "[yellow]partial result (interrupted, or the input failed midway)[/]")
    recognised = result.get("recognition")
    if recognised:  # --exercise auto: how sure, and what came next
        alts = ", ".join(
            f"{a['id']} {100 * a['confidence']:.0f}%" for a in recognised.get("alternatives", [])[:2]
        )
        sure = f"{100 * float(recognised.get('confidence') or 0):.0f}%"
        table.add_row("recognised", f"{recognised.get('id')} {sure}" + (f"  (then {alts})" if alts else ""))
    table.add_row("pose seen", f"{100 * float(result.get('pose_coverage') or 0):.0f}% of frames")
    if reps.get("total") is not None and (reps.get("total") or not result.get("holds")):
        if reps.get("left") is not None or reps.get("right") is not None:
            # The dose is per side: each side against it.
            left, right = _against(reps.get("left"), dose_reps), _against(reps.get("right"), dose_reps)
            table.add_row("reps", f"{reps.get('total')}  (left {left}, right {right})")
        else:
            table.add_row("reps", _against(reps.get("total"), dose_reps))
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
        # How long it lasted; a moment (the end of a video cut short) has no length: when it was.
        lasted = notice.get("seconds")
        when = f"at {_fmt_s(notice.get('start_s'))}" if not lasted else _fmt_s(lasted)
        table.add_row("notice", f"{notice.get('message')} ({when})")
    console.print(table)
    for path in written:  # below the table: a path is never cut to fit a column
        where = "standard output" if str(path) == "-" else str(path)
        console.print(f"written: {where}", soft_wrap=True, markup=False, highlight=False)


def print_segments(
    title: str,
    result: dict[str, Any],
    console: Console | None = None,
    *,
    written: Sequence[Path | str] = (),
) -> None:
    """An input of several exercises (``formcheck.segments/1``): one table per segment."""
    console = console or Console()
    segments = result.get("segments") or []
    stopped = f", stopped at {_fmt_s(result.get('duration_s'))}" if result.get("partial") else ""
    console.print(
        f"{title}: {len(segments)} segment{'' if len(segments) == 1 else 's'} (--exercise auto){stopped}",
        markup=False,
        highlight=False,
    )
    for k, seg in enumerate(segments, start=1):
        span = f"segment {k}, {_fmt_s(seg.get('start_s'))}–{_fmt_s(seg.get('end_s'))}"
        if seg.get("exercise") is None:
            rec = seg.get("recognition") or {}
            first = (
                [{"id": rec["leading"], "confidence": rec.get("confidence", 0)}] if rec.get("leading") else []
            )
            likely = ", ".join(
                f"{a['id']} {100 * a['confidence']:.0f}%" for a in [*first, *rec.get("alternatives", [])][:3]
            )
            why = f" (likeliest: {likely})" if likely else ""
            console.print(
                f"{title} {span}: not sure which exercise{why}; nothing counted",
                markup=False,
                highlight=False,
            )
        else:
            print_summary(f"{title} {span}", seg, console)
    for path in written:
        where = "standard output" if str(path) == "-" else str(path)
        console.print(f"written: {where}", soft_wrap=True, markup=False, highlight=False)
