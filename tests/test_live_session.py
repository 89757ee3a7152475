"""The live session loop: same counts as a replay, sets, switching, pause, failures, Ctrl-C."""

from __future__ import annotations

import itertools
import json
import threading
from pathlib import Path

import pytest

from formcheck.engine import ExerciseEngine
from formcheck.errors import CameraError
from formcheck.estimation.alternating import AlternatingEstimator
from formcheck.live.controls import Command
from formcheck.live.session import LiveSession, set_path
from formcheck.pipeline import Step, replay_track
from formcheck.rules import load_exercise
from live_support import ScriptedControls, TrackEstimator, TrackFrames, load_track

# A front-view squat clip with two reps (recorded with the full model).
STEM = "squat--wide-prenatal-front"
RESULT_KEYS = ("exercise", "reps", "rep_events", "holds", "faults", "frames", "pose_coverage")


@pytest.fixture(scope="module")
def track():  # type: ignore[no-untyped-def]
    return load_track(STEM)


@pytest.fixture(scope="module")
def squat():  # type: ignore[no-untyped-def]
    return load_exercise("squat")


def _session(track, exercises, tmp_path: Path, **kwargs):  # type: ignore[no-untyped-def]
    frames = kwargs.pop("frames", None) or TrackFrames(track)
    return LiveSession(
        frames,
        TrackEstimator(track),
        exercises,
        json_path=tmp_path / "out.json",
        source_name="test",
        newest_only=kwargs.pop("newest_only", False),
        **kwargs,
    )


def test_every_frame_session_equals_replay(track, squat, tmp_path: Path) -> None:
    expected = replay_track(track, ExerciseEngine(squat)).to_dict()
    assert expected["reps"]["total"] >= 1  # the comparison below must be about something
    outcome = _session(track, [squat], tmp_path).run()
    assert outcome.error is None and not outcome.interrupted
    assert [s.path for s in outcome.sets] == [tmp_path / "out.json"]
    saved = json.loads((tmp_path / "out.json").read_text())
    for key in RESULT_KEYS:
        assert saved[key] == expected[key], key
    assert saved["partial"] is False
    assert saved["source"] == "test" and saved["live"]["set"] == 1
    assert outcome.analysed == len(track) == len(outcome.model_ms)


def test_reset_saves_the_set_and_starts_a_fresh_count(track, squat, tmp_path: Path) -> None:
    half = len(track) // 2
    controls = ScriptedControls({half: Command.RESET})
    outcome = _session(track, [squat], tmp_path, controls=controls).run()
    assert [s.number for s in outcome.sets] == [1, 2]
    assert outcome.sets[1].path == tmp_path / "out.set2-squat.json"
    first, second = (json.loads(s.path.read_text()) for s in outcome.sets)
    assert first["frames"] == half and second["frames"] == len(track) - half
    # The second set's clock starts again at zero.
    assert second["duration_s"] < first["duration_s"] + 1 and second["duration_s"] < 7
    total = replay_track(track, ExerciseEngine(squat)).to_dict()["reps"]["total"]
    assert first["reps"]["total"] + second["reps"]["total"] in (total - 1, total)  # a rep may be cut


def test_switching_exercise_saves_one_file_per_set_named_by_exercise(track, squat, tmp_path: Path) -> None:
    other = load_exercise("wall-squat")
    controls = ScriptedControls({40: Command.NEXT, 80: Command.PREV, 120: Command.PREV})
    outcome = _session(track, [squat, other], tmp_path, controls=controls).run()
    assert controls.exercises == ["squat", "wall-squat", "squat", "wall-squat"]
    assert [(s.number, s.exercise_id) for s in outcome.sets] == [
        (1, "squat"),
        (2, "wall-squat"),
        (3, "squat"),
        (4, "wall-squat"),
    ]
    assert outcome.sets[3].path == set_path(tmp_path / "out.json", 4, "wall-squat")
    assert json.loads(outcome.sets[3].path.read_text())["exercise"] == "wall-squat"


def test_next_with_one_exercise_keeps_counting(track, squat, tmp_path: Path) -> None:
    outcome = _session(track, [squat], tmp_path, controls=ScriptedControls({10: Command.NEXT})).run()
    assert len(outcome.sets) == 1 and outcome.sets[0].result["frames"] == len(track)


def test_quit_key_ends_the_session_with_a_complete_result(track, squat, tmp_path: Path) -> None:
    outcome = _session(track, [squat], tmp_path, controls=ScriptedControls({50: Command.QUIT})).run()
    assert outcome.error is None and not outcome.interrupted
    assert outcome.sets[0].result["frames"] == 50 and outcome.sets[0].result["partial"] is False


def test_pause_skips_frames_and_cuts_the_time_out(track, squat, tmp_path: Path) -> None:
    seen: list[int] = []

    class TimeSink:
        def write(self, step: Step) -> None:
            seen.append(step.pose_frame.t_ms)

        def finish(self, result: object) -> None:
            pass

        def close(self) -> None:
            pass

    # Pause after 30 analysed frames; the 40th control look (after 10 paused frames) resumes.
    controls = ScriptedControls({30: Command.PAUSE, 40: Command.PAUSE})
    outcome = _session(track, [squat], tmp_path, controls=controls, sinks=[TimeSink()]).run()
    assert controls.paused_frames == 10
    assert outcome.analysed == len(track) - 10
    gaps = [b - a for a, b in itertools.pairwise(seen)]
    assert max(gaps) <= 2 * min(gaps) + 1  # no 10-frame hole in the engine's time
    assert seen[0] == 0


def test_source_failing_midway_saves_a_partial_result(track, squat, tmp_path: Path) -> None:
    frames = TrackFrames(track, fail_after=100)
    outcome = _session(track, [squat], tmp_path, frames=frames, newest_only=True).run()
    assert isinstance(outcome.error, CameraError)
    saved = json.loads((tmp_path / "out.json").read_text())
    assert saved["partial"] is True and 0 < saved["frames"] <= 100


def test_ctrl_c_saves_a_partial_result(track, squat, tmp_path: Path) -> None:
    frames = TrackFrames(track, interrupt_after=60)
    outcome = _session(track, [squat], tmp_path, frames=frames).run()
    assert outcome.interrupted and outcome.error is None
    saved = json.loads((tmp_path / "out.json").read_text())
    assert saved["partial"] is True and saved["frames"] == 60


def test_a_slow_model_gets_the_newest_frame_and_drops_the_rest(track, squat, tmp_path: Path) -> None:
    # The "camera" delivers a frame every 2 ms; the "model" takes 20 ms: most frames are stale.
    frames = TrackFrames(track, pace=0.002)
    session = LiveSession(
        frames,
        TrackEstimator(track, delay=0.02),
        [squat],
        json_path=tmp_path / "out.json",
        newest_only=True,
    )
    outcome = session.run()
    assert outcome.received == len(track)
    assert outcome.analysed < len(track) / 3
    assert outcome.sets[0].result["frames"] == outcome.analysed


class _SharedLoad:
    """How many of several estimators are mid-frame at once, and the timestamps each was given."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = self.most = 0
        self.given: list[list[int]] = []


class _CountingEstimator(TrackEstimator):
    def __init__(self, track, load: _SharedLoad, delay: float) -> None:  # type: ignore[no-untyped-def]
        super().__init__(track, delay=delay)
        self._load = load
        with load.lock:
            self.given: list[int] = []
            load.given.append(self.given)
        self.closed_mid_frame = False

    def estimate(self, image_bgr, t_ms):  # type: ignore[no-untyped-def]
        load = self._load
        with load.lock:
            load.running += 1
            load.most = max(load.most, load.running)
            self.given.append(t_ms)
        try:
            return super().estimate(image_bgr, t_ms)
        finally:
            with load.lock:
                load.running -= 1

    def close(self) -> None:
        self.closed_mid_frame = self._load.running > 0


def _side_by_side(track, load: _SharedLoad, delay: float = 0.005) -> AlternatingEstimator:  # type: ignore[no-untyped-def]
    return AlternatingEstimator(lambda: _CountingEstimator(track, load, delay), 2)


def test_two_landmarkers_take_frames_side_by_side_and_count_the_same(track, squat, tmp_path: Path) -> None:
    # Every frame through two landmarkers, one frame in flight on each: the same session as a
    # replay, each landmarker given its frames in time order (VIDEO mode), both busy at once.
    expected = replay_track(track, ExerciseEngine(squat)).to_dict()
    load = _SharedLoad()
    with _side_by_side(track, load) as estimator:
        session = LiveSession(
            TrackFrames(track), estimator, [squat], json_path=tmp_path / "out.json", newest_only=False
        )
        outcome = session.run()
    saved = json.loads((tmp_path / "out.json").read_text())
    for key in RESULT_KEYS:
        assert saved[key] == expected[key], key
    assert outcome.analysed == len(track) == len(outcome.model_ms)
    assert load.most == 2
    assert sorted(t for given in load.given for t in given) == [int(t) for t in track.t_ms]
    for given in load.given:
        assert given and given == sorted(given) and len(set(given)) == len(given)


def test_a_quit_with_frames_in_flight_keeps_the_frames_shown(track, squat, tmp_path: Path) -> None:
    # Quit after 50 frames while the next one is being estimated: the set holds the 50 shown,
    # and no landmarker is closed mid-frame.
    load = _SharedLoad()
    estimators: list[_CountingEstimator] = []

    def make() -> _CountingEstimator:
        made = _CountingEstimator(track, load, 0.01)
        estimators.append(made)
        return made

    with AlternatingEstimator(make, 2) as estimator:
        outcome = LiveSession(
            TrackFrames(track), estimator, [squat], json_path=tmp_path / "out.json", newest_only=False,
            controls=ScriptedControls({50: Command.QUIT}),
        ).run()  # fmt: skip
    assert outcome.sets[0].result["frames"] == 50 and outcome.analysed == 50
    assert len(estimators) == 2 and not any(e.closed_mid_frame for e in estimators)


def test_a_camera_failing_with_a_frame_in_flight_keeps_that_frame(track, squat, tmp_path: Path) -> None:
    # The camera fails after 100 frames while the 100th is being estimated: it still counts.
    with _side_by_side(track, _SharedLoad()) as estimator:
        outcome = LiveSession(
            TrackFrames(track, fail_after=100), estimator, [squat], json_path=tmp_path / "out.json",
            newest_only=False,
        ).run()  # fmt: skip
    assert isinstance(outcome.error, CameraError)
    saved = json.loads((tmp_path / "out.json").read_text())
    assert saved["partial"] is True and saved["frames"] == 100


def test_a_named_exercise_the_movement_is_not_gets_the_mismatch_notice(tmp_path: Path) -> None:
    # A lunge played as the camera, counted as a calf raise: the overlay shows the notice from
    # the first judgement (10 s in) and the set's JSON keeps it; the count is the calf raise's.
    lunges = load_track("lunge--forward-home")
    shown: list[bool] = []

    class Overlay:  # what a window would draw: the notices of each step
        def write(self, step: Step) -> None:
            shown.append(any(n.kind == "exercise_mismatch" for n in step.report.notices))

        def finish(self, result: object) -> None:
            pass

        def close(self) -> None:
            pass

    calf = load_exercise("calf-raise")
    outcome = _session(lunges, [calf], tmp_path, sinks=[Overlay()]).run()
    assert outcome.error is None
    saved = json.loads((tmp_path / "out.json").read_text())
    assert [n["kind"] for n in saved["notices"]].count("exercise_mismatch") == 1
    assert saved["reps"] == replay_track(lunges, ExerciseEngine(calf)).to_dict()["reps"]
    assert not any(shown[:100]) and shown[-1]


def test_the_right_exercise_live_gets_no_mismatch_notice(track, squat, tmp_path: Path) -> None:
    _session(track, [squat], tmp_path).run()
    saved = json.loads((tmp_path / "out.json").read_text())
    assert "exercise_mismatch" not in [n["kind"] for n in saved["notices"]]
