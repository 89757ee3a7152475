"""The batch summary: ``summary.csv`` (one row per input) and ``index.html`` (the same table, each
input linked to its report and files), written beside the per-input outputs.

Both are rewritten whole at the end of every run (also an interrupted one), from this run's
outcomes and the earlier runs' records of the inputs it skipped.
"""

from __future__ import annotations

import csv
import html
import io
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from formcheck import __version__
from formcheck.batch.inputs import BatchItem
from formcheck.batch.task import NOT_RUN, ItemOutcome
from formcheck.files import replacing
from formcheck.render.report_style import CSS

SUMMARY_CSV = "summary.csv"
INDEX_HTML = "index.html"
# Fixed columns; one ``fault:<id>`` column per fault id seen in the batch follows them.
COLUMNS = (
    "input",
    "name",
    "exercise",
    "status",
    "skipped",
    "reps_total",
    "reps_left",
    "reps_right",
    "good",
    "faulty",
    "hold_s",
    "pose_coverage",
    "view",
    "duration_s",
    "frames",
    "error",
    "report",
    "json",
    "csv",
    "video",
    "worker",
    "seconds",
)


def row(item: BatchItem, outcome: ItemOutcome | None) -> dict[str, Any]:
    """One input's summary row (``outcome`` None: the batch stopped before it ran)."""
    out: dict[str, Any] = {"input": str(item.path), "name": item.name, "exercise": item.exercise}
    if outcome is None:
        return {**out, "status": NOT_RUN, "error": "interrupted before this input ran"}
    result = outcome.result or {}
    reps = result.get("reps") or {}
    view = result.get("view") or {}
    holds = result.get("holds") or []
    faults = Counter(str(f.get("id")) for f in result.get("faults") or [])
    out.update(
        status=outcome.status,
        skipped="yes" if outcome.skipped else "",
        reps_total=reps.get("total"),
        reps_left=reps.get("left"),
        reps_right=reps.get("right"),
        good=reps.get("good"),
        faulty=reps.get("faulty"),
        hold_s=round(sum(float(h.get("seconds") or 0) for h in holds), 2) if holds else None,
        pose_coverage=result.get("pose_coverage"),
        view=view.get("detected"),
        duration_s=result.get("duration_s"),
        frames=result.get("frames"),
        error=outcome.error,
        worker=outcome.worker,
        seconds=round(outcome.seconds, 2) if outcome.seconds else None,
        **{kind: path for kind, path in outcome.outputs.items()},
    )
    out.update({f"fault:{fid}": n for fid, n in faults.items()})
    return out


def columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    fault_columns = sorted({k for r in rows for k in r if k.startswith("fault:")})
    return [*COLUMNS, *fault_columns]


def write_summary_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    names = columns(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        values = {k: ("" if r.get(k) is None else r.get(k)) for k in names}
        for k in names:
            if k.startswith("fault:") and values[k] == "" and r.get("status") in ("ok", "partial"):
                values[k] = 0
        writer.writerow(values)
    with replacing(path, what="batch summary", text=True) as fh:
        fh.write(buffer.getvalue())


def _link(folder: Path, target: Any, text: str) -> str:
    if not target:
        return ""
    href = os.path.relpath(Path(target), folder).replace(os.sep, "/")
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "<td></td>"
    if isinstance(value, float):
        return f"<td>{value:.3g}</td>" if abs(value) < 10 else f"<td>{value:.1f}</td>"
    return f"<td>{html.escape(str(value))}</td>"


# The report's stylesheet, widened: a batch table has many columns and long input names.
_INDEX_CSS = (
    "main { max-width: none; } th, td.name, td.nw { white-space: nowrap; } td.err { color: var(--bad); }"
)


def render_index(folder: Path, rows: Sequence[dict[str, Any]], *, title: str = "formcheck batch") -> str:
    faults = [c for c in columns(rows) if c.startswith("fault:")]
    counts = Counter(str(r.get("status")) for r in rows)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    head = [
        "input",
        "exercise",
        "status",
        "reps",
        "left / right",
        "good / faulty",
        "hold s",
        "pose seen",
        "view",
        "duration s",
        *[f.removeprefix("fault:") for f in faults],
        "files",
        "error",
    ]
    lines = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{CSS}\n{_INDEX_CSS}</style></head>",
        f"<body><main><header><h1>{html.escape(title)}</h1>",
        f'<p class="sub">{len(rows)} inputs: {html.escape(summary)}. '
        f"One row per input; the name opens its report. formcheck {html.escape(__version__)}.</p></header>",
        "<table><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr></thead><tbody>",
    ]
    for r in rows:
        name = str(r.get("name"))
        first = _link(folder, r.get("report"), name) or html.escape(name)
        status = str(r.get("status"))
        style = "good" if status == "ok" else "bad"
        skipped = " (earlier run)" if r.get("skipped") else ""
        left_right = "" if r.get("reps_left") is None else f"{r.get('reps_left')} / {r.get('reps_right')}"
        good_faulty = "" if r.get("good") is None else f"{r.get('good')} / {r.get('faulty')}"
        coverage = r.get("pose_coverage")
        files = " ".join(
            link for link in (_link(folder, r.get(k), k) for k in ("report", "json", "csv", "video")) if link
        )
        cells = [
            f'<td class="name" title="{html.escape(str(r.get("input")), quote=True)}">{first}</td>',
            _cell(r.get("exercise")),
            f'<td class="nw {style}">{html.escape(status)}{skipped}</td>',
            _cell(r.get("reps_total")),
            _cell(left_right),
            _cell(good_faulty),
            _cell(r.get("hold_s")),
            _cell(None if coverage is None else f"{100 * float(coverage):.0f}%"),
            _cell(r.get("view")),
            _cell(r.get("duration_s")),
            *[_cell(r.get(f)) for f in faults],
            f'<td class="nw">{files}</td>',
            f'<td class="err">{html.escape(str(r.get("error") or ""))}</td>',
        ]
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines += ["</tbody></table>", "</main></body></html>", ""]
    return "\n".join(lines)


def write_index_html(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    text = render_index(path.parent, rows)
    with replacing(path, what="batch index", text=True) as fh:
        fh.write(text)
