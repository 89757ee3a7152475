"""Routine files: the bundled ones are valid and say what the programme says; every kind of
mistake gives one line naming file, line and field (with a caret, and a suggestion)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.errors import RuleError
from formcheck.routines import list_routines, load_routine, plan, validate_file
from shared_data import SHARED_SAMPLES

# The programme's 20 exercises in the reference table's order (../shared/reference/exercises.md).
RUNNERS_KNEE = [
    "quad-stretch",
    "side-lunge-stretch",
    "hamstring-stretch",
    "hip-flexor-stretch",
    "standing-calf-stretch",
    "it-band-stretch",
    "calf-wall-stretch",
    "glute-stretch",
    "inner-thigh-stretch",
    "straight-leg-raise",
    "clamshell",
    "glute-bridge",
    "lateral-toe-tap",
    "wall-squat",
    "stair-calf-stretch",
    "side-lying-leg-lift",
    "wall-slide",
    "bridge-kick",
    "step-up",
    "donkey-kick",
]
REFERENCE = SHARED_SAMPLES.parent / "reference" / "exercises.md"


def test_bundled_routines_are_valid_and_runners_knee_is_the_programme() -> None:
    routines = {r.id: r for r in list_routines()}
    assert {"runners-knee", "knee-daily"} <= set(routines)
    knee = routines["runners-knee"]
    assert [e.exercise for e in knee.entries] == RUNNERS_KNEE
    assert "warm up" in knee.note.lower() and "5-7 minutes" in knee.note
    if REFERENCE.is_file():  # the table itself, when the shared folder is there
        table = re.findall(r"^\| (\d+) \| ([a-z-]+) \|", REFERENCE.read_text(), re.M)
        assert [ex for _, ex in table] == RUNNERS_KNEE
    doses = {p.id: p for p in plan(knee)}
    # The article's doses, counted at the low end of a range.
    assert (doses["wall-squat"].reps, doses["wall-squat"].hold_s, doses["wall-squat"].sets) == (15, 5, 1)
    assert (doses["hamstring-stretch"].hold_s, doses["hamstring-stretch"].sets) == (30, 3)
    assert doses["hamstring-stretch"].per_side and doses["clamshell"].per_side
    assert (doses["clamshell"].reps, doses["clamshell"].sets) == (10, 2)
    assert not doses["clamshell"].sides_counted  # the rule cannot tell the sides: done in halves
    assert all(p.rest_s == 20 for p in doses.values())


def test_overrides_change_the_dose_and_the_timed_hold(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "format: 1\nid: mine\nname: Mine\nrest_s: 5\nexercises:\n"
        "  - exercise: quad-stretch\n    hold_s: 20\n    sets: 2\n    rest_s: 0\n"
        "  - exercise: squat\n    reps: [6, 8]\n    note: slowly\n"
    )
    quad, squat = plan(validate_file(path))
    assert (quad.hold_s, quad.sets, quad.rest_s) == (20, 2, 0)
    assert quad.exercise.hold is not None and quad.exercise.hold.target_s == 20  # the engine times 20 s
    assert (squat.reps, squat.sets, squat.rest_s, squat.note) == (6, 2, 5, "slowly")  # sets: the rule's
    assert quad.dose_text() == "hold 20 s per side, 2 times"
    assert squat.dose_text() == "2 sets of 6 reps"


BASE = "format: 1\nid: bad\nname: Bad\nexercises:\n"
ERRORS = [
    # (file text, expected message part, expected line)
    (
        BASE + "  - exercise: wall-sqat\n",
        "exercises[0].exercise: unknown exercise 'wall-sqat' (did you mean 'wall-squat'?)",
        5,
    ),
    (
        BASE + "  - exercise: squat\n    rep: 5\n",
        "exercises[0].rep: unknown field 'rep' (did you mean 'reps'?)",
        6,
    ),
    (BASE + "  - exercise: quad-stretch\n    reps: 5\n", "quad-stretch is a timed hold: it has no reps", 6),
    (BASE + "  - exercise: squat\n    hold_s: 5\n", "squat has no hold to time", 6),
    (BASE + "  - exercise: squat\n    sets: 1.5\n", "exercises[0].sets: expected whole numbers", 6),
    (BASE + "  - exercise: squat\n    reps: -2\n", "exercises[0].reps: must be greater than 0", 6),
    (BASE + "  - squat\n", "exercises[0]: expected a mapping like 'exercise: squat', got text", 5),
    (BASE + "  - reps: 5\n", "exercises[0]: missing required field 'exercise'", 5),
    (BASE.replace("exercises:\n", "exercises: []\n"), "the list of exercises is empty", 4),
    (BASE.replace("format: 1", "format: 2") + "  - exercise: squat\n", "unsupported format 2", 1),
    (
        BASE.replace("id: bad", "id: good") + "  - exercise: squat\n",
        "id 'good' must match the file name 'bad'",
        2,
    ),
    (
        BASE.replace("name: Bad", "nmae: Bad") + "  - exercise: squat\n",
        "unknown field 'nmae' (did you mean 'name'?)",
        3,
    ),
    ("rest_s: 30\n" + BASE + "  - exercise: squat\n", "", 0),  # valid: order does not matter
    (BASE.replace("exercises:", "rest_s: 900\nexercises:") + "  - exercise: squat\n", "is it minutes?", 4),
    (BASE.replace("exercises:", "rest_s: -1\nexercises:") + "  - exercise: squat\n", "0 or more seconds", 4),
    (BASE + "  - exercise: squat\n   reps: 5\n", "not valid YAML", 6),
]


@pytest.mark.parametrize(("text", "message", "line"), ERRORS)
def test_each_kind_of_error_names_file_line_and_field(
    tmp_path: Path, text: str, message: str, line: int
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    if not message:
        validate_file(path)
        return
    with pytest.raises(RuleError) as info:
        validate_file(path)
    err = info.value
    assert err.message.startswith(f"{path}:{line}:"), err.message
    assert message in err.message
    assert "\n" not in err.message
    if "YAML" not in message:
        assert err.detail is not None and err.detail.rstrip().endswith("^")  # the caret under the value


def test_empty_and_unreadable_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(RuleError, match="the file is empty"):
        validate_file(empty)
    with pytest.raises(RuleError, match="cannot read routine file"):
        validate_file(tmp_path / "missing.yaml")
    with pytest.raises(RuleError, match=r"unknown routine 'runners-kne' \(did you mean 'runners-knee'\?\)"):
        load_routine("runners-kne")


def test_user_routines_override_bundled_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "knee-daily.yaml").write_text(
        "format: 1\nid: knee-daily\nname: My daily\nexercises:\n  - exercise: squat\n"
    )
    assert load_routine("knee-daily", [mine]).name == "My daily"
    assert load_routine("knee-daily").name != "My daily"
    monkeypatch.setenv("FORMCHECK_ROUTINES_PATH", str(mine))
    assert load_routine("knee-daily").name == "My daily"
    other = tmp_path / "other"
    other.mkdir()
    (other / "knee-daily.yaml").write_text((mine / "knee-daily.yaml").read_text())
    with pytest.raises(RuleError, match="duplicate routine id 'knee-daily'"):
        load_routine("knee-daily", [other])


def test_routine_naming_a_user_rule(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    bundled = Path(__file__).resolve().parents[1] / "rules" / "squat.yaml"
    (rules / "my-squat.yaml").write_text(bundled.read_text().replace("id: squat", "id: my-squat"))
    path = tmp_path / "r.yaml"
    path.write_text("format: 1\nid: r\nname: R\nexercises:\n  - exercise: my-squat\n")
    with pytest.raises(RuleError, match="unknown exercise 'my-squat'"):
        validate_file(path)
    assert validate_file(path, [rules]).entries[0].exercise == "my-squat"


def test_cli_validate_list_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routines", "validate"]) == 0
    assert "routine files valid" in capsys.readouterr().out
    assert main(["routines", "list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"runners-knee\s+20\s+Runner's knee programme", out)
    assert main(["routines", "show", "runners-knee"]) == 0
    out = capsys.readouterr().out
    assert "14. Wall squat [wall-squat]: 15 reps, holding 5 s (side view, rest 20 s)" in out
    assert "Before you start: Warm up first" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE + "  - exercise: wall-sqat\n")
    assert main(["routines", "validate", str(bad)]) == 7
    err = capsys.readouterr().err
    assert f"formcheck: error: {bad}:5: exercises[0].exercise: unknown exercise 'wall-sqat'" in err
    assert "Traceback" not in err
    assert main(["routine", "no-such-routine", "--no-window"]) == 7
    assert "unknown routine 'no-such-routine'" in capsys.readouterr().err
