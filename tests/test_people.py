"""Person selection: lock onto the exercising person, never jump to a bystander."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.landmarks import COUNT
from formcheck.people import PersonSelector
from formcheck.pose import Pose, PoseFrame


def body(cx: float, height: float, *, cy: float = 0.5, visibility: float = 0.9) -> Pose:
    """A crude upright body: landmarks spread over a box centred at (cx, cy)."""
    rng = np.random.default_rng(int(cx * 1000 + height * 100))
    lm = np.zeros((COUNT, 5), dtype=np.float32)
    lm[:, 0] = cx + (rng.random(COUNT) - 0.5) * height * 0.4
    lm[:, 1] = cy + (rng.random(COUNT) - 0.5) * height
    lm[:, 3] = visibility
    lm[:, 4] = 1.0
    return Pose(lm)


def frame(t_ms: int, *poses: Pose) -> PoseFrame:
    return PoseFrame(t_ms // 33, t_ms, (1280, 720), tuple(poses))


def test_picks_the_big_central_person_over_a_small_one_at_the_edge() -> None:
    patient, bystander = body(0.5, 0.8), body(0.9, 0.4)
    assert PersonSelector().select(frame(0, bystander, patient)) is patient


def test_stays_with_the_person_when_the_model_reorders_poses() -> None:
    sel = PersonSelector()
    a, b = body(0.35, 0.7), body(0.75, 0.6)
    first = sel.select(frame(0, a, b))
    for i in range(1, 30):
        # Both move a little; the model returns them in alternating order.
        a2, b2 = body(0.35 + i * 0.002, 0.7), body(0.75 - i * 0.002, 0.6)
        chosen = sel.select(frame(i * 33, *((a2, b2) if i % 2 else (b2, a2))))
        expected = a2 if first is a else b2
        assert chosen is expected


def test_a_briefly_unseen_person_is_not_replaced_by_a_bystander() -> None:
    sel = PersonSelector(lost_after_s=1.5)
    patient, bystander = body(0.5, 0.8), body(0.9, 0.5)
    assert sel.select(frame(0, patient, bystander)) is patient
    # The patient is occluded for 1 s: only the bystander is seen.
    for t in range(33, 1000, 33):
        assert sel.select(frame(t, bystander)) is None
    assert sel.select(frame(1033, patient, bystander)) is patient


def test_a_close_up_unseen_for_a_moment_is_not_replaced_by_the_bystander_it_reaches() -> None:
    """A close-up's large body reaches across to a still bystander: lost for a moment, the pose
    where the bystander stood is the bystander (seen beside ours), not ours moved; ours is
    followed again when seen."""
    sel = PersonSelector(lost_after_s=1.5)
    close_up, bystander = body(0.55, 1.6), body(0.2, 0.8)
    assert sel.select(frame(0, close_up, bystander)) is close_up
    assert [sel.select(frame(t, bystander)) for t in range(33, 1000, 33)] == [None] * 30
    back = body(0.57, 1.6)
    assert sel.select(frame(1033, back, bystander)) is back


def test_the_same_person_seen_twice_is_no_bystander() -> None:
    """The model returns one body twice for a frame (two overlapping poses); the next frame has
    one pose, a little off ours: still ours."""
    sel = PersonSelector(lost_after_s=1.5)
    ours, twin = body(0.50, 0.8), body(0.53, 0.8)
    assert sel.select(frame(0, ours)) is ours
    assert sel.select(frame(33, ours, twin)) is ours
    assert sel.select(frame(66, twin)) is twin


def test_after_a_long_absence_the_selector_picks_again() -> None:
    sel = PersonSelector(lost_after_s=1.0)
    patient, bystander, other = body(0.3, 0.8), body(0.6, 0.5), body(0.8, 0.7)
    assert sel.select(frame(0, patient, bystander)) is patient
    results = [sel.select(frame(t, other)) for t in range(33, 2500, 33)]
    assert results[0] is None  # somebody else was in view: not followed at once
    assert results[-1] is other


def test_one_person_re_framed_by_a_camera_cut_is_followed_at_once() -> None:
    """Alone in view, the person jumps (a cut to a close-up): still them, not a bystander."""
    sel = PersonSelector(lost_after_s=1.5)
    wide, close_up = figure(0.3, 0.5), figure(0.6, 0.95)
    assert sel.select(frame(0, wide)) is wide
    assert all(sel.select(frame(t, close_up)) is close_up for t in range(33, 1000, 33))


def test_a_lone_body_turned_another_way_elsewhere_is_not_taken_at_once() -> None:
    """Lying on the floor, then a pose standing elsewhere: not a re-framing (a camera cut does
    not turn the body); the usual wait before following someone new applies."""
    standing = figure(0.7, 0.6)
    lm = figure(0.3, 0.5).landmarks.copy()
    cx, cy = 0.3, 0.5
    lm[:, 0], lm[:, 1] = cx + (lm[:, 1] - cy) * 0.6, cy - (lm[:, 0] - cx)  # turned 90°: lying
    lying = Pose(lm)
    sel = PersonSelector(lost_after_s=1.5)
    assert sel.select(frame(0, lying)) is lying
    results = [sel.select(frame(t, standing)) for t in range(33, 2500, 33)]
    assert results[0] is None and results[-1] is standing


@pytest.mark.parametrize(("choice", "expected_x"), [("left", 0.2), ("right", 0.8), ("largest", 0.8)])
def test_user_override(choice: str, expected_x: float) -> None:
    left, right = body(0.2, 0.5), body(0.8, 0.9)
    chosen = PersonSelector(choice).select(frame(0, left, right))
    assert chosen is (left if expected_x == 0.2 else right)


def test_no_pose_gives_none_and_counts_people() -> None:
    sel = PersonSelector()
    assert sel.select(frame(0)) is None
    sel.select(frame(33, body(0.4, 0.6), body(0.7, 0.6)))
    assert sel.people_seen == 2


def test_rejects_an_unknown_choice() -> None:
    with pytest.raises(ValueError, match="person choice"):
        PersonSelector("tallest")


# -- who moves: the motion referee (issue 13) ------------------------------------------------
def figure(cx: float, height: float, *, limbs_dy: float = 0.0, swing: float = 0.0, seed: int = 0) -> Pose:
    """An upright person as the model draws one: head, shoulders, hips, knees and ankles one
    above the other around x = ``cx``; ``limbs_dy`` moves the knees, ankles, elbows and wrists
    against the torso (a squat), ``swing`` moves the legs sideways (walking); 0.1 % jitter."""
    from formcheck.landmarks import INDEX

    rng = np.random.default_rng(seed)
    lm = np.zeros((COUNT, 5), dtype=np.float32)
    lm[:, 0], lm[:, 1] = cx, 0.5 - 0.45 * height  # the face
    rows = {"shoulder": -0.25, "elbow": -0.05, "wrist": 0.1, "hip": 0.0, "knee": 0.25, "ankle": 0.5,
            "heel": 0.52, "foot_index": 0.5}  # fmt: skip
    for part, dy in rows.items():
        for side, dx in (("left", 0.06), ("right", -0.06)):
            i = INDEX[f"{side}_{part}"]
            moving = part not in ("shoulder", "hip")
            sway = swing * (1 if side == "left" else -1) if part in ("knee", "ankle") else 0.0
            lm[i, 0] = cx + dx * height + sway
            lm[i, 1] = 0.5 + dy * height + (limbs_dy if moving else 0.0)
    lm[:, :2] += rng.normal(0.0, 0.001, (COUNT, 2)).astype(np.float32)
    lm[:, 3], lm[:, 4] = 0.9, 1.0
    return Pose(lm)


def _followed_x(sel: PersonSelector, f: PoseFrame) -> float | None:
    pose = sel.select(f)
    return None if pose is None else float(pose.landmarks[:, 0].mean())


def test_a_still_person_seen_first_gives_way_to_the_one_exercising() -> None:
    sel = PersonSelector()
    xs = []
    for i in range(300):  # 10 s at 30 fps
        t = i * 33
        coach = figure(0.5, 0.8, seed=i)  # big, central, seen alone first, still
        squat = figure(0.2, 0.6, limbs_dy=-0.12 * (1 - np.cos(2 * np.pi * t / 3000)) / 2, seed=1000 + i)
        xs.append(_followed_x(sel, frame(t, coach) if t < 1000 else frame(t, coach, squat)))
    assert xs[0] == pytest.approx(0.5, abs=0.02)
    assert all(x == pytest.approx(0.2, abs=0.03) for x in xs[-120:]), "the exercising person was not followed"


def test_the_exercising_person_is_followed_within_their_first_rep() -> None:
    # Both in view from the first frame, the coach listed first: by the first squat's bottom
    # (1.5 s into a 3 s rep) the squatting person is followed, so that rep is theirs.
    sel = PersonSelector()
    xs = []
    for i in range(150):  # 5 s at 30 fps
        t = i * 33
        coach = figure(0.5, 0.8, seed=i)
        squat = figure(0.2, 0.6, limbs_dy=-0.12 * (1 - np.cos(2 * np.pi * t / 3000)) / 2, seed=1000 + i)
        xs.append(_followed_x(sel, frame(t, coach, squat)))
    assert xs[0] == pytest.approx(0.5, abs=0.02)
    assert all(x == pytest.approx(0.2, abs=0.03) for x in xs[int(1.6 * 30) :])


def test_a_still_bystander_walking_in_mid_set_is_never_followed() -> None:
    sel = PersonSelector()
    for i in range(300):
        t = i * 33
        squat = figure(0.3, 0.6, limbs_dy=-0.12 * (1 - np.cos(2 * np.pi * t / 3000)) / 2, seed=i)
        bystander = figure(0.55, 0.85, seed=1000 + i)  # bigger and more central
        x = _followed_x(sel, frame(t, squat) if t < 2000 else frame(t, bystander, squat))
        assert x == pytest.approx(0.3, abs=0.03)


def test_someone_walking_past_a_person_holding_a_stretch_is_never_followed() -> None:
    sel = PersonSelector()
    for i in range(300):
        t = i * 33
        holding = figure(0.5, 0.7, seed=i)  # still: a held stretch
        walker_x = 0.05 + 0.9 * t / 5000  # crosses the picture in 5 s (a slow walk), legs swinging
        walker = figure(walker_x, 0.7, swing=0.05 * np.sin(2 * np.pi * t / 1000), seed=1000 + i)
        x = _followed_x(sel, frame(t, holding) if t < 500 else frame(t, walker, holding))
        assert x == pytest.approx(0.5, abs=0.03)


def test_an_explicit_choice_is_kept_whoever_moves() -> None:
    sel = PersonSelector("largest")
    for i in range(300):
        t = i * 33
        coach = figure(0.5, 0.8, seed=i)
        squat = figure(0.2, 0.6, limbs_dy=-0.12 * (1 - np.cos(2 * np.pi * t / 3000)) / 2, seed=1000 + i)
        assert _followed_x(sel, frame(t, coach, squat)) == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize(("choice", "expected_x"), [("left", 0.2), ("right", 0.8), ("largest", 0.8)])
def test_an_explicit_choice_applies_once_a_second_person_appears(choice: str, expected_x: float) -> None:
    """The one seen alone first is followed until there is a choice to make; then the user's."""
    sel = PersonSelector(choice)
    alone = [_followed_x(sel, frame(i * 33, figure(0.8, 0.7, seed=i))) for i in range(30)]
    assert all(x == pytest.approx(0.8, abs=0.02) for x in alone)
    both = [
        _followed_x(sel, frame(t, figure(0.2, 0.6, seed=t), figure(0.8, 0.7, seed=t + 1)))
        for t in range(1000, 4000, 33)
    ]
    assert all(x == pytest.approx(expected_x, abs=0.02) for x in both)


def test_a_subject_resting_between_sets_stays_followed_while_someone_else_demonstrates() -> None:
    sel = PersonSelector()
    for i in range(450):  # 15 s
        t = i * 33
        squatting = t < 5000
        dy = -0.12 * (1 - np.cos(2 * np.pi * t / 3000)) / 2
        subject = figure(0.3, 0.7, limbs_dy=dy if squatting else 0.0, seed=i)
        physio = figure(0.75, 0.6, limbs_dy=0.0 if squatting else dy, seed=1000 + i)
        assert _followed_x(sel, frame(t, subject, physio)) == pytest.approx(0.3, abs=0.03)


def test_a_subject_seen_exercising_alone_stays_followed_when_a_physio_comes_in_to_demonstrate() -> None:
    sel = PersonSelector()
    for i in range(450):  # 15 s: squats alone for 5 s, then rests while the physio demonstrates
        t = i * 33
        dy = -0.12 * (1 - np.cos(2 * np.pi * t / 3000)) / 2
        subject = figure(0.3, 0.7, limbs_dy=dy if t < 5000 else 0.0, seed=i)
        physio = figure(0.75, 0.6, limbs_dy=dy, seed=1000 + i)
        f = frame(t, subject) if t < 5000 else frame(t, subject, physio)
        assert _followed_x(sel, f) == pytest.approx(0.3, abs=0.03)
