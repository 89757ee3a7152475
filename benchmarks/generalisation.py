"""How much the rules depend on the clips they were tuned on: the sample suite replayed as other
cameras and people would give it (``formcheck test --variant``), one summary line per variant.

``python benchmarks/generalisation.py [--variant NAME ...]``

A rule that only works for the way one clip was filmed shows up here: its clip passes plain and
fails mirrored, tilted, at half the frame rate, with noisier landmarks or at another tempo. The
figures are the suite's own (real clips, each part of the split, then synthetic tracks) plus
the clips whose status differs from the plain run; those of the untouched part are counted, not
named (they are the clips not to look at while tuning, samples/README.md). Accuracy, not speed:
no timing, one pass.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from formcheck.suite import OK, ClipRow, SuiteReport, run_suite
from formcheck.suite.variants import VARIANTS

REPO = Path(__file__).resolve().parent.parent


def _statuses(report: SuiteReport) -> dict[str, str]:
    return {r.spec.key: r.status for r in report.rows}


def _changed(plain: SuiteReport, other: SuiteReport) -> list[str]:
    before = _statuses(plain)
    rows: list[ClipRow] = [r for r in other.rows if before.get(r.spec.key) != r.status]
    lines = [
        f"{r.spec.key} {before.get(r.spec.key)}->{r.status} ({r.message})"
        for r in rows
        if r.part != "untouched"
    ]
    unnamed = [r for r in rows if r.part == "untouched"]
    if unnamed:
        worse = sum(1 for r in unnamed if before.get(r.spec.key) == OK)
        lines.append(f"{len(unnamed)} of the untouched part, not named ({worse} of them OK in the plain run)")
    return lines


def _lines(report: SuiteReport) -> None:
    print(f"{'':<10} {report.real.line() if report.real else '-'}")
    for part, metrics in report.parts.items():
        print(f"{'':<10} {part}: {metrics.line()}")
    print(f"{'':<10} synthetic: {report.synthetic.line() if report.synthetic else '-'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=REPO / "samples")
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS), help="default: all")
    args = parser.parse_args()
    names = args.variant or list(VARIANTS)

    plain = run_suite(args.samples)
    print(f"{'plain':<10} the committed tracks as recorded")
    _lines(plain)
    print(f"{'':<10} outside tolerance: {len(plain.failures)}")
    worse = 0
    for name in names:
        report = run_suite(args.samples, variant=VARIANTS[name])
        print(f"\n{name:<10} {VARIANTS[name].description}")
        _lines(report)
        changes = _changed(plain, report)
        before = _statuses(plain)
        worse += sum(1 for r in report.rows if before.get(r.spec.key) == OK != r.status)
        print(f"{'':<10} outside tolerance: {len(report.failures)}; status changed: {len(changes)}")
        for line in changes:
            print(f"{'':<12}{line}")
    print(f"\nclips that pass plain but fail a variant: {worse} (over {len(names)} variants)")
    # Not a transform: the same videos recorded again by the one-person landmarker, which follows
    # the previous frame's landmarks where the default two-person one detects on every frame.
    one_person = args.samples / "tracks-1p"
    if one_person.is_dir():
        report = run_suite(args.samples, tracks_dir=one_person)
        print(f"\n{'one-person':<10} the videos recorded with --max-people 1 ({one_person.name}/)")
        _lines(report)
        changes = _changed(plain, report)
        print(f"{'':<10} outside tolerance: {len(report.failures)}; status changed: {len(changes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
