"""Bad inputs and interruptions through the command line: one clear line, a distinct exit code,
no traceback, nothing lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.errors import InputError, Interrupted, ModelError, OutputError, RuleError, UsageError

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
GOOD_TRACK = SAMPLES / "tracks" / "squat--front-good.track.npz"


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("formcheck: error:")]


def test_several_inputs_the_others_still_run_and_the_failures_are_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 20)
    out = tmp_path / "out"
    inputs = [str(tmp_path / "missing.mp4"), str(text), str(GOOD_TRACK)]
    rc = main(["analyze", *inputs, "-e", "squat", "--json", str(out), "-q"])
    err = capsys.readouterr().err
    assert rc == InputError.exit_code
    assert "Traceback" not in err
    errors = _errors(err)
    assert len(errors) == 2 and "missing.mp4" in errors[0] and "notes.mp4" in errors[1]
    assert "1 of 3 inputs analysed" in err
    saved = json.loads((out / "squat--front-good.json").read_text())
    assert saved["exercise"] == "squat" and saved["partial"] is False


def test_an_unwritable_output_is_refused_before_any_work(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    rc = main(["analyze", str(GOOD_TRACK), "-e", "squat", "--report", "/proc/formcheck/report.html", "-q"])
    err = capsys.readouterr().err
    assert rc == OutputError.exit_code
    assert _errors(err) == [_errors(err)[0]] and "/proc/formcheck" in err
    assert time.monotonic() - started < 5


def test_a_video_output_from_a_pose_track_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["analyze", str(GOOD_TRACK), "-e", "squat", "--video", str(tmp_path / "x.mp4"), "-q"])
    assert rc == UsageError.exit_code
    assert "pose track" in capsys.readouterr().err
    assert not (tmp_path / "x.mp4").exists()


def test_a_typo_in_a_user_rule_names_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundled = (Path(__file__).resolve().parents[1] / "rules" / "squat.yaml").read_text()
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "squat.yaml").write_text(bundled.replace("measure: knee_flexion", "measure: knee_flexon", 1))
    rc = main(["analyze", str(GOOD_TRACK), "-e", "squat", "--rules-dir", str(rules), "-q"])
    err = capsys.readouterr().err
    assert rc == RuleError.exit_code
    first = _errors(err)[0]
    assert "squat.yaml:" in first and "knee_flexon" in first and "did you mean 'knee_flexion'" in first


def test_an_unknown_exercise_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(GOOD_TRACK), "-e", "wall-sqat", "-q"]) == RuleError.exit_code
    assert "did you mean 'wall-squat'" in capsys.readouterr().err


def test_a_missing_model_offline_is_one_line_naming_the_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], write_video
) -> None:
    video = write_video("person.mp4", frames=5)
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path / "no-models"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("FORMCHECK_MODEL_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    rc = main(["analyze", str(video), "-e", "squat", "-q"])
    err = capsys.readouterr().err
    assert rc == ModelError.exit_code
    assert "Traceback" not in err
    line = _errors(err)[0]
    assert "full" in line and "127.0.0.1:9" in line


@pytest.mark.model
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupting_analyze_saves_valid_partial_outputs(
    tmp_path: Path, model_dir: Path, shared_clip, sig: signal.Signals
) -> None:
    import av

    clip = shared_clip("squat--front-20-reps-counter.mp4")
    out = {k: tmp_path / f"result.{k}" for k in ("json", "mp4", "html", "csv")}
    env = {**os.environ, "FORMCHECK_MODEL_DIR": str(model_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "analyze", str(clip), "-e", "squat", "-q",
         "--json", str(out["json"]), "--video", str(out["mp4"]), "--report", str(out["html"]),
         "--csv", str(out["csv"])],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(6)  # model loaded, some frames analysed
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == Interrupted.exit_code, err
    assert "Traceback" not in err and "interrupted" in err
    result = json.loads(out["json"].read_text())
    assert result["partial"] is True and 0 < result["frames"] < 1289
    with av.open(str(out["mp4"])) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert 0 < frames <= result["frames"]
    assert "<svg" in out["html"].read_text()
    assert len(out["csv"].read_text().splitlines()) == result["frames"] + 1
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


@pytest.mark.model
@pytest.mark.parametrize(("size", "frames"), [((64, 48), 30), ((3840, 2160), 24)], ids=["tiny", "4k"])
def test_a_video_with_nobody_in_it_says_so(
    tmp_path: Path, model_dir: Path, write_video, monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int], frames: int,
) -> None:  # fmt: skip
    # Flat grey frames: also what a very dark or blurred room looks like to the model.
    video = write_video("empty-room.mp4", frames=frames, size=size)
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(model_dir))
    out, report = tmp_path / "r.json", tmp_path / "r.html"
    rc = main(["analyze", str(video), "-e", "squat", "-q", "--json", str(out), "--report", str(report)])
    assert rc == 0
    result = json.loads(out.read_text())
    assert result["frames"] == frames and result["pose_coverage"] == 0
    assert result["reps"]["total"] == 0 and result["faults"] == []
    assert [n["kind"] for n in result["notices"]] == ["no_person"]
    assert "Nobody was seen in this video" in report.read_text()


def test_the_wrong_exercise_gives_a_report_that_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A standing squat analysed as a glute bridge (lying on the back, filmed side-on).
    report = tmp_path / "wrong.html"
    assert main(["analyze", str(GOOD_TRACK), "-e", "glute-bridge", "-q", "--report", str(report)]) == 0
    html = report.read_text()
    assert "The movement never matched Glute bridge" in html
    assert "from the side?" in html
    assert "turn side-on" in capsys.readouterr().out
