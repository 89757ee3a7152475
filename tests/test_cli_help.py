"""Every command and sub-command has help; `--help` stays fast (no mediapipe import)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import typer.main

from formcheck.cli import app, main


def _all_commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        paths.append(path)
        if hasattr(cmd, "commands"):  # a group
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])

    walk(root, [])
    return paths


def test_the_cli_has_the_documented_commands() -> None:
    top = {p[0] for p in _all_commands() if len(p) == 1}
    assert {"models", "record", "rules", "analyze", "test", "live"} <= top


@pytest.mark.parametrize("path", _all_commands(), ids=lambda p: " ".join(p) or "formcheck")
def test_every_command_has_help(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage:" in out
    # A one-line description, not just the usage line.
    description = out.split("Usage:", 1)[1].split("\n\n", 2)
    assert len(description) >= 2 and description[1].strip(), f"no help text for {path}"


def test_help_does_not_import_mediapipe() -> None:
    code = (
        "import sys; from formcheck.cli import main; rc = main(['--help']); "
        "print('mediapipe' in sys.modules, 'cv2' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False False"


def test_option_defaults_agree_with_the_library() -> None:
    from formcheck.cli.options import DEFAULT_MAX_PEOPLE
    from formcheck.estimation import mediapipe_landmarker

    assert DEFAULT_MAX_PEOPLE == mediapipe_landmarker.DEFAULT_MAX_PEOPLE
