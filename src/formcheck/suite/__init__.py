"""The sample suite behind ``formcheck test``: expectations (``spec``), scoring (``metrics``)
and the run over every clip (``runner``)."""

from formcheck.suite.runner import ERROR, FAIL, OK, SKIP, ClipRow, SuiteReport, run_suite

__all__ = ["ERROR", "FAIL", "OK", "SKIP", "ClipRow", "SuiteReport", "run_suite"]
