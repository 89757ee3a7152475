# ruff: noqa: E501  (expected messages are pinned verbatim, one per line)
"""Every kind of broken rule file gets a precise one-line error naming file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from formcheck.errors import RuleError
from formcheck.rules import list_exercises, load_exercise, rule_paths, validate_file

BASE = textwrap.dedent("""\
    format: 1
    id: demo
    name: Demo squat
    view: side
    dose:
      reps: 10
    measures:
      knee_flexion:
        kind: angle
        points: [hip, knee, ankle]
        convention: flexion
        side: nearer
    reps:
      measure: knee_flexion
      rest: 20
      peak: 40
    faults:
      - id: too_deep
        when: {measure: knee_flexion, above: 60}
        message: Too deep
        cue: Not so deep
        explain: You went too deep.
    """)

# (case, replace this, with this, expected line, expected message after "demo.yaml:LINE: ")
CASES = [
    ("yaml syntax", "name: Demo squat", "name: [Demo", 4, "not valid YAML: expected ',' or ']', but got ':'"),
    ("missing field", "name: Demo squat\n", "", 1, "missing required field 'name'"),
    (
        "typo field",
        "view: side",
        "view: side\nveiw: front",
        5,
        "veiw: unknown field 'veiw' (did you mean 'view'?)",
    ),
    ("wrong type", "rest: 20", "rest: low", 15, "reps.rest: expected a number, got text"),
    (
        "bad enum",
        "view: side",
        "view: sidee",
        4,
        "view: unknown view 'sidee' (did you mean 'side'?); expected one of side, front, any",
    ),
    (
        "bad posture",
        "view: side",
        "view: side\nposture: standin",
        5,
        "posture: unknown posture 'standin' (did you mean 'standing'?); expected one of standing, lying-on-back, lying-on-side, kneeling, seated, on-all-fours",
    ),
    (
        "unknown landmark",
        "[hip, knee, ankle]",
        "[hip, kne, ankle]",
        10,
        "measures.knee_flexion.points[1]: unknown landmark 'kne' (did you mean 'knee'?)",
    ),
    (
        "unknown measure",
        "{measure: knee_flexion, above: 60}",
        "{measure: knee_flex, above: 60}",
        19,
        "faults[0].when.measure: unknown measure 'knee_flex' (did you mean 'knee_flexion'?)",
    ),
    (
        "threshold range",
        "above: 60",
        "above: 600",
        19,
        "faults[0].when.above: threshold 600 is out of range for angle measure 'knee_flexion' (expected 0 to 180°)",
    ),
    (
        "rest equals peak",
        "peak: 40",
        "peak: 20",
        16,
        "reps.peak: peak must differ from rest (both 20); the gap between them stops jitter double-counting",
    ),
    (
        "negative duration",
        "  peak: 40\n",
        "  peak: 40\n  min_duration_s: -1\n",
        17,
        "reps.min_duration_s: a duration must be 0 or more seconds, got -1",
    ),
    (
        "bad format",
        "format: 1",
        "format: 2",
        1,
        "format: unsupported format 2; this formcheck reads format 1",
    ),
    (
        "empty conditions",
        "{measure: knee_flexion, above: 60}",
        "{all: []}",
        19,
        "faults[0].when.all: 'all' needs at least one condition",
    ),
    (
        "angle points",
        "[hip, knee, ankle]",
        "[hip, knee]",
        10,
        "measures.knee_flexion.points: an angle measure takes 3 points, got 2 (the middle one is the joint)",
    ),
    ("id vs file name", "id: demo", "id: other", 2, "id: id 'other' must match the file name 'demo'"),
    (
        "fault id case",
        "id: too_deep",
        "id: TooDeep",
        18,
        "faults[0].id: fault id 'TooDeep' must be snake_case (like 'knee_valgus')",
    ),
    ("duplicate key", "view: side", "view: side\nview: front", 5, "view: field 'view' given twice"),
    (
        "working side without each",
        "side: nearer",
        "side: working",
        12,
        "measures.knee_flexion.side: side 'working' needs reps or hold counted for each side (sides: each)",
    ),
    (
        "and with or",
        "  peak: 40\n",
        "  peak: 40\n  and: [{measure: knee_flexion, rest: 20, peak: 40}]\n  or: [{measure: knee_flexion, rest: 20, peak: 40}]\n",
        18,
        "reps.or: give either 'and' or 'or', not both",
    ),
    (
        "instead with and",
        "  peak: 40\n",
        "  peak: 40\n  and: [{measure: knee_flexion, rest: 20, peak: 40}]\n  instead: [{measure: knee_flexion, rest: 20, peak: 40}]\n",
        18,
        "reps.instead: 'instead' replaces a single movement: not with 'and' or 'or'",
    ),
    (
        "typo in a movement",
        "  peak: 40\n",
        "  peak: 40\n  and: [{measure: knee_flexion, rest: 20, peek: 40}]\n",
        17,
        "reps.and[0].peek: unknown field 'peek' (did you mean 'peak'?)",
    ),
    (
        "empty and",
        "  peak: 40\n",
        "  peak: 40\n  and: []\n",
        17,
        "reps.and: expected a list of movements ({measure, rest, peak})",
    ),
    (
        "steady typo",
        "  peak: 40\n",
        "  peak: 40\n  steady: [{measure: knee_flexion, witin: 10}]\n",
        17,
        "reps.steady[0].witin: unknown field 'witin' (did you mean 'within'?)",
    ),
    (
        "steady on an unknown measure",
        "  peak: 40\n",
        "  peak: 40\n  steady: [{measure: knee_flexon, within: 10}]\n",
        17,
        "reps.steady[0].measure: unknown measure 'knee_flexon' (did you mean 'knee_flexion'?)",
    ),
    (
        "steady within 0",
        "  peak: 40\n",
        "  peak: 40\n  steady: [{measure: knee_flexion, within: 0}]\n",
        17,
        "reps.steady[0].within: must be above 0 (how far 'knee_flexion' may range in a rep)",
    ),
    (
        "steady not a list",
        "  peak: 40\n",
        "  peak: 40\n  steady: {measure: knee_flexion, within: 10}\n",
        17,
        "reps.steady: expected a list of {measure, within}",
    ),
    (
        "reaches typo",
        "  peak: 40\n",
        "  peak: 40\n  reaches: [{measure: knee_flexion, abve: 30}]\n",
        17,
        "reps.reaches[0].abve: unknown field 'abve' (did you mean 'above'?)",
    ),
    (
        "reaches with both levels",
        "  peak: 40\n",
        "  peak: 40\n  reaches: [{measure: knee_flexion, above: 30, below: 50}]\n",
        17,
        "reps.reaches[0]: give either 'above' or 'below' for 'knee_flexion' (the level it goes past)",
    ),
    (
        "never on an unknown measure",
        "  peak: 40\n",
        "  peak: 40\n  never: [{measure: knee_flexon, above: 30}]\n",
        17,
        "reps.never[0].measure: unknown measure 'knee_flexon' (did you mean 'knee_flexion'?)",
    ),
    (
        "never out of range",
        "  peak: 40\n",
        "  peak: 40\n  never: [{measure: knee_flexion, above: 300}]\n",
        17,
        "reps.never[0].above: threshold 300 is out of range for angle measure 'knee_flexion' (expected 0 to 180°)",
    ),
    (
        "reaches on a place in the picture",
        "    side: nearer\nreps:\n  measure: knee_flexion\n  rest: 20\n  peak: 40\n",
        "    side: nearer\n  hip_height: {kind: elevation, points: [hip], side: mean}\nreps:\n  measure: knee_flexion\n  rest: 20\n  peak: 40\n  reaches: [{measure: hip_height, above: 0.1}]\n",
        18,
        "reps.reaches[0].measure: 'hip_height' is where a point is in the picture (elevation), which only means something as a change: use it in reps (with from_rest_level: true) or in steady, not in reaches",
    ),
    (
        "reaches not a list",
        "  peak: 40\n",
        "  peak: 40\n  reaches: {measure: knee_flexion, above: 30}\n",
        17,
        "reps.reaches: expected a list of {measure, above} or {measure, below}",
    ),
    (
        "elevation read as a level",
        "    side: nearer\nreps:\n  measure: knee_flexion\n  rest: 20\n  peak: 40\n",
        "    side: nearer\n  hip_height: {kind: elevation, points: [hip], side: mean}\nreps:\n  measure: hip_height\n  rest: 0.1\n  peak: 0.2\n",
        15,
        "reps.measure: 'hip_height' is where a point is in the picture (elevation), which only means something as a change: add 'from_rest_level: true'",
    ),
    (
        "elevation movement as a level",
        "    side: nearer\nreps:",
        "    side: nearer\n  hip_height: {kind: elevation, points: [hip], side: mean}\nreps:\n  and: [{measure: hip_height, rest: 0.1, peak: 0.2}]",
        15,
        "reps.and[0].measure: 'hip_height' is where a point is in the picture (elevation), which only means something as a change: add 'from_rest_level: true'",
    ),
    (
        "elevation in world space",
        "    side: nearer\n",
        "    side: nearer\n  hip_height: {kind: elevation, points: [hip], side: mean, space: world}\n",
        13,
        "measures.hip_height.space: elevation is where a point is in the picture: world landmarks are centred on the hips, so they never rise or move across",
    ),
    (
        "elevation in a fault",
        "    side: nearer\nreps:\n  measure: knee_flexion\n  rest: 20\n  peak: 40\nfaults:\n  - id: too_deep\n    when: {measure: knee_flexion, above: 60}",
        "    side: nearer\n  hip_height: {kind: elevation, points: [hip], side: mean}\nreps:\n  measure: knee_flexion\n  rest: 20\n  peak: 40\nfaults:\n  - id: too_deep\n    when: {measure: hip_height, above: 0.1}",
        20,
        "faults[0].when.measure: 'hip_height' is where a point is in the picture (elevation), which only means something as a change: use it in reps (with from_rest_level: true) or in steady, not in a condition",
    ),
    (
        "across in a fault",
        "    side: nearer\nreps:\n  measure: knee_flexion\n  rest: 20\n  peak: 40\nfaults:\n  - id: too_deep\n    when: {measure: knee_flexion, above: 60}",
        "    side: nearer\n  hips_across: {kind: across, points: [hip], side: mean}\nreps:\n  measure: knee_flexion\n  rest: 20\n  peak: 40\nfaults:\n  - id: too_deep\n    when: {measure: hips_across, below: 0.1}",
        20,
        "faults[0].when.measure: 'hips_across' is where a point is in the picture (across), which only means something as a change: use it in reps (with from_rest_level: true) or in steady, not in a condition",
    ),
    (
        "across with two points",
        "    side: nearer\n",
        "    side: nearer\n  hips_across: {kind: across, points: [hip, ankle], side: mean}\n",
        13,
        "measures.hips_across.points: an across measure takes 1 point, got 2",
    ),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_base_rule_is_valid(tmp_path: Path) -> None:
    ex = validate_file(_write(tmp_path, BASE))
    assert (ex.id, ex.kind, ex.reps.rising if ex.reps else None) == ("demo", "reps", True)


@pytest.mark.parametrize(("old", "new", "line", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_rule_message(tmp_path: Path, old: str, new: str, line: int, message: str) -> None:
    assert old in BASE
    path = _write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(RuleError) as info:
        validate_file(path)
    assert info.value.message == f"{path}:{line}: {message}"


def test_caret_points_at_bad_value(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE.replace("measure: knee_flexion, above", "measure: knee_flex, above"))
    with pytest.raises(RuleError) as info:
        validate_file(path)
    assert info.value.detail is not None
    line, caret = info.value.detail.splitlines()
    assert line.strip() == "when: {measure: knee_flex, above: 60}"
    assert line[caret.index("^") :].startswith("knee_flex")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- just\n- a list\n",
            "1: expected a mapping with format, id, name, ... at the top level, got a list",
        ),
        ("", " the file is empty; expected a rule (a mapping with format, id, ...)"),
        ("a: &x [*x]\n", None),
        ("\x00\x01", None),
    ],
)
def test_odd_documents_raise_rule_error(tmp_path: Path, text: str, message: str | None) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RuleError) as info:
        validate_file(path)
    if message is not None:
        assert info.value.message == f"{path}:{message}"


def test_duplicate_id_across_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMCHECK_RULES_PATH", raising=False)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "demo.yaml").write_text(BASE)
    (b / "demo.yaml").write_text(BASE)
    with pytest.raises(RuleError, match=r"duplicate exercise id 'demo': .*a/demo.yaml and .*b/demo.yaml"):
        rule_paths([a, b])


def test_unknown_exercise_suggests_closest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMCHECK_RULES_PATH", raising=False)
    with pytest.raises(RuleError, match=r"^unknown exercise 'wall-sqat' \(did you mean 'wall-squat'\?\)$"):
        load_exercise("wall-sqat")


def test_user_dir_overrides_bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMCHECK_RULES_PATH", raising=False)
    text = BASE.replace("id: demo", "id: squat").replace("Demo squat", "My squat")
    (tmp_path / "squat.yaml").write_text(text)
    assert load_exercise("squat", [tmp_path]).name == "My squat"
    monkeypatch.setenv("FORMCHECK_RULES_PATH", str(tmp_path))
    assert load_exercise("squat").name == "My squat"


def test_bundled_rules_all_validate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMCHECK_RULES_PATH", raising=False)
    ids = {ex.id for ex in list_exercises()}
    assert {"wall-squat", "lateral-toe-tap", "squat"} <= ids
