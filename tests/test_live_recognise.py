"""`formcheck live --exercise auto`: the exercise recognised from the live stream before a set,
the reps done meanwhile counted, "not sure" said rather than guessed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.engine import ExerciseEngine
from formcheck.errors import NotRecognised
from formcheck.live.controls import Command
from formcheck.live.session import LiveSession
from formcheck.pipeline import replay_track
from formcheck.pose import PoseFrame
from formcheck.recognition.choose import known_exercises
from formcheck.recognition.live import AGREEING, MIN_SEEN_S, LiveRecogniser
from formcheck.track import PoseTrack
from live_support import ScriptedControls, TrackEstimator, TrackFrames, load_track

STEM = "squat--wide-prenatal-front"  # two squats, front view, 9.8 s


@pytest.fixture(scope="module")
def track() -> PoseTrack:
    return load_track(STEM)


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    return known_exercises()


class Said:
    """A set listener: what the session told the person, and the sets started."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.sets: list[tuple[str, int]] = []

    def start_set(self, exercise_id: str, number: int) -> None:
        self.sets.append((exercise_id, number))

    def message(self, text: str) -> None:
        self.lines.append(text)


def _session(track: PoseTrack, rules, tmp_path: Path, **kwargs) -> LiveSession:  # type: ignore[no-untyped-def]
    return LiveSession(
        kwargs.pop("frames", None) or TrackFrames(track), TrackEstimator(track), [],
        json_path=tmp_path / "out.json", source_name="test", newest_only=False, recognise=rules, **kwargs,
    )  # fmt: skip


def test_the_recogniser_names_the_exercise_after_a_window_and_agreeing_judgements(
    track: PoseTrack, rules
) -> None:  # type: ignore[no-untyped-def]
    recogniser = LiveRecogniser(rules)
    decided_at = None
    for frame in track:
        if recogniser.add(frame) is not None:
            decided_at = frame.t_ms / 1000
            break
        assert recogniser.status().startswith(("recognising", "not sure yet", "step into view"))
    assert recogniser.chosen is not None and recogniser.chosen.id == "squat"
    # judged once a second from one window on, decided at the AGREEING-th judgement naming it
    assert decided_at is not None and MIN_SEEN_S + AGREEING - 1 <= decided_at <= MIN_SEEN_S + AGREEING + 2
    assert len(recogniser.frames) == sum(1 for f in track if f.t_ms / 1000 <= decided_at)
    assert recogniser.status().startswith("recognised: squat")


def test_nobody_in_view_is_never_recognised(track: PoseTrack, rules) -> None:  # type: ignore[no-untyped-def]
    recogniser = LiveRecogniser(rules)
    for frame in track:
        assert recogniser.add(PoseFrame(frame.index, frame.t_ms, frame.image_size, ())) is None
    assert recogniser.status() == "step into view and start the exercise"
    assert "no person seen" in recogniser.not_sure().message


def test_a_live_set_counts_what_a_replay_with_the_recognised_rule_counts(
    track: PoseTrack, rules, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    said = Said()
    outcome = _session(track, rules, tmp_path, listeners=[said]).run()
    assert outcome.error is None and not outcome.interrupted
    assert said.sets == [("squat", 1)]
    assert said.lines[-1].startswith("recognised: squat")
    saved = json.loads((tmp_path / "out.json").read_text())
    expected = replay_track(track, ExerciseEngine(rules["squat"])).to_dict()
    for key in ("exercise", "reps", "rep_events", "holds", "faults", "frames"):
        assert saved[key] == expected[key], key
    # ... reps done before the verdict among them: those frames were replayed into the set.
    recogniser = LiveRecogniser(rules)
    decided_s = next(f.t_ms / 1000 for f in track if recogniser.add(f) is not None)
    assert any(r["t_s"] < decided_s for r in saved["rep_events"]), (decided_s, saved["rep_events"])
    assert saved["recognition"]["id"] == "squat" and saved["recognition"]["confidence"] >= 0.5


def test_the_source_ending_before_a_verdict_saves_nothing_and_says_why(
    track: PoseTrack, rules, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    short = PoseTrack.from_frames(list(track)[:60], track.meta)  # 2 s: less than one window
    outcome = _session(short, rules, tmp_path).run()
    assert outcome.sets == [] and not (tmp_path / "out.json").exists()
    assert isinstance(outcome.error, NotRecognised)
    assert "seen for 2 s" in outcome.error.message and "--exercise ID" in outcome.error.message


def test_the_window_says_which_exercise_and_r_starts_recognising_again(
    track: PoseTrack, rules, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    controls = ScriptedControls({30: Command.RESET, 45: Command.NEXT})  # NEXT: nothing to step to
    outcome = _session(track, rules, tmp_path, controls=controls).run()
    assert controls.messages and {t for t, _ in controls.messages} == {"Which exercise?"}
    assert controls.exercises == ["squat"]
    # r at the 30th frame: recognising started again there, and the set holds the frames from
    # then on (the ones before belong to no set), its clock starting at zero there.
    saved = json.loads(outcome.sets[0].path.read_text())
    assert saved["frames"] == len(track) - 30
    assert saved["duration_s"] == pytest.approx((track.t_ms[-1] - track.t_ms[30]) / 1000, abs=0.05)


def test_quit_while_recognising_ends_without_a_set(track: PoseTrack, rules, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outcome = _session(track, rules, tmp_path, controls=ScriptedControls({20: Command.QUIT})).run()
    assert outcome.sets == [] and outcome.error is None and not outcome.interrupted


def test_cli_refuses_auto_beside_named_exercises(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", "-e", "auto", "-e", "squat", "--no-window", "--source", "x.mp4"]) == 2
    assert "--exercise auto recognises the exercise: give it alone" in capsys.readouterr().err


def _joined(stems: list[str], rest_s: float) -> PoseTrack:
    """Tracks of one camera and frame size, one after the other with ``rest_s`` of nobody between."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "samples" / "recognition"))
    from dataset import joined  # the recogniser's own concatenations

    tracks = [load_track(s) for s in stems]
    stream, _ = joined([list(t) for t in tracks], [rest_s] * (len(stems) - 1))
    return PoseTrack.from_frames(stream, tracks[0].meta)


def test_moving_on_to_another_exercise_ends_the_set_and_the_next_counts_it(rules, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stems = ["lunge--forward-home", "glute-bridge--home"]  # the same camera, one after the other
    track = _joined(stems, 1.0)
    said = Said()
    outcome = _session(track, rules, tmp_path, listeners=[said]).run()
    assert outcome.error is None
    assert said.sets == [("lunge", 1), ("glute-bridge", 2)]
    assert "this looks like glute-bridge now: set 1 ends" in said.lines
    # Each set counts what its exercise alone counts: the lunge set is re-run up to the change
    # (the bridges the lunge rule saw are not kept), the bridge set starts from the change.
    alone = [replay_track(load_track(s), ExerciseEngine(rules[s.split("--")[0]])).to_dict() for s in stems]
    saved = [json.loads(s.path.read_text()) for s in outcome.sets]
    assert [s["reps"]["total"] for s in saved] == [a["reps"]["total"] for a in alone] == [4, 3]
    assert saved[1]["recognition"]["id"] == "glute-bridge"
    # The second set's clock starts near the change (20.3 s into the input), within the watch's reach.
    assert 19.0 < saved[0]["duration_s"] < 21.5 and saved[1]["duration_s"] < alone[1]["duration_s"] + 2


def test_one_long_set_of_one_exercise_is_never_split(rules, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    track = load_track("squat--front-20-reps-counter")  # 43 s, 20 squats, pauses between some
    outcome = _session(track, rules, tmp_path).run()
    assert [s.exercise_id for s in outcome.sets] == ["squat"]
    assert outcome.sets[0].result["reps"]["total"] == 20


def test_an_end_too_short_to_recognise_after_a_set_is_said_not_an_error(
    track: PoseTrack, rules, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # r one second before the end: the set is saved, and the last second cannot be recognised.
    said = Said()
    controls = ScriptedControls({len(track) - 25: Command.RESET})
    outcome = _session(track, rules, tmp_path, listeners=[said], controls=controls).run()
    assert [s.exercise_id for s in outcome.sets] == ["squat"]
    assert outcome.error is None and not outcome.interrupted
    assert said.lines[-1].startswith("the end was not recognised: not sure which exercise"), said.lines
