"""`formcheck record`: run the pose model over a video once and keep every pose in a track file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from formcheck.cli.options import (
    DEFAULT_MAX_PEOPLE,
    DEFAULT_MODEL,
    LandmarkersOption,
    MaxPeopleOption,
    ModelOption,
    QuietOption,
)


def register(app: typer.Typer) -> None:
    app.command("record")(record_command)


def record_command(
    video: Annotated[Path, typer.Argument(metavar="VIDEO", help="The video file to estimate poses in.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", metavar="TRACK", help="Where to write the track (.track.npz is added)."
        ),
    ],
    model: ModelOption = DEFAULT_MODEL,
    max_people: MaxPeopleOption = DEFAULT_MAX_PEOPLE,
    landmarkers: LandmarkersOption = None,
    quiet: QuietOption = False,
) -> None:
    """Record the pose track of a video, so it can be analysed again without the model.

    The track keeps every pose with its provenance (fps, frame size, model and video sha256,
    formcheck version).

    Example: formcheck record squat.mp4 -o squat.track.npz
    """
    from formcheck.record import record_file

    summary = record_file(
        video, output, model=model, max_people=max_people, landmarkers=landmarkers, quiet=quiet
    )
    typer.echo(
        f"recorded {summary.frames} frames, pose seen in {100 * summary.pose_coverage:.1f}% -> {summary.path}"
    )
