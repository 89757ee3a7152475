"""The summary table printed after an analysis: what each notice row says."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from formcheck.cli.summary import print_summary


@pytest.mark.parametrize(
    ("notice", "shown"),
    [
        ({"message": "turn side-on", "start_s": 2.0, "end_s": 6.2, "seconds": 4.2}, "turn side-on (4.2s)"),
        # a moment, not a stretch: the end of a video cut short says when, not "0.0s"
        ({"message": "the file is cut short", "start_s": 8.2, "end_s": 8.2, "seconds": 0.0},
         "the file is cut short (at 8.2s)"),
    ],
)  # fmt: skip
def test_a_notice_row_says_how_long_it_lasted_or_when(notice: dict[str, object], shown: str) -> None:
    out = io.StringIO()
    result = {"exercise_name": "Squat", "frames": 10, "pose_coverage": 1.0, "notices": [notice]}
    print_summary("clip.mp4", result, Console(file=out, width=200))
    (row,) = [line for line in out.getvalue().splitlines() if "notice" in line]
    assert shown in row
