"""Judging one clip's session result against its expectations, and the suite's figures.

Pure functions over ``ClipSpec`` and a ``formcheck.session/1`` result dict, so the scoring can
be tested with small hand-made tables.

How things are compared (documented in ``samples/README.md``):

- **Reps**: the session's ``reps.total`` against the expected total; by side only where both
  the expectation and the session count sides. A clip is within tolerance when every compared
  count is off by at most ``tolerance.reps``.
- **Holds**: total held seconds per side (``left``, ``right``, ``both``; a hold without a
  side is ``both``), summed over the clip, expected (label spans) against reported
  (``holds[].seconds``; when the session lists no holds, the seconds held at rep peaks,
  ``rep_events[].hold_s``). The clip's hold error is the largest per-side difference, so a
  hold credited to the wrong side counts. Within tolerance when ≤ ``tolerance.hold_s``.
- **Faults**: a reported span matches a labelled one when the ids are equal and the spans
  overlap (with ``FAULT_SLACK_S`` of slack either side). Recall: labelled faults matched by
  some report. Precision: reported spans that match a label, counting only the ids the labels
  look for in that exercise (``SuiteSpec.checked_faults``): a labeller who marked knee valgus
  in squats looked for it in every squat clip, but never judged e.g. heel lift.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from formcheck.suite.spec import ClipSpec, Span

FAULT_SLACK_S = 0.5


@dataclass(frozen=True, slots=True)
class FaultScore:
    labelled: int = 0  # labelled fault spans
    found: int = 0  # of those, matched by a report
    reported: int = 0  # reported spans with a checked id
    correct: int = 0  # of those, matching a label

    def __add__(self, other: FaultScore) -> FaultScore:
        return FaultScore(
            self.labelled + other.labelled,
            self.found + other.found,
            self.reported + other.reported,
            self.correct + other.correct,
        )


@dataclass(frozen=True, slots=True)
class Judgement:
    """One clip: what was expected, what the session reported, and whether it is acceptable."""

    reps_expected: tuple[int | None, int | None, int | None] | None  # total, left, right
    reps_got: tuple[int | None, int | None, int | None]
    rep_error: int | None  # got - expected (total), None when not a rep clip
    hold_expected: dict[str, float]
    hold_got: dict[str, float]
    hold_error_s: float | None  # None when not a hold clip
    faults_expected: tuple[str, ...]
    faults_got: tuple[str, ...]  # every reported fault id, in order of first appearance
    fault_score: FaultScore
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def overlaps(
    a_start: float, a_end: float, b_start: float, b_end: float, slack: float = FAULT_SLACK_S
) -> bool:
    return a_start <= b_end + slack and b_start <= a_end + slack


def score_faults(
    labelled: Sequence[Span], reported: Sequence[Span], checked_ids: Iterable[str]
) -> FaultScore:
    """Match reported fault spans (label = id) to labelled ones by id and time overlap."""
    checked = set(checked_ids)

    def match(a: Span, b: Span) -> bool:
        return a.label == b.label and overlaps(a.start_s, a.end_s, b.start_s, b.end_s)

    considered = [r for r in reported if r.label in checked]
    return FaultScore(
        labelled=len(labelled),
        found=sum(any(match(lab, r) for r in reported) for lab in labelled),
        reported=len(considered),
        correct=sum(any(match(r, lab) for lab in labelled) for r in considered),
    )


def held_seconds(spans: Iterable[tuple[str | None, float]]) -> dict[str, float]:
    """Total seconds per side; a missing side means both legs."""
    out: dict[str, float] = {}
    for side, seconds in spans:
        key = side or "both"
        out[key] = out.get(key, 0.0) + float(seconds)
    return out


def hold_error(expected: Mapping[str, float], got: Mapping[str, float]) -> float:
    """The largest per-side difference in held seconds."""
    sides = set(expected) | set(got)
    return max((abs(got.get(s, 0.0) - expected.get(s, 0.0)) for s in sides), default=0.0)


def reported_holds(result: Mapping[str, Any]) -> dict[str, float]:
    holds = result.get("holds") or []
    if holds:
        return held_seconds((h.get("side"), h.get("seconds") or 0.0) for h in holds)
    return held_seconds(
        (r.get("side"), r["hold_s"]) for r in result.get("rep_events") or [] if r.get("hold_s")
    )


def judge(
    spec: ClipSpec,
    result: Mapping[str, Any],
    checked_ids: Iterable[str],
    aliases: Mapping[str, str] | None = None,
) -> Judgement:
    """Compare one session result (``SessionResult.to_dict()``) with its expectations.

    ``aliases`` renames reported fault ids to the label ids they stand for.
    """
    aliases = aliases or {}
    tol = spec.tolerance
    problems: list[str] = []
    reps = result.get("reps") or {}
    got = (reps.get("total"), reps.get("left"), reps.get("right"))
    rep_error: int | None = None
    expected_reps: tuple[int | None, int | None, int | None] | None = None
    if spec.reps is not None:
        expected_reps = (spec.reps.total, spec.reps.left, spec.reps.right)
        rep_error = int(got[0] or 0) - spec.reps.total
        if abs(rep_error) > tol.reps:
            problems.append(f"reps {got[0]} != {spec.reps.total}")
        for name, want, have in (("left", spec.reps.left, got[1]), ("right", spec.reps.right, got[2])):
            if want is not None and have is not None and abs(have - want) > tol.reps:
                problems.append(f"{name} reps {have} != {want}")

    hold_expected = held_seconds((h.label, h.seconds) for h in spec.holds)
    hold_got = reported_holds(result)
    err: float | None = None
    if spec.is_hold_clip:
        err = hold_error(hold_expected, hold_got)
        if err > tol.hold_s:
            problems.append(f"held time off by {err:.1f} s")

    reported = [
        Span(aliases.get(str(f["id"]), str(f["id"])), float(f["start_s"]), float(f["end_s"]))
        for f in result.get("faults") or []
    ]
    score = score_faults(spec.faults, reported, checked_ids)
    if tol.faults_strict:
        if score.found < score.labelled:
            missed = sorted(
                {
                    lab.label
                    for lab in spec.faults
                    if not any(
                        r.label == lab.label and overlaps(r.start_s, r.end_s, lab.start_s, lab.end_s)
                        for r in reported
                    )
                }
            )
            problems.append("missed fault " + ",".join(missed))
        if score.correct < score.reported:
            problems.append(f"{score.reported - score.correct} false fault span(s)")
    return Judgement(
        reps_expected=expected_reps,
        reps_got=got,
        rep_error=rep_error,
        hold_expected=hold_expected,
        hold_got=hold_got,
        hold_error_s=err,
        faults_expected=tuple(f.label for f in spec.faults),
        faults_got=tuple(dict.fromkeys(r.label for r in reported)),
        fault_score=score,
        problems=tuple(problems),
    )


@dataclass(frozen=True, slots=True)
class SuiteMetrics:
    clips: int
    rep_clips: int
    exact: int
    obo: int
    mae: float
    hold_clips: int
    hold_ok: int
    hold_err_s: float
    fault_precision: float
    fault_recall: float

    def line(self) -> str:
        return (
            f"clips={self.clips} rep_clips={self.rep_clips} exact={self.exact} obo={self.obo} "
            f"mae={_num(self.mae, 3)} hold_clips={self.hold_clips} hold_ok={self.hold_ok} "
            f"hold_err_s={_num(self.hold_err_s, 2)} fault_precision={_num(self.fault_precision, 3)} "
            f"fault_recall={_num(self.fault_recall, 3)}"
        )


def _num(value: float, digits: int) -> str:
    return "nan" if math.isnan(value) else f"{value:.{digits}f}"


def relative_rep_error(expected: int, got: int) -> float:
    """|got - expected| / expected; with nothing expected, the count itself (0 is exact)."""
    return abs(got - expected) / max(expected, 1)


def summarize(
    judged: Sequence[tuple[int | None, int | None, float | None, FaultScore]],
    *,
    hold_ok_s: float = 2.0,
) -> SuiteMetrics:
    """Suite figures from (expected reps, reported reps, hold error, fault score) per clip.

    Expected reps None: not a rep clip; hold error None: not a hold clip. Figures with nothing
    to average over are NaN.
    """
    reps = [(e, int(g or 0)) for e, g, _, _ in judged if e is not None]
    holds = [h for _, _, h, _ in judged if h is not None]
    faults = sum((s for *_, s in judged), FaultScore())
    nan = float("nan")
    return SuiteMetrics(
        clips=len(judged),
        rep_clips=len(reps),
        exact=sum(g == e for e, g in reps),
        obo=sum(abs(g - e) <= 1 for e, g in reps),
        mae=statistics.fmean(relative_rep_error(e, g) for e, g in reps) if reps else nan,
        hold_clips=len(holds),
        hold_ok=sum(h <= hold_ok_s for h in holds),
        hold_err_s=statistics.median(holds) if holds else nan,
        fault_precision=faults.correct / faults.reported if faults.reported else nan,
        fault_recall=faults.found / faults.labelled if faults.labelled else nan,
    )
