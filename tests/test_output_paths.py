"""Where outputs go (issue 14): ``-`` is standard output, a FIFO, a device or a symlink is written
through rather than replaced, a full device is a one-line error, and the options that name outputs
are checked before any work. Replayed from a pose track: no model needed."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.errors import OutputError, UsageError

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TRACK = SAMPLES / "tracks" / "squat--front-good.track.npz"


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("formcheck: error:")]


def _analyze(*args: str) -> list[str]:
    return ["analyze", str(TRACK), "-e", "squat", *args]


def test_json_dash_goes_to_standard_output_and_the_summary_to_stderr(tmp_path: Path) -> None:
    # A subprocess: the JSON must be the only thing on the real file descriptor 1.
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", *_analyze("--json", "-", "--csv", str(tmp_path / "f.csv"))],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["format"] == "formcheck.session/1" and result["reps"]["total"] == 1
    assert "Bodyweight squat" in proc.stderr and "standard output" in proc.stderr
    assert not (tmp_path / "-").exists()
    assert (tmp_path / "f.csv").read_text().startswith("t_s,")


def test_a_report_to_standard_output_leaves_no_rep_table_named_after_the_dash(tmp_path: Path) -> None:
    # The rep table goes beside a report file; a report on standard output has no "beside".
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", *_analyze("--report", "-")],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("<!DOCTYPE html>") and "standard output" in proc.stderr
    assert "reps.csv" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_fifo_gets_the_result_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "result.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main(_analyze("--json", str(fifo), "-q")) == 0
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(received[0])["exercise"] == "squat"


def test_a_symlink_stays_a_link_and_its_target_gets_the_result(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target.name)
    assert main(_analyze("--csv", str(link), "-q")) == 0
    assert link.is_symlink() and os.readlink(link) == target.name
    assert target.read_text().startswith("t_s,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]  # no temp file left


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("option", ["--json", "--csv", "--report"])
def test_a_full_device_is_a_one_line_error_and_stays_a_device(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(_analyze(option, "/dev/full", "-q"))
    err = capsys.readouterr().err
    assert rc == OutputError.exit_code
    assert _errors(err) == [_errors(err)[0]] and "/dev/full: No space left on device" in err
    assert "Traceback" not in err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_the_other_outputs_are_still_written_when_one_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    csv = tmp_path / "f.csv"
    assert main(_analyze("--json", "/dev/full", "--csv", str(csv), "-q")) == OutputError.exit_code
    out = capsys.readouterr().out
    assert csv.read_text().startswith("t_s,")
    assert str(csv) in out and "/dev/full" not in out  # the summary lists only what was written


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["--json", "-", "--csv", "-"], "only one output can go to standard output"),
        (["--json", "a.json", "--json", "b.json"], "--json given twice ('a.json', then 'b.json')"),
        (["--stride", "2", "--stride=3"], "--stride given twice"),
        (["--stride", "-1"], "invalid value for '--stride'"),
        (["--jobs", "0"], "invalid value for '--jobs'"),
        (["--report", "r.docx"], "PDF when named .pdf: name it .html or .pdf (got r.docx"),
    ],
    ids=["two-to-stdout", "repeated-json", "repeated-stride", "stride", "jobs", "report-docx"],
)
def test_bad_output_options_are_one_line_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: list[str], wanted: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main(_analyze(*args, "-q")) == UsageError.exit_code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("formcheck: error: ") and wanted in err, err
    assert list(tmp_path.iterdir()) == []  # refused before any work


@pytest.mark.parametrize(
    ("option", "name"), [("--json", "out.json"), ("--csv", "out.CSV"), ("--report", "out.pdf")]
)
def test_several_inputs_refuse_a_file_name_for_their_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, name: str
) -> None:
    other = SAMPLES / "tracks" / "squat--eti-side-home-woman.track.npz"
    rc = main(["analyze", str(TRACK), str(other), "-e", "squat", option, str(tmp_path / name), "-q"])
    assert rc == UsageError.exit_code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{option} names a folder" in err and name in err, err
    assert list(tmp_path.iterdir()) == []  # no folder called out.json, nothing analysed


def test_a_video_named_avi_is_refused(
    tmp_path: Path, write_video, capsys: pytest.CaptureFixture[str]
) -> None:
    video = write_video("clip.mp4", frames=3)
    rc = main(["analyze", str(video), "-e", "squat", "--video", str(tmp_path / "out.avi"), "-q"])
    assert rc == UsageError.exit_code
    assert "name it .mp4" in capsys.readouterr().err
    assert not (tmp_path / "out.avi").exists()


def test_the_summary_says_reps_against_the_dose_and_where_outputs_went(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    assert main(_analyze("--json", str(out), "--report", str(tmp_path / "r.html"), "-q")) == 0
    printed = capsys.readouterr().out
    assert "1 of 10–15" in printed  # the squat's dose: 10–15 reps
    written = [line[len("written: ") :] for line in printed.splitlines() if line.startswith("written: ")]
    assert written == [str(out), str(tmp_path / "r.html"), str(tmp_path / "r.reps.csv")]
    dose = json.loads(out.read_text())["dose"]
    assert dose["reps"] == [10, 15] and all(type(x) is int for x in dose["reps"])  # not 10.0


def test_an_interrupted_analysis_counts_the_asked_outputs_it_could_not_write(tmp_path: Path) -> None:
    """The report's rep table is written along with the report: it is not an output asked
    for, so it does not make the count of missing ones go wrong."""
    from formcheck.cli.analyze_cmd import interrupted_message

    report, table, video = tmp_path / "r.html", tmp_path / "r.reps.csv", tmp_path / "r.mp4"
    summary = {"duration_s": 3.2, "frames": 96}
    all_saved = interrupted_message(summary, [report, table], [report])
    assert all_saved.endswith(f"written to {report}, {table}"), all_saved
    one_lost = interrupted_message(summary, [report, table], [report, video])
    assert one_lost.endswith("(1 other output not written)"), one_lost
