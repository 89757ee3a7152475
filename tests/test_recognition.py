"""Recognising the exercise (issue 18): the features, the model and its training, ``analyze
--exercise auto``, the ``exercise_mismatch`` notice and the "not sure" path, on committed
pose tracks (no pose model needed)."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.augment import mirrored
from formcheck.cli import main
from formcheck.errors import NotRecognised
from formcheck.people import PersonSelector
from formcheck.pose import PoseFrame
from formcheck.recognition.check import NOTICE_KIND, ExerciseCheck, mismatch_message
from formcheck.recognition.features import FRAME_FEATURES, WINDOW_FEATURES, median, nanquantiles, stack_poses
from formcheck.recognition.model import Model, bundled_model
from formcheck.recognition.recognise import NOT_SURE, Recognition, recognise, windows_of
from formcheck.rules import load_exercise
from formcheck.track import PoseTrack

REPO = Path(__file__).resolve().parent.parent
TRACKS = REPO / "samples" / "tracks"
LUNGE = TRACKS / "lunge--forward-home.track.npz"
BRIDGE = TRACKS / "glute-bridge--home.track.npz"


def _poses(track: PoseTrack) -> tuple[list[PoseFrame], list]:  # type: ignore[type-arg]
    frames = list(track)
    selector = PersonSelector("auto")
    return frames, [selector.select(f) for f in frames]


def _feature(frames: list[PoseFrame], poses: list, name: str) -> float:  # type: ignore[type-arg]
    from formcheck.recognition.features import frame_features

    _, px, world = stack_poses(frames, poses)
    return float(np.nanmedian(frame_features(px, world)[:, FRAME_FEATURES.index(name)]))


def test_posture_features_tell_standing_from_lying() -> None:
    standing = _poses(PoseTrack.load(LUNGE))
    lying = _poses(PoseTrack.load(BRIDGE))
    assert _feature(*standing, "trunk_tilt") < 30  # upright
    assert _feature(*lying, "trunk_tilt") > 50  # on the back
    assert _feature(*standing, "hip_height") > 0.5 > _feature(*lying, "hip_height")


def test_window_features_do_not_depend_on_which_way_the_person_faces() -> None:
    track = PoseTrack.load(LUNGE)
    plain = windows_of(*_poses(track))
    flipped = windows_of(*_poses(mirrored(track)))
    assert np.allclose(plain.log_proba, flipped.log_proba, atol=1e-6)


@pytest.mark.parametrize(
    ("times", "window_s", "hop_s", "expected"),
    [
        ([], 5.0, 1.0, []),
        ([3.0], 5.0, 1.0, [(0, 1)]),  # one frame: one window of it
        ([0.0, 1.0, 2.0], 5.0, 1.0, [(0, 3)]),  # shorter than a window: one window
        # 0..7 s: windows from 0, 1 and 2 s; the one from 2 s reaches the last frame
        ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 5.0, 1.0, [(0, 5), (1, 6), (2, 7)]),
        ([0.5, 1.5, 2.5, 3.5], 2.0, 1.5, [(0, 2), (2, 4)]),
        ([0.0, 0.0, 10.0], 2.0, 1.0, [(0, 2), *[(2, 3)] * 8]),  # empty windows keep a frame
    ],
)
def test_window_starts(
    times: list[float], window_s: float, hop_s: float, expected: list[tuple[int, int]]
) -> None:
    from formcheck.recognition.features import window_starts

    assert window_starts(np.array(times), window_s, hop_s) == expected


def test_every_exercise_the_model_knows_is_a_bundled_rule() -> None:
    """The mismatch check judges among the model's exercises without reading the rule folders:
    each must be a rule formcheck ships."""
    from formcheck.rules import list_exercises

    assert set(bundled_model().classes) <= {r.id for r in list_exercises()}


def test_stack_poses_marks_frames_without_a_person_or_world_landmarks_unknown() -> None:
    frames, poses = _poses(PoseTrack.load(BRIDGE))
    frames, poses = frames[:6], list(poses[:6])
    assert all(p is not None and p.world is not None for p in poses)
    t, px, world = stack_poses(frames, poses)
    poses[2] = None
    poses[4] = dataclasses.replace(poses[4], world=None)
    t2, px2, world2 = stack_poses(frames, poses)
    assert np.array_equal(t, t2)
    assert np.isnan(px2[2]).all() and np.isnan(world2[2]).all()
    assert np.isnan(world2[4]).all() and np.array_equal(px2[4], px[4])
    kept = [0, 1, 3, 5]
    assert np.array_equal(px2[kept], px[kept]) and np.array_equal(world2[kept], world[kept])
    assert world.dtype == px.dtype == np.float64


def test_nanquantiles_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(60, 5))
    a[rng.random(a.shape) < 0.4] = np.nan
    a[:, 2] = np.nan
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        ref = np.vstack([np.nanmedian(a, axis=0), *np.nanpercentile(a, [10, 90], axis=0)])
    assert np.allclose(nanquantiles(a, (0.5, 0.1, 0.9)), ref, equal_nan=True)


@pytest.mark.parametrize(
    "values",
    [
        [],
        [3.0],
        [2.0, 1.0],
        [5.0, 1.0, 4.0],
        [0.5, -1.0, 7.0, 2.0],
        [1.0, float("nan"), 2.0],
        list(range(9, 0, -1)),
    ],
)
def test_median_is_numpys(values: list[float]) -> None:
    a = np.array(values, dtype=np.float64)
    expected = float(np.median(a)) if len(a) else float("nan")
    assert median(a) == expected or (np.isnan(median(a)) and np.isnan(expected))


def test_the_committed_model_matches_the_features_and_round_trips() -> None:
    model = bundled_model()
    assert model.mean.shape == (len(WINDOW_FEATURES),)
    assert model.fit_weights.any()  # the rules' own fit re-ranks the leading exercises
    again = Model.from_dict(json.loads(json.dumps(model.to_dict())))
    x = np.random.default_rng(0).normal(size=(4, len(WINDOW_FEATURES))) * model.scale + model.mean
    assert np.allclose(again.log_proba(x), model.log_proba(x))


def test_training_is_reproducible_and_learns_its_exercises() -> None:
    sys.path.insert(0, str(REPO / "samples" / "recognition"))
    from dataset import load_clips, rule_fits, windows
    from train import train

    ids = ("quad-stretch", "wall-slide", "hip-flexor-stretch")
    clips = load_clips(ids)
    rules = [load_exercise(i) for i in ids]
    ws, fits = windows(clips), rule_fits(clips, rules)
    first, second = train(ws, clips, fits), train(ws, clips, fits)
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())
    for clip in clips:  # trained on them: each is its own exercise
        rec = recognise(clip.frames, clip.poses, model=first)
        assert rec.leading == clip.exercise, clip.name


def test_auto_picks_the_exercise_and_records_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run.json"
    assert main(["analyze", str(LUNGE), "--exercise", "auto", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["exercise"] == "lunge"
    rec = data["recognition"]
    assert rec["id"] == "lunge" and 0.5 <= rec["confidence"] <= 1
    assert rec["alternatives"] and all(0 <= a["confidence"] < rec["confidence"] for a in rec["alternatives"])
    assert not [n for n in data["notices"] if n["kind"] == NOTICE_KIND]
    assert "recognised" in capsys.readouterr().out


def test_the_wrong_exercise_gets_a_notice_and_is_still_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run.json"
    assert main(["analyze", str(LUNGE), "--exercise", "calf-raise", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["exercise"] == "calf-raise"  # counted as asked
    notices = [n for n in data["notices"] if n["kind"] == NOTICE_KIND]
    assert len(notices) == 1
    assert "looks like a lunge, not a calf raise" in notices[0]["message"]
    assert "looks like a lunge" in capsys.readouterr().out.replace("\n", " ")


def test_the_right_exercise_gets_no_notice(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    assert main(["analyze", str(BRIDGE), "--exercise", "glute-bridge", "--json", str(out)]) == 0
    assert not [n for n in json.loads(out.read_text())["notices"] if n["kind"] == NOTICE_KIND]


def test_the_notice_is_on_the_frames_when_judged_while_running() -> None:
    frames, poses = _poses(PoseTrack.load(LUNGE))
    from formcheck.engine import ExerciseEngine

    check = ExerciseCheck(ExerciseEngine(load_exercise("calf-raise")), "calf-raise", while_running=True)
    shown = [
        any(n.kind == NOTICE_KIND for n in check.update(f, p).notices)
        for f, p in zip(frames, poses, strict=True)
    ]
    assert not any(shown[:100]) and shown[-1]  # after the first judgement, from then on
    assert any(n.kind == NOTICE_KIND for n in check.finish().notices)


def _still_track(path: Path) -> Path:
    """Someone standing still for 10 s (the first pose of a squat clip, with a little noise)."""
    first = PoseTrack.load(TRACKS / "squat--front-good.track.npz")
    pose = first.frame(0).poses[0]
    rng = np.random.default_rng(0)
    noise = np.array([1, 1, 0, 0, 0], dtype=np.float32)
    frames = [
        PoseFrame(
            i,
            round(i * 1000 / 30),
            first.image_size,
            (
                type(pose)(
                    pose.landmarks + rng.normal(0, 0.002, pose.landmarks.shape).astype(np.float32) * noise,
                    pose.world,
                ),
            ),
        )
        for i in range(300)
    ]
    return PoseTrack.from_frames(frames, dict(first.meta, fps=30.0)).save(path)


def test_no_exercise_is_not_sure_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    track = _still_track(tmp_path / "still.track.npz")
    assert main(["analyze", str(track), "--exercise", "auto"]) == NotRecognised.exit_code == 11
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "not sure which exercise" in lines[0] and "--exercise" in lines[0]


def test_nothing_seen_gives_no_opinion() -> None:
    assert mismatch_message(NOT_SURE, "squat", {}) is None
    rec = Recognition(None, 0.0, (), 0.0, 0.0)
    assert rec.leading is None and rec.to_dict() == {"id": None, "confidence": 0.0, "alternatives": []}


def test_auto_is_refused_for_a_batch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(LUNGE), str(BRIDGE), "--exercise", "auto"]) == 2
    assert "one input at a time" in capsys.readouterr().err


def test_help_mentions_auto(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "--help"]) == 0
    assert "auto" in capsys.readouterr().out


def test_the_suite_with_auto_fails_a_clip_recognised_otherwise(capsys: pytest.CaptureFixture[str]) -> None:
    main(["test", str(REPO / "samples"), "--exercise", "auto", "--clip", "lunge--forward-home*"])
    out = capsys.readouterr().out
    assert "lunge--forward-home" in out and "recognised as" not in out


@pytest.mark.parametrize(
    "stem", ["squat--two-people-correct-vs-wrong", "quad-stretch--standing-home", "clamshell--band-studio"]
)
def test_the_checks_stream_has_the_features_stack_poses_gives_the_same_frames(
    stem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two people, frames without anybody, a 60 fps clip; several chunks (CHUNK made small), each
    laid out for 5 rows first and grown as it fills (FIRST_ROWS made small)."""
    import formcheck.recognition.check as check
    from formcheck.recognition.features import frame_features
    from formcheck.recognition.rulefit import FIT_GAP_MS

    monkeypatch.setattr(check, "CHUNK", 37)
    monkeypatch.setattr(check, "FIRST_ROWS", 5)
    track = PoseTrack.load(TRACKS / f"{stem}.track.npz")
    selector = PersonSelector()
    stream = check.PoseStream()
    taken: list[tuple[PoseFrame, object]] = []
    last = -1e18
    for frame in track:
        pose = selector.select(frame)
        stream.add(frame, pose)
        if frame.t_ms - last >= FIT_GAP_MS:
            taken.append((frame, pose))
            last = frame.t_ms
    assert len(stream._chunk.index) == 37  # grown from 5 to the chunk's 37 rows (5, 10, 20, 37)
    stream._flush()
    t, px, world = stack_poses([f for f, _ in taken], [p for _, p in taken])  # type: ignore[misc]
    assert len(stream._t) > 1  # more than one chunk
    assert np.array_equal(np.concatenate(stream._t), t)
    assert np.array_equal(np.concatenate(stream._feats), frame_features(px, world), equal_nan=True)
    assert np.array_equal(np.concatenate(stream._seen), np.array([p is not None for _, p in taken]))
    assert stream.span_s == (t[0], taken[-1][0].t_ms / 1000)


def test_the_checks_stream_keeps_the_taken_poses_for_the_rules_thinned_past_its_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every taken frame is kept for the rules' replays until 2 * MAX_FRAMES, then every other
    one so far and every other one from then on: frame for frame, with the same numbers."""
    import formcheck.recognition.check as check
    from formcheck.recognition.rulefit import FIT_GAP_MS

    monkeypatch.setattr(check, "CHUNK", 29)
    monkeypatch.setattr(check, "MAX_FRAMES", 20)
    track = PoseTrack.load(TRACKS / "squat--two-people-correct-vs-wrong.track.npz")
    selector = PersonSelector()
    stream = check.PoseStream()
    kept: list[tuple[PoseFrame, object]] = []
    every, taken, last = 1, 0, -1e18
    for frame in track:
        pose = selector.select(frame)
        stream.add(frame, pose)
        if frame.t_ms - last < FIT_GAP_MS:
            continue
        last = frame.t_ms
        if taken % every == 0:
            kept.append((frame, pose))
            if len(kept) > 40:
                kept, every = kept[::2], every * 2
        taken += 1
    stream._flush()
    assert every >= 4  # thinned twice at least
    frames, poses = stream._thinned()

    def ids(fs: list[PoseFrame]) -> list[tuple[int, int, tuple[int, int]]]:
        return [(f.index, f.t_ms, f.image_size) for f in fs]

    assert ids(frames) == ids([f for f, _ in kept])
    for mine, (_, theirs) in zip(poses, kept, strict=True):
        assert (mine is None) == (theirs is None)
        if mine is not None and theirs is not None:
            assert np.array_equal(mine.landmarks, theirs.landmarks)  # type: ignore[attr-defined]
            assert np.array_equal(mine.world, theirs.world)  # type: ignore[attr-defined]


def _frames_of(feats: dict[str, float], n: int = 60) -> np.ndarray:
    out = np.full((n, len(FRAME_FEATURES)), np.nan)
    for name, value in feats.items():
        out[:, FRAME_FEATURES.index(name)] = value
    return out


FLOOR, LEVEL, SIDE = "on the floor", "on the floor, facing up or down", "lying on the side"


@pytest.mark.parametrize(
    ("name", "feats", "expected"),
    [
        ("standing tall", {"trunk_tilt": 5, "hip_height": 1.05, "knee_flex_lo": 12}, "upright"),
        ("lying, hips unseen in 3D", {"trunk_tilt": 95, "hip_height": 0.1, "knee_flex_lo": 80}, FLOOR),
        (
            "lying on the back",
            {"trunk_tilt": 95, "hip_height": 0.1, "knee_flex_lo": 80, "hip_line_tilt": 80},
            LEVEL,
        ),
        ("on all fours", {"trunk_tilt": 84, "hip_height": 0.44, "hip_line_tilt": 70}, LEVEL),
        ("lying on the side", {"trunk_tilt": 90, "hip_height": 0.2, "hip_line_tilt": 12}, SIDE),
        ("hips nearly stacked", {"trunk_tilt": 90, "hip_height": 0.2, "hip_line_tilt": 29}, SIDE),
        ("hip line half way", {"trunk_tilt": 90, "hip_height": 0.2, "hip_line_tilt": 45}, FLOOR),
        ("hips nearly level", {"trunk_tilt": 90, "hip_height": 0.2, "hip_line_tilt": 61}, LEVEL),
        ("kneeling upright", {"trunk_tilt": 10, "hip_height": 0.6, "knee_flex_lo": 90}, None),
        ("seated on a chair", {"trunk_tilt": 5, "hip_height": 0.5, "knee_flex_lo": 90}, None),
        ("bent forward, hips high", {"trunk_tilt": 85, "hip_height": 1.0, "knee_flex_lo": 10}, None),
    ],
)
def test_the_posture_told_for_certain(name: str, feats: dict[str, float], expected: str | None) -> None:
    from formcheck.recognition.posture import observed_posture

    assert observed_posture(_frames_of(feats)) == expected, name


def test_a_squat_set_is_upright_only_if_mostly_standing() -> None:
    from formcheck.recognition.posture import observed_posture

    standing = {"trunk_tilt": 5, "hip_height": 1.05, "knee_flex_lo": 12}
    squatting = {"trunk_tilt": 30, "hip_height": 0.6, "knee_flex_lo": 95}
    mostly = np.vstack([_frames_of(standing, 50), _frames_of(squatting, 10)])
    half = np.vstack([_frames_of(standing, 30), _frames_of(squatting, 30)])
    assert observed_posture(mostly) == "upright" and observed_posture(half) is None
    assert observed_posture(_frames_of(standing, 5)) is None  # too little seen to be sure


def test_a_rule_done_standing_run_on_someone_lying_down_says_so() -> None:
    # A rule the recogniser was never trained on (a physio's own): its posture is still checked.
    import dataclasses

    from formcheck.engine import ExerciseEngine

    own = dataclasses.replace(load_exercise("squat"), id="my-squat", name="My squat")
    for track, expected in ((BRIDGE, True), (TRACKS / "squat--front-20-reps-counter.track.npz", False)):
        frames, poses = _poses(PoseTrack.load(track))
        check = ExerciseCheck.of(ExerciseEngine(own), own)
        assert not check.applies
        for f, p in zip(frames, poses, strict=True):
            check.update(f, p)
        said = [n.message for n in check.finish().notices if n.kind == NOTICE_KIND]
        if expected:
            done = "done standing: the person was on the floor, facing up or down; counted as asked"
            assert said == [f"this does not look like a my squat, {done}"]
        else:
            assert said == []


@pytest.mark.parametrize(
    ("rule", "track", "observed"),
    [
        ("clamshell", "glute-bridge--home", LEVEL),
        ("glute-bridge", "clamshell--band-studio", SIDE),
        ("glute-bridge", "side-lying-leg-lift--studio", SIDE),
        ("clamshell", "clamshell--band-studio", None),
        ("side-lying-leg-lift", "clamshell--band-studio", None),
        ("glute-bridge", "glute-bridge--home", None),
        ("glute-stretch", "glute-bridge--home", None),
    ],
)
def test_lying_on_the_side_or_the_back_told_apart(rule: str, track: str, observed: str | None) -> None:
    # Both are "on the floor"; which way the hips face tells them apart, so a physio's own
    # side-lying rule run on someone lying on their back (or the other way round) says so, with
    # no model behind it. The same posture never gets the notice.
    import dataclasses

    from formcheck.engine import ExerciseEngine

    own = dataclasses.replace(load_exercise(rule), id=f"my-{rule}", name="My exercise")
    frames, poses = _poses(PoseTrack.load(TRACKS / f"{track}.track.npz"))
    check = ExerciseCheck.of(ExerciseEngine(own), own)
    for f, p in zip(frames, poses, strict=True):
        check.update(f, p)
    said = [n.message for n in check.finish().notices if n.kind == NOTICE_KIND]
    if observed is None:
        assert said == []
    else:
        assert len(said) == 1 and said[0].endswith(f": the person was {observed}; counted as asked"), said


def test_exercises_the_posture_rules_out_are_no_candidates() -> None:
    # Four windows that favour a side-lying exercise, then a supine one: seen lying on the back,
    # the side-lying one goes and the supine one leads; with no posture observed, nothing goes.
    from formcheck.recognition.recognise import verdict

    classes = ["clamshell", "glute-bridge", "squat"]
    log_p = np.log(np.tile([0.6, 0.3, 0.1], (4, 1)))
    postures = {"clamshell": "lying-on-side", "glute-bridge": "lying-on-back", "squat": "standing"}
    asked: list[str] = []

    def posture_of(exercise_id: str) -> str | None:
        asked.append(exercise_id)
        return postures[exercise_id]

    def judged(observed: str | None) -> list[str]:
        rec = verdict(log_p, np.zeros(4), classes, seen_s=10.0, observed=observed, posture_of=posture_of)
        return [i for i, _ in rec.ranked]

    assert judged(None) == ["clamshell", "glute-bridge", "squat"] and asked == []
    assert judged("on the floor, facing up or down") == ["glute-bridge"]
    assert judged("lying on the side") == ["clamshell"]
    # a posture that rules out every candidate tells nothing about which: all stay
    one = classes[:1]
    only = verdict(log_p[:, :1], np.zeros(4), one, seen_s=10.0, observed="upright", posture_of=posture_of)
    assert only.leading == "clamshell"


def test_a_rule_that_refuses_the_movements_fits_them_less() -> None:
    """``rulefit``'s ``unlike``: the share of the time in movements the rule refused as unlike its
    exercise (a lunge's split thighs, analysed as a squat), which the fit weights count against it."""
    from formcheck.recognition.rulefit import FIT_FEATURES, rule_fit, thin

    frames, poses = thin(*_poses(PoseTrack.load(LUNGE)))
    unlike = FIT_FEATURES.index("unlike")
    as_squat = rule_fit(load_exercise("squat"), frames, poses)
    as_lunge = rule_fit(load_exercise("lunge"), frames, poses)
    assert as_squat[FIT_FEATURES.index("work")] == 0.0 and as_squat[unlike] > 0.2
    assert as_lunge[FIT_FEATURES.index("work")] > 0.2 and as_lunge[unlike] == 0.0
    assert bundled_model().fit_weights[unlike] < 0.0
