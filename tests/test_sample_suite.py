"""The bundled sample suite: every synthetic case passes, every shared clip has a rule, and the
summary line has the documented form. (The accuracy figures over the real clips are measured by
`formcheck test samples/` and reported; they are targets, not assertions here.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from formcheck.suite import OK, SKIP, SuiteReport, run_suite

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
LINE = re.compile(
    r"^clips=\d+ rep_clips=\d+ exact=\d+ obo=\d+ mae=\S+ hold_clips=\d+ hold_ok=\d+ "
    r"hold_err_s=\S+ fault_precision=\S+ fault_recall=\S+$"
)


@pytest.fixture(scope="module")
def report() -> SuiteReport:
    return run_suite(SAMPLES)


def test_every_synthetic_case_is_within_tolerance(report: SuiteReport) -> None:
    synthetic = [r for r in report.rows if r.spec.synthetic]
    assert len(synthetic) >= 8
    failed = [f"{r.spec.key}: {r.message}" for r in synthetic if r.status != OK]
    assert not failed, failed


def test_every_sample_clip_has_a_rule_and_a_track(report: SuiteReport) -> None:
    real = [r for r in report.rows if not r.spec.synthetic]
    assert len(real) >= 39
    assert not [r.spec.key for r in real if r.status == SKIP]
    assert not [r.spec.key for r in real if r.status == "ERROR"]


def test_summary_lines_have_the_documented_form(report: SuiteReport) -> None:
    assert report.real is not None and report.synthetic is not None
    assert LINE.match(report.real.line()), report.real.line()
    assert LINE.match(report.synthetic.line()), report.synthetic.line()
