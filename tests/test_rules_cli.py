"""`formcheck rules list | show | validate`."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.errors import RuleError

GOOD = """\
format: 1
id: my-hold
name: My hold
view: any
dose: {hold_s: 30}
measures:
  knee_flexion: {kind: angle, points: [hip, knee, ankle], side: max}
hold: {when: {measure: knee_flexion, above: 90}, target_s: 30}
"""


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMCHECK_RULES_PATH", raising=False)


def test_list_shows_bundled_and_user_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "my-hold.yaml").write_text(GOOD)
    assert main(["rules", "list", "--rules-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "KIND", "VIEW", "DOSE"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert {"wall-squat", "lateral-toe-tap", "squat", "my-hold"} <= set(rows)
    assert "reps+hold" in rows["wall-squat"] and "15 reps holding 5–10 s" in rows["wall-squat"]
    assert "2 sets of 10 reps per side" in rows["lateral-toe-tap"]


def test_show_in_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show", "wall-squat"]) == 0
    out = capsys.readouterr().out
    assert "knee flexion rises from 25° (rest) past 36° (peak)" in out
    assert "Hold at the peak for 5 s (at most 10 s)." in out
    seen = "whenever seen, counting started or not"
    assert f"too_deep (warning, {seen}): knee flexion above 55° for 0.5 s" in out


def test_show_words_levels_taken_from_the_persons_resting_level_as_changes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules", "show", "glute-bridge"]) == 0
    out = capsys.readouterr().out
    assert "falls 4° below the person's own resting level (rest) and on past 10° below it (peak)" in out
    assert "hip flexion falls from 30° past 22°" in out  # the hips-up level is a reading
    assert main(["rules", "show", "calf-raise"]) == 0
    out = capsys.readouterr().out
    assert "rises 0.02 × leg length above its resting level and on past 0.04 × leg length above it" in out


def test_show_says_what_must_stay_put_and_what_stands_in(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show", "calf-raise"]) == 0
    steady = "Not a rep if left foot across ranges over more than 0.25 × leg length in it."
    assert steady in capsys.readouterr().out
    assert main(["rules", "show", "squat"]) == 0
    out = capsys.readouterr().out
    assert "While knee flexion cannot be read, instead:" in out
    assert "Not a rep if thigh split goes above 45° in it." in out
    assert main(["rules", "show", "lunge"]) == 0
    reaches = "Not a rep unless thigh split goes above 30° in it (where it can be seen)."
    assert reaches in capsys.readouterr().out


def test_show_unknown_id_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show", "lateral-toe-tapp"]) == RuleError.exit_code
    err = capsys.readouterr().err
    want = "formcheck: error: unknown exercise 'lateral-toe-tapp' (did you mean 'lateral-toe-tap'?)"
    assert err.strip() == want


def test_validate_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "my-hold.yaml"
    good.write_text(GOOD)
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("my-hold", "bad").replace("above: 90", "abve: 90"))
    assert main(["rules", "validate", str(good)]) == 0
    assert "1 rule file valid" in capsys.readouterr().out
    assert main(["rules", "validate", str(good), str(bad)]) == RuleError.exit_code
    cap = capsys.readouterr()
    assert f"ok  {good}  (my-hold)" in cap.out
    assert f"{bad}:8: hold.when.abve: unknown field 'abve' (did you mean 'above'?)" in cap.err
    assert "^" in cap.err  # the offending line with a caret
    assert cap.err.strip().endswith("1 problem: 1 of 2 rule files failed to validate")
    assert "Traceback" not in cap.err


def test_validate_everything(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "validate"]) == 0
    assert "wall-squat.yaml  (wall-squat)" in capsys.readouterr().out
    (tmp_path / "broken.yaml").write_text("format: 1\nid: [\n")
    assert main(["rules", "validate", "--rules-dir", str(tmp_path)]) == RuleError.exit_code
    assert "broken.yaml:3: not valid YAML" in capsys.readouterr().err


def test_missing_rules_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "list", "--rules-dir", str(tmp_path / "nope")]) == RuleError.exit_code
    assert "rules directory not found" in capsys.readouterr().err
