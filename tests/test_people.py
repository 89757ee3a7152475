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


def test_after_a_long_absence_the_selector_picks_again() -> None:
    sel = PersonSelector(lost_after_s=1.0)
    patient, other = body(0.3, 0.8), body(0.8, 0.7)
    assert sel.select(frame(0, patient)) is patient
    results = [sel.select(frame(t, other)) for t in range(33, 2500, 33)]
    assert results[0] is None
    assert results[-1] is other


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
