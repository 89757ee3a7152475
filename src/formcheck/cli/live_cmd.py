"""`formcheck live`: the webcam (or a video replayed as if it were one) with live feedback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from formcheck.cli.options import (
    DEFAULT_MAX_PEOPLE,
    DEFAULT_MODEL,
    HistoryOption,
    LandmarkersOption,
    MaxPeopleOption,
    ModelOption,
    PersonOption,
    RulesDirOption,
)
from formcheck.errors import Interrupted, NotRecognised, UsageError

if TYPE_CHECKING:
    from formcheck.history.recorder import HistoryRecorder
    from formcheck.live.session import SavedSet
    from formcheck.live.voice import Voice
    from formcheck.sources import FrameSource


def register(app: typer.Typer) -> None:
    app.command("live")(live_command)


def live_command(
    exercise: list[str] = typer.Option(
        ...,
        "--exercise",
        "-e",
        help="Exercise id (repeat to switch between several with ←/→); auto: recognised from the movement.",
    ),
    camera: int = typer.Option(0, "--camera", min=0, help="Camera number."),
    source: Path | None = typer.Option(
        None, "--source", help="Play a video file at real-time pace as if it were the camera."
    ),
    json_path: Path | None = typer.Option(
        None,
        "--json",
        help="Where to save the session result (default: a dated file in the user data folder).",
    ),
    model: ModelOption = DEFAULT_MODEL,
    mirror: bool | None = typer.Option(
        None, "--mirror/--no-mirror", help="Mirror the preview (default: on for a camera, off for --source)."
    ),
    window: bool = typer.Option(True, "--window/--no-window", help="Show the window, or run headless."),
    voice: bool | None = typer.Option(
        None,
        "--voice/--no-voice",
        help="Speak counts and cues (default: on with a window, if a voice exists).",
    ),
    show_fps: bool = typer.Option(False, "--show-fps", help="Show the effective fps and the latency."),
    snapshot_dir: Path | None = typer.Option(
        None, "--snapshot-dir", help="Save the displayed frame at each rep, fault and hold end."
    ),
    person: PersonOption = "auto",
    max_people: MaxPeopleOption = DEFAULT_MAX_PEOPLE,
    landmarkers: LandmarkersOption = None,
    rules_dir: RulesDirOption = [],  # noqa: B006 - typer copies the default
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not print events as they happen."),
    history: HistoryOption = None,
    save: bool = typer.Option(True, "--save/--no-save", help="Store the session in the history database."),
) -> int:
    """Live feedback from the webcam: reps, holds and form cues on screen (and spoken).

    Keys: q or Esc quits, space pauses, r starts a new set (the current one is saved), ←/→ (or
    n/p) switch exercise. Each set is saved as JSON when it ends: the first to --json FILE,
    later ones beside it as STEM.setN-EXERCISE.json.

    With --exercise auto each set starts with a few seconds of the exercise being recognised
    ("not sure yet" until it is); the reps done meanwhile count. Moving on to another exercise
    ends the set and starts one of it. r starts recognising again.

    Example: formcheck live --exercise squat --exercise lunge --show-fps
    """
    from formcheck.estimation.landmarkers import make_estimator
    from formcheck.files import check_writable
    from formcheck.live.events import EventPrinter
    from formcheck.live.session import LiveSession, default_json_path
    from formcheck.models import resolve_model
    from formcheck.pipeline import Sink
    from formcheck.recognition.choose import AUTO, known_exercises
    from formcheck.rules import load_exercise

    recognise = None
    if AUTO in exercise:
        if len(exercise) > 1:
            raise UsageError("--exercise auto recognises the exercise: give it alone, or name the exercises")
        recognise = known_exercises(list(rules_dir) or None)
    if snapshot_dir is not None and not window:
        raise UsageError("--snapshot-dir saves what the window shows: it needs the window")
    if window:
        from formcheck.live.display import display_problem

        problem = display_problem()  # before the model loads: Qt would abort the process later
        if problem is not None:
            raise UsageError(problem)
    exercises = [] if recognise is not None else [load_exercise(e, list(rules_dir) or None) for e in exercise]
    first_id = exercises[0].id if exercises else AUTO
    target = check_writable(json_path) if json_path is not None else default_json_path(first_id)
    is_camera = source is None
    mirror = is_camera if mirror is None else mirror
    printer = EventPrinter()
    outcome = None
    say = printer.message

    # The source first: a wrong --source or camera is told at once, not after a model download
    # (neither a file's real-time clock nor a camera's grabbing starts before the first frame).
    frames = _open(source, camera)
    recorder = None
    try:
        model_file = resolve_model(model)
        recorder = _recorder(history, source, camera) if save else None
        # Two landmarkers on a 2-core machine: each frame still waits one model run, but a
        # camera faster than one model is kept up with (no frame dropped as stale).
        estimator_cm = make_estimator(model_file.path, max_people=max_people, count=landmarkers, live=True)
        with estimator_cm as estimator:
            sinks: list[Sink] = []
            live_window = None
            voice_engine = None
            if window:
                from formcheck.live.window import LiveWindow

                live_window = LiveWindow(
                    title=f"formcheck — {frames.name}",
                    mirror=mirror,
                    show_fps=show_fps,
                    snapshot_dir=snapshot_dir,
                )
                sinks.append(live_window)
            if voice or (voice is None and window):
                voice_engine = _start_voice(say, asked=bool(voice))
                if voice_engine is not None:
                    from formcheck.live.voice import VoiceSink

                    sinks.append(VoiceSink(voice_engine))
            if not quiet:
                sinks.append(printer)
            session = LiveSession(
                frames,
                estimator,
                exercises,
                json_path=target,
                controls=live_window,
                sinks=sinks,
                listeners=[] if quiet else [printer],
                person=person,
                source_name=frames.name,
                on_set_saved=recorder.live_set if recorder is not None else None,
                recognise=recognise,
            )
            if live_window is not None:
                # The window measures latency from the grabber's capture times.
                live_window.set_capture_clock(session.feed.captured_at)
                if not quiet:
                    from formcheck.live.controls import HELP

                    say(f"keys: {HELP}")
            try:
                # Ctrl-C and SIGTERM (deferred by the CLI: formcheck.interrupts) end the set
                # being analysed, which is saved and marked partial.
                outcome = session.run()
            finally:
                if live_window is not None:
                    live_window.destroy()
                if voice_engine is not None:
                    voice_engine.close()
    finally:
        frames.close()
        if recorder is not None:  # a session that failed before its first set stays "running"
            # The input ending before the exercise was recognised stopped nothing: the session ran
            # to its end without doing what it was to do ("unfinished").
            unrecognised = outcome is not None and isinstance(outcome.error, NotRecognised)
            failed = outcome is not None and outcome.error is not None and not unrecognised
            stopped = outcome is None or outcome.interrupted or failed
            recorder.end(interrupted=stopped, completed=not unrecognised)

    _print_summary(outcome.sets, recognising=recognise is not None)
    if recorder is not None:
        print(f"history: session {recorder.session_id} in {recorder.store.path}")
    if outcome.error is not None:
        raise outcome.error
    if outcome.interrupted:
        raise Interrupted(_interrupted_message(outcome.sets))
    return 0


def _interrupted_message(sets: list[SavedSet]) -> str:
    if not sets:
        return "interrupted before any set was saved"
    where = ", ".join(str(s.path) for s in sets)
    count = f"{len(sets)} set{'s' if len(sets) > 1 else ''}"
    return f"interrupted: {count} saved to {where} (the last one partial)"


def _recorder(history: Path | None, source: Path | None, camera: int) -> HistoryRecorder:
    from formcheck.history.recorder import HistoryRecorder
    from formcheck.history.store import HistoryStore

    name = str(source) if source is not None else f"camera {camera}"
    return HistoryRecorder(HistoryStore(history), "live", source=name)


def _open(source: Path | None, camera: int) -> FrameSource:
    from formcheck.sources import open_source

    spec = str(source) if source is not None else str(camera)
    return open_source(spec, realtime=True)


def _start_voice(say: Callable[[str], None], *, asked: bool) -> Voice | None:
    from formcheck.live.voice import Voice, find_speaker

    found = find_speaker()
    if found is None:
        if asked:
            say("voice: no speech engine found (install espeak-ng, or `pip install formcheck[voice]`)")
        return None
    name, speak = found
    say(f"voice: {name}")
    return Voice(speak)


def _print_summary(sets: list[SavedSet], *, recognising: bool = False) -> None:
    from formcheck.cli.summary import print_summary

    if not sets:
        before = "the exercise was recognised" if recognising else "any frame was analysed"
        print(f"no set was saved (the session ended before {before})", file=sys.stderr)
        return
    for saved in sets:
        print_summary(f"set {saved.number}", saved.result)
        print(f"saved: {saved.path}")
