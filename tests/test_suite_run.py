"""The sample suite end to end with fake session results: expectations file, run, CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import formcheck.rules
import formcheck.suite.runner
from formcheck.cli import main
from formcheck.errors import InputError
from formcheck.suite import ERROR, FAIL, OK, SKIP, run_suite
from formcheck.suite.spec import ClipSpec, load_suite

EXPECTED = """\
clips:
  - clip: squat--a.mp4
    track: tracks/squat--a.track.npz
    exercise: squat
    reps: {total: 3, left: null, right: null}
    faults: [{id: knee_valgus, start_s: 1.0, end_s: 2.0}]
  - clip: squat--b.mp4
    track: tracks/squat--b.track.npz
    exercise: squat
    reps: {total: 2}
  - clip: quad-stretch--c.mp4
    track: tracks/quad-stretch--c.track.npz
    exercise: quad-stretch
    holds: [{side: right, start_s: 3.0, end_s: 9.0}]
  - clip: squat--synthetic.mp4
    track: synthetic/squat.track.npz
    reps: {total: 5}
    synthetic: true
  - clip: nope--d.mp4
    track: tracks/nope--d.track.npz
    reps: {total: 1}
"""

# What the fake engine reports for each entry.
RESULTS: dict[str, dict[str, Any]] = {
    "squat--a": {"reps": {"total": 3}, "faults": [{"id": "knee_valgus", "start_s": 1.2, "end_s": 1.8}]},
    "squat--b": {"reps": {"total": 3}, "faults": [{"id": "knee_valgus", "start_s": 0.0, "end_s": 0.5}]},
    "quad-stretch--c": {"reps": {"total": 0}, "holds": [{"side": "right", "seconds": 5.0}]},
    "squat--synthetic": {"reps": {"total": 5}},
}


@pytest.fixture
def samples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "expected.yaml").write_text(EXPECTED)
    monkeypatch.setattr(
        formcheck.rules, "rule_paths", lambda dirs=None: {"squat": Path(), "quad-stretch": Path()}
    )
    monkeypatch.setattr(formcheck.rules, "load_exercise", lambda ex_id, dirs=None: ex_id)
    return tmp_path


def fake_runner(spec: ClipSpec, exercise: Any) -> dict[str, Any]:
    assert exercise == spec.exercise
    return RESULTS[spec.key]


def test_run_suite_judges_each_clip(samples: Path) -> None:
    report = run_suite(samples, runner=fake_runner)
    status = {r.spec.key: r.status for r in report.rows}
    assert status == {
        "squat--a": OK,
        "squat--b": FAIL,  # one rep too many and a knee_valgus no label asks for
        "quad-stretch--c": OK,  # 5 s held of 6 s labelled
        "squat--synthetic": OK,
        "nope--d": SKIP,
    }
    assert [r.spec.key for r in report.failures] == ["squat--b"]
    assert report.real is not None and report.synthetic is not None
    assert report.real.line() == (
        "clips=3 rep_clips=2 exact=1 obo=2 mae=0.250 hold_clips=1 hold_ok=1 hold_err_s=1.00 "
        "fault_precision=0.500 fault_recall=1.000"
    )
    assert report.synthetic.clips == 1 and report.synthetic.exact == 1


def test_filters(samples: Path) -> None:
    assert [r.spec.key for r in run_suite(samples, exercise="quad-stretch", runner=fake_runner).rows] == [
        "quad-stretch--c"
    ]
    rows = run_suite(samples, clip_glob="squat--[ab]*", runner=fake_runner).rows
    assert [r.spec.key for r in rows] == ["squat--a", "squat--b"]


def test_a_clip_that_cannot_run_is_an_error_not_a_crash(samples: Path) -> None:
    def broken(spec: ClipSpec, exercise: Any) -> dict[str, Any]:
        raise InputError(f"pose track not found: {spec.track}")

    report = run_suite(samples, clip_glob="squat--a*", runner=broken)
    assert report.rows[0].status == ERROR and "pose track not found" in report.rows[0].message
    assert report.failures == report.rows


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("clips: 3", "expected a mapping with a 'clips' list"),
        ("clips: [{track: t}]", "clips[0].clip: must be a non-empty string"),
        (
            "clips: [{clip: a.mp4, track: t, reps: {total: -1}}]",
            "clips[0].reps.total: must be a whole number",
        ),
        (
            "clips: [{clip: a.mp4, track: t, holds: [{side: up, start_s: 0, end_s: 1}]}]",
            "clips[0].holds[0].side: must be one of left, right, both",
        ),
        (
            "clips: [{clip: a.mp4, track: t, faults: [{id: x, start_s: 3, end_s: 1}]}]",
            "clips[0].faults[0]: end_s 1 is before start_s 3",
        ),
        ("clips: [{clip: a.mp4, track: t, tolerance: {reps: 2}}]", "a widened tolerance needs a reason"),
        ("clips: [{clip: a.mp4, track: t}, {clip: a.mp4, track: t}]", "duplicate entry 'a'"),
        ("clips: [{clip: a.mp4, track: t, person: tallest}]", "clips[0].person: must be one of"),
        ("clips: [\n  - {", "cannot read"),
    ],
)
def test_bad_expectations_give_one_clear_line(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "expected.yaml"
    path.write_text(body)
    with pytest.raises(InputError, match=None) as err:
        load_suite(path)
    assert message in err.value.message and "\n" not in err.value.message


def test_missing_expectations_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_suite(tmp_path)


def test_checked_faults_are_the_labelled_ids_per_exercise(samples: Path) -> None:
    spec = load_suite(samples)
    assert spec.checked_faults["squat"] == {"knee_valgus"}
    assert spec.checked_faults["quad-stretch"] == frozenset()


def test_cli_prints_rows_summary_and_fails(
    samples: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(formcheck.suite.runner, "replay_runner", fake_runner)
    out_json = samples / "table.json"
    rc = main(["test", str(samples), "--json", str(out_json)])
    out, err = capsys.readouterr()
    assert rc == 9
    assert "1 of 5 clips outside tolerance: squat--b" in err and "Traceback" not in err
    lines = out.splitlines()
    assert lines[-2].startswith("clips=3 rep_clips=2 exact=1 obo=2 ")
    assert lines[-1].startswith("synthetic: clips=1 rep_clips=1 exact=1 ")
    assert any("squat--b" in line and "2->3" in line and "FAIL" in line for line in lines)
    table = json.loads(out_json.read_text())
    assert [c["status"] for c in table["clips"]] == ["OK", "FAIL", "OK", "OK", "SKIP"]


def test_hide_untouched_prints_no_row_or_name_of_that_part(
    samples: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # squat--b (failing) is filmed by a source of the untouched part
    text = EXPECTED.replace("reps: {total: 2}", "reps: {total: 2}\n    source: someone/else")
    (samples / "expected.yaml").write_text("untouched_sources: [someone/else]\n" + text)
    monkeypatch.setattr(formcheck.suite.runner, "replay_runner", fake_runner)
    out_json = samples / "table.json"
    assert main(["test", str(samples), "--hide-untouched", "--json", str(out_json)]) == 9
    out, err = capsys.readouterr()
    assert "squat--b" not in out and "squat--b" not in err
    assert "1 of 5 clips outside tolerance: 1 more" in err
    assert any(line.startswith("untouched: clips=1 rep_clips=1 exact=0") for line in out.splitlines())
    assert any(line.startswith("squat--a") for line in out.splitlines())  # the tuned rows are there
    parts = {c["id"]: c["part"] for c in json.loads(out_json.read_text())["clips"]}
    assert parts == {
        "squat--a": "tuned", "squat--b": "untouched", "quad-stretch--c": "tuned",
        "squat--synthetic": "synthetic", "nope--d": "tuned",
    }  # fmt: skip
    assert main(["test", str(samples)]) == 9  # without the flag it is named as before
    assert "1 of 5 clips outside tolerance: squat--b" in capsys.readouterr().err


def test_cli_passes_when_every_clip_is_within_tolerance(
    samples: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(formcheck.suite.runner, "replay_runner", fake_runner)
    assert main(["test", str(samples), "--exercise", "quad-stretch"]) == 0
    assert main(["test", str(samples), "--clip", "nothing*"]) == 2
    assert "no sample clip matches" in capsys.readouterr().err


def test_a_typo_in_the_exercise_is_named_as_one(capsys: pytest.CaptureFixture[str]) -> None:
    # not as a filter that matched nothing (the bundled rules and samples, refused before any replay)
    samples = Path(__file__).resolve().parents[1] / "samples"
    assert main(["test", str(samples), "--exercise", "quad-strech"]) == 7
    err = capsys.readouterr().err
    assert err == "formcheck: error: unknown exercise 'quad-strech' (did you mean 'quad-stretch'?)\n"


def test_tracks_dir_replays_each_real_clips_track_of_the_same_name_from_there(samples: Path) -> None:
    seen: dict[str, Path] = {}

    def recording(spec: ClipSpec, exercise: Any) -> dict[str, Any]:
        seen[spec.key] = spec.track
        return RESULTS[spec.key]

    other = samples / "tracks-1p"
    run_suite(samples, runner=recording, tracks_dir=other)
    assert seen == {
        "squat--a": other / "squat--a.track.npz",
        "squat--b": other / "squat--b.track.npz",
        "quad-stretch--c": other / "quad-stretch--c.track.npz",
        "squat--synthetic": samples / "synthetic" / "squat.track.npz",  # generated: has no other recording
    }


def test_tracks_dir_missing_or_with_clips_is_refused(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test", str(samples), "--tracks", str(tmp_path / "nowhere")]) == 2
    assert "--tracks must be a folder of pose tracks" in capsys.readouterr().err
    assert main(["test", str(samples), "--tracks", str(samples), "--clips", str(samples)]) == 2
    assert "cannot be combined with --clips" in capsys.readouterr().err
