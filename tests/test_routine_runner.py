"""The routine runner over recorded pose tracks: per-exercise counts equal each clip analysed
alone, the side switch, sets and rests happen at the frame timestamps they should (no sleeps,
no clock), the keys step through the routine, and nothing is counted for the wrong exercise."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from formcheck.engine import ExerciseEngine, SessionResult
from formcheck.live.controls import Command
from formcheck.pipeline import replay_track, run
from formcheck.pose import PoseFrame
from formcheck.routines.model import PlannedExercise, RoutineEntry, plan_entry
from formcheck.routines.runner import RoutineRunner
from formcheck.routines.session import RoutineSession
from formcheck.rules import load_exercise
from formcheck.rules.model import Range
from formcheck.track import PoseTrack
from live_support import ScriptedControls, TrackEstimator, TrackFrames, load_track

GAP_MS = 33  # between the last frame of one clip and the first of the next


def chained(tracks: Sequence[PoseTrack]) -> tuple[list[tuple[None, PoseFrame]], list[int]]:
    """The tracks one after the other, as one stream (each keeps its own frame size)."""
    pairs: list[tuple[None, PoseFrame]] = []
    offsets: list[int] = []
    offset = 0
    for track in tracks:
        offsets.append(offset)
        pairs += [(None, dataclasses.replace(f, t_ms=f.t_ms + offset)) for f in track]
        offset += int(track.t_ms[-1]) + GAP_MS
    return pairs, offsets


def planned(number: int, exercise: str, **dose: object) -> PlannedExercise:
    entry = RoutineEntry(exercise, **{k: Range(v, v) if isinstance(v, int) else v for k, v in dose.items()})  # type: ignore[arg-type]
    return plan_entry(number, entry, load_exercise(exercise), 0.0)


# (track, exercise, dose overrides besides the counts): the order matters at the joins, see below
CLIPS = [
    ("glute-bridge--side-mat", "glute-bridge", {}),
    ("squat--studio-angled-side", "squat", {}),
    ("bridge-kick--single-leg-home", "bridge-kick", {}),
    ("inner-thigh-stretch--butterfly-studio", "inner-thigh-stretch", {"hold_s": 3}),
]


def test_a_routine_over_clips_in_a_row_counts_each_as_its_clip_alone() -> None:
    """Each clip analysed alone with its rule, then all of them in a row through the routine
    with the doses those analyses reached and no rests: the same reps, rep for rep (time, side,
    good or faulty), and the same holds.

    The join is where the two may differ: a set ends at the rep that completes its dose, and
    the rest of that clip (1-2 s here) is the next exercise's start. Were the bridge kick (hips
    up) followed by the glute bridge, the bridge's counter would start inside the kick's last
    bridge and miss the first bridge; after a rest, as in a real routine, it does not."""
    tracks = [load_track(stem) for stem, _, _ in CLIPS]
    plan: list[PlannedExercise] = []
    singles: list[SessionResult] = []
    for number, ((_, exercise, dose), track) in enumerate(zip(CLIPS, tracks, strict=True), 1):
        probe = planned(number, exercise, **dose)
        single = replay_track(track, ExerciseEngine(probe.exercise))
        singles.append(single)
        if probe.reps is not None:
            count = single.reps["left"] if probe.sides_counted else single.reps["total"]
            assert count, f"{exercise}: the clip must count reps to compare"
            probe = planned(number, exercise, **dose, reps=count, sets=1)
        else:
            assert any(h.completed for h in single.holds), f"{exercise}: the clip must hold to compare"
            probe = planned(number, exercise, **dose, sets=1)
        plan.append(dataclasses.replace(probe, rest_s=0.0))
    pairs, offsets = chained(tracks)
    runner = RoutineRunner(plan)
    run(pairs, runner)

    assert [s.exercise_id for s in runner.sets] == [c[1] for c in CLIPS]
    ended = [(s.exercise_id, s.completed, s.ended_by) for s in runner.sets]
    assert ended == [(c[1], True, "dose") for c in CLIPS]
    assert runner.stage == "done"
    for record, single, offset in zip(runner.sets, singles, offsets, strict=True):
        got = record.result
        assert got.reps == single.reps, record.exercise_id
        assert len(got.rep_events) == len(single.rep_events)
        for mine, alone in zip(got.rep_events, single.rep_events, strict=True):
            # the same rep at the same moment of the video (routine time vs the clip's own)
            assert abs(record.started_s + mine.t_s - (offset / 1000 + alone.t_s)) < 0.05, record.exercise_id
            assert (mine.side, mine.good, mine.faults) == (alone.side, alone.good, alone.faults)
        if not single.rep_events:  # the stretch: its hold reached the routine's dose, as alone
            assert [h.completed for h in got.holds] == [True]
            assert any(h.completed for h in single.holds)
    said = [a.kind for a in runner.log]
    assert said.count("exercise") == 4 and said[-1] == "done"


def frames_of(track: PoseTrack, *, repeat: int = 1) -> Iterator[tuple[None, PoseFrame]]:
    """A track played ``repeat`` times in a row (one continuous stream)."""
    offset = 0
    for _ in range(repeat):
        for f in track:
            yield None, dataclasses.replace(f, t_ms=f.t_ms + offset)
        offset += int(track.t_ms[-1]) + GAP_MS


def test_side_switch_sets_and_rest_follow_the_frame_timestamps() -> None:
    """Bridge kicks, 3 per leg, 2 sets, 4 s rest: "now the right leg" at the frame of the third
    left rep, the set ends at the third right one, the rest lasts 4 s of frame time (nothing is
    counted in it), then set 2 starts on the first frame after it."""
    track = load_track("bridge-kick--single-leg-home")  # left, left, left, right, right, right
    kick = dataclasses.replace(planned(1, "bridge-kick", reps=3, sets=2), rest_s=4.0)
    runner = RoutineRunner([kick])
    seen: list[tuple[int, str, int]] = []  # (t_ms, stage, set) of every frame
    events: list[tuple[float, str, str | None]] = []

    def watch(step: object) -> None:
        t = step.pose_frame.t_ms  # type: ignore[attr-defined]
        seen.append((t, runner.stage, runner.set_number))
        for e in step.report.events:  # type: ignore[attr-defined]
            if e.kind == "rep":
                events.append((runner.set_start_s + e.t_s, e.side or "", runner.set_number))

    run(frames_of(track, repeat=2), runner, on_step=watch)
    log = {(a.kind, a.text): a.t_s for a in runner.log}
    first_set = [e for e in events if e[2] == 1]
    assert len(first_set) == 6  # the person alternates legs: 3 each
    counts = {"left": 0, "right": 0}
    done_first = None
    for t_s, side, _ in first_set:
        counts[side] += 1
        if counts[side] == 3 and done_first is None:
            done_first = (t_s, side)
    assert done_first is not None
    other = "left" if done_first[1] == "right" else "right"
    switches = [a for a in runner.log if a.kind == "side"]
    assert [a.text for a in switches] == [f"now the {other} leg"] * 2  # once in each set
    assert switches[0].t_s == pytest.approx(done_first[0], abs=1e-6)  # at the frame of that rep
    set_end = runner.sets[0].ended_s
    assert set_end == pytest.approx(first_set[5][0], abs=1e-6) and runner.sets[0].completed
    rest = [t for t, stage, _ in seen if stage == "rest"]
    # the frame that ended the set is the rest's first; the rest ends 4 s of frame time later
    assert rest and rest[0] == round(set_end * 1000) and rest[-1] < set_end * 1000 + 4000
    second = runner.sets[1] if len(runner.sets) > 1 else None
    assert second is not None and second.set_number == 2
    after = [t for t, _, _ in seen if t >= set_end * 1000 + 4000]
    assert second.started_s == pytest.approx(after[0] / 1000)  # the first frame after the 4 s
    assert not [e for e in events if set_end < e[0] < set_end + 4]  # nothing counted in the rest
    assert ("rest", "rest 4 seconds, then set 2 of 2") in log


def test_a_per_side_dose_on_a_rule_without_sides_is_done_in_halves() -> None:
    """Clamshells (the rule counts the working leg without telling which): 3 per side means 3,
    "now the other leg", 3 more."""
    track = load_track("clamshell--band-studio")  # 6 reps
    shell = planned(1, "clamshell", reps=3, sets=1, per_side=True)
    runner = RoutineRunner([shell])
    run(frames_of(track), runner)
    assert [(a.kind, a.text) for a in runner.log if a.kind == "side"] == [("side", "now the other leg")]
    assert runner.sets[0].completed and runner.sets[0].result.reps["total"] == 6


def test_waiting_for_the_exercise_rather_than_counting_something_else() -> None:
    """A squat routine shown someone doing glute bridges on the floor: no squat is counted and,
    after the waiting time, the runner says what it waits for."""
    track = load_track("glute-bridge--side-mat")  # 8 s lying down
    squat = planned(1, "squat", reps=5, sets=1)
    runner = RoutineRunner([squat], wait_s=5.0)
    run(frames_of(track), runner)
    waits = [a for a in runner.log if a.kind == "waiting"]
    assert len(waits) == 1
    assert waits[0].text == "waiting for: bodyweight squat - Stand tall, feet about shoulder-width apart"
    assert 5.0 <= waits[0].t_s < 6.0
    assert runner.sets[0].result.reps["total"] == 0 and not runner.sets[0].completed


def test_start_card_shows_until_the_first_rep_or_the_card_time(tmp_path: Path) -> None:
    track = load_track("squat--studio-angled-side")
    runner = RoutineRunner([planned(1, "squat", reps=6, sets=1)], card_s=6.0)
    shown: list[tuple[int, bool, int]] = []
    run(
        frames_of(track),
        runner,
        on_step=lambda s: shown.append(
            (s.pose_frame.t_ms, runner.card_visible, int(s.report.reps.get("total") or 0))
        ),
    )
    first_rep_or_hold = min(t for t, _, n in shown if n >= 1)
    assert shown[0][1] is True
    assert not [t for t, card, _ in shown if card and t >= first_rep_or_hold]


def test_keys_next_back_repeat_through_the_session(tmp_path: Path) -> None:
    """The window's keys in a session over a track played as a camera: → skips to the next
    exercise, ← goes back, r repeats the set; each ended set is kept, marked how it ended."""
    track = load_track("squat--front-20-reps-counter")
    plan = [planned(1, "squat", reps=50, sets=1), planned(2, "lunge", reps=50, sets=1)]
    runner = RoutineRunner(plan)
    # frame counts at which the "window" reports a key
    controls = ScriptedControls({100: Command.NEXT, 200: Command.PREV, 300: Command.RESET, 400: Command.QUIT})
    session = RoutineSession(
        TrackFrames(track), TrackEstimator(track), runner, json_path=tmp_path / "r.json",
        controls=controls, newest_only=False,
    )  # fmt: skip
    outcome = session.run()
    assert outcome.error is None and not outcome.interrupted
    ended = [(s.exercise_id, s.set_number, s.ended_by) for s in runner.sets]
    assert ended == [("squat", 1, "next"), ("lunge", 1, "back"), ("squat", 1, "repeat"), ("squat", 1, "end")]
    assert not any(s.completed for s in runner.sets)
    assert sum(s.result.frames for s in runner.sets) == 400  # every analysed frame in exactly one set


def test_pause_cuts_the_paused_time_out_of_the_rest(tmp_path: Path) -> None:
    """Space during a rest: the countdown stops while paused (the session's clock cuts the
    paused frames out), so the rest still lasts its seconds of un-paused frames."""
    track = load_track("squat--front-20-reps-counter")
    runner = RoutineRunner([dataclasses.replace(planned(1, "squat", reps=2, sets=2), rest_s=3.0)])
    stages: list[str] = []

    class Watch:
        def write(self, step: object) -> None:
            stages.append(runner.stage)

        def finish(self, result: object) -> None:
            pass

        def close(self) -> None:
            pass

    controls = ScriptedControls({})
    session = RoutineSession(
        TrackFrames(track), TrackEstimator(track), runner, json_path=tmp_path / "r.json",
        controls=controls, newest_only=False, sinks=[Watch()],
    )  # fmt: skip
    original = controls.take_command

    def keys() -> Command | None:  # pause on the 10th frame of the rest, resume 60 frames later
        rest_frames = stages.count("rest")
        if rest_frames == 10 and not getattr(keys, "paused", False):
            keys.paused = True  # type: ignore[attr-defined]
            keys.resume_at = controls.steps + 60  # type: ignore[attr-defined]
            return Command.PAUSE
        if getattr(keys, "resume_at", None) == controls.steps + 1:
            controls.steps += 1
            return Command.PAUSE
        return original()

    controls.take_command = keys  # type: ignore[method-assign]
    controls.poll = lambda wait_ms=1: keys()  # type: ignore[method-assign]
    session.run()
    assert runner.stage == "done" and len(runner.sets) == 2
    rest_s = runner.sets[1].started_s - runner.sets[0].ended_s
    assert 3.0 <= rest_s < 3.1  # 3 s of frames that were not paused
    assert controls.paused_frames >= 50
