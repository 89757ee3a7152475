"""The overlay draws the skeleton, the rule's joints, progress, cues and guidance."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.engine.exercise_engine import FRAME_RATE_MESSAGE
from formcheck.render.overlay import GOOD, STOP, WARNING, OverlayAnnotator, label_box
from formcheck.render.text import put_text, text_size
from render_support import (
    ActiveFault,
    HoldProgress,
    Notice,
    hold_exercise,
    report,
    squat_exercise,
    standing_pose,
)

W, H = 1280, 720


def blank(w: int = W, h: int = H) -> np.ndarray:
    return np.full((h, w, 3), 100, np.uint8)


def midpoint(pose_x: float, pose_y: float, w: int = W, h: int = H) -> tuple[int, int]:
    return round(pose_x * w), round(pose_y * h)


def near(img: np.ndarray, xy: tuple[int, int], r: int = 3) -> np.ndarray:
    x, y = xy
    return img[y - r : y + r + 1, x - r : x + r + 1].reshape(-1, 3)


def count_color(img: np.ndarray, color: tuple[int, int, int], tol: int = 30) -> int:
    return int(np.count_nonzero(np.all(np.abs(img.astype(int) - color) <= tol, axis=-1)))


def shin_middle(pose_offset: float = 0.0) -> tuple[int, int]:
    """Middle of the right shin (not a highlighted joint, not under any panel)."""
    return midpoint(0.45 + pose_offset, 0.76)


def test_skeleton_is_drawn_on_a_copy() -> None:
    img = blank()
    out = OverlayAnnotator(squat_exercise()).annotate(img, report())
    assert out is not img
    assert np.all(img == 100), "the input image must not be modified"
    assert np.any(near(out, shin_middle()) != 100), "a bone of the skeleton should be drawn"


@pytest.mark.parametrize(
    ("visibility", "drawn"),
    [(0.99, "solid"), (0.3, "faint"), (0.1, "nothing")],
)
def test_low_visibility_landmarks_are_faint_or_hidden(visibility: float, drawn: str) -> None:
    out = OverlayAnnotator(squat_exercise()).annotate(
        blank(), report(pose=standing_pose(visibility=visibility))
    )
    brightest = int(near(out, shin_middle()).max())
    if drawn == "solid":
        assert brightest >= 240
    elif drawn == "faint":
        assert 100 < brightest < 200
    else:
        assert np.all(near(out, shin_middle()) == 100)


def test_highlighted_joint_gets_its_value_beside_it() -> None:
    ann = OverlayAnnotator(squat_exercise())
    knee = midpoint(0.55, 0.68)
    right_of_knee = (slice(knee[1] - 30, knee[1] + 30), slice(knee[0] + 15, knee[0] + 120))
    with_value = ann.annotate(blank(), report(measures={"knee_flexion": 42.0, "trunk_lean": 3.0}))
    unknown = ann.annotate(blank(), report(measures={"knee_flexion": None, "trunk_lean": 3.0}))
    assert np.count_nonzero(with_value[right_of_knee] == 255) > 50, "the value label is drawn in white"
    assert np.count_nonzero(unknown[right_of_knee] == 255) < 5


def test_notice_shows_guidance_instead_of_numbers() -> None:
    """In a band clear of the judged joints (the standing pose's ankles are at 84% of the height,
    so the bottom band is free), never over the middle of the body."""
    ann = OverlayAnnotator(squat_exercise())
    centre = (slice(H // 2 - 60, H // 2 + 60), slice(W // 4, 3 * W // 4))
    bottom = (slice(H - 90, H), slice(0, W))
    plain = ann.annotate(blank(), report())
    guided = ann.annotate(blank(), report(notices=[Notice("view", "turn side-on")]))
    assert count_color(guided[bottom], WARNING) > 500
    assert count_color(plain[bottom], WARNING) == 0
    assert count_color(guided[centre], WARNING) == 0
    knee = midpoint(0.55, 0.68)
    label = (slice(knee[1] - 30, knee[1] + 30), slice(knee[0] + 15, knee[0] + 120))
    assert np.count_nonzero(guided[label] == 255) < np.count_nonzero(plain[label] == 255)


@pytest.mark.parametrize(
    ("faults", "phase", "color"),
    [
        ([], "moving", GOOD),
        (
            [ActiveFault("knee_valgus", "left", "warning", "knees cave in", "Push your knees out")],
            "moving",
            WARNING,
        ),
        ([ActiveFault("trunk_forward", None, "stop", "leaning too far", "Chest up")], "peak", STOP),
    ],
)
def test_status_banner_colour_follows_severity(faults: list[ActiveFault], phase: str, color: tuple) -> None:
    # values past both faults' limits (knee valgus above 100°, trunk forward above 45°)
    values = {"knee_flexion": 110.0, "trunk_lean": 50.0}
    out = OverlayAnnotator(squat_exercise()).annotate(
        blank(), report(faults=faults, phase=phase, measures=values)
    )
    banner = np.vstack([out[:60], out[H - 60 :]])  # the top or the bottom band, whichever is clear
    assert count_color(banner, color, tol=25) > 300


def test_mirror_flips_the_picture_but_not_the_text() -> None:
    pose = standing_pose(offset_x=0.2)
    normal = OverlayAnnotator(squat_exercise()).annotate(blank(), report(pose=pose, highlight={}))
    mirrored = OverlayAnnotator(squat_exercise(), mirror=True).annotate(
        blank(), report(pose=pose, highlight={})
    )
    x, y = shin_middle(0.2)
    assert np.any(near(normal, (x, y)) != 100)
    assert np.all(near(mirrored, (x, y)) == 100)
    assert np.any(near(mirrored, (W - 1 - x, y)) != 100)
    # The progress panel stays top-left and its text is not mirrored.
    assert np.array_equal(normal[16:120, 16:200], mirrored[16:120, 16:200])


def test_hold_bar_fills_toward_the_target() -> None:
    ann = OverlayAnnotator(hold_exercise())
    panel = (slice(0, 260), slice(0, 500))
    filled = []
    for elapsed in (3.0, 15.0, 27.0):
        out = ann.annotate(blank(), report(hold=HoldProgress("left", elapsed, 30.0), phase="hold"))
        filled.append(count_color(out[panel], (255, 215, 0), tol=10))
    assert filled[0] < filled[1] < filled[2]
    done = ann.annotate(blank(), report(hold=HoldProgress("left", 31.0, 30.0), phase="hold"))
    assert count_color(done[panel], GOOD, tol=10) > filled[2] * 0.9


@pytest.mark.parametrize(("w", "h"), [(1920, 1080), (1280, 720), (1080, 1920), (641, 359)])
def test_any_frame_size_is_annotated_within_bounds(w: int, h: int) -> None:
    r = report(
        image_size=(w, h),
        notices=[
            Notice("visibility", "step back so your feet are in view, and keep your whole body in the frame")
        ],
    )
    out = OverlayAnnotator(squat_exercise(per_side=True), show_fps=True).annotate(
        blank(w, h), r, fps=30, latency_ms=40
    )
    assert out.shape == (h, w, 3)
    # The guidance is wrapped to fit: no warning-coloured text touches the left or right edge.
    assert count_color(out[:, :3], WARNING) == 0 and count_color(out[:, -3:], WARNING) == 0


def test_no_person_draws_no_skeleton() -> None:
    out = OverlayAnnotator(squat_exercise()).annotate(
        blank(), report(pose=None, notices=[Notice("no_person", "step into view")])
    )
    assert np.all(near(out, shin_middle()) == 100)
    assert count_color(out, WARNING) > 300


def test_rejects_a_grey_image() -> None:
    with pytest.raises(ValueError, match="BGR"):
        OverlayAnnotator(squat_exercise()).annotate(np.zeros((10, 10), np.uint8), report())


def test_per_side_reps_show_both_counts() -> None:
    ann = OverlayAnnotator(squat_exercise(per_side=True))
    big, small, shown = ann._progress_lines(
        report(reps={"total": 5, "left": 3, "right": 2, "good": 5, "faulty": 0}, side="left")
    )
    assert shown and big == "L 3   R 2"
    assert small == "set 1 of 2-3, rep 3/15 per side".replace("2-3", "2–3")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("multiple_people", "more than one person in view: following one of them"),
        ("frame_rate", FRAME_RATE_MESSAGE),
    ],
)
def test_a_notice_counting_goes_on_under_is_a_corner_note(kind: str, message: str) -> None:
    ann = OverlayAnnotator(squat_exercise())
    note = [Notice(kind, message)]
    out = ann.annotate(blank(), report(notices=note))
    centre = (slice(H // 2 - 60, H // 2 + 60), slice(W // 4, 3 * W // 4))
    assert count_color(out[centre], WARNING) == 0
    assert count_color(out[:200, 2 * W // 3 :], WARNING) > 200
    knee = midpoint(0.55, 0.68)
    label = (slice(knee[1] - 30, knee[1] + 30), slice(knee[0] + 15, knee[0] + 120))
    assert np.count_nonzero(out[label] == 255) > 50, "the live value is still shown"


def test_before_counting_starts_the_rule_says_how_to_start() -> None:
    from dataclasses import replace

    squat = squat_exercise()
    assert squat.reps is not None
    told = replace(squat, reps=replace(squat.reps, ready=replace(squat.reps.ready, message="Stand tall")))
    waiting = report(phase="waiting")
    assert OverlayAnnotator(told)._status(waiting) == ("Stand tall", None, (255, 255, 255))
    default = OverlayAnnotator(squat)._status(waiting)
    assert default is not None and default[0] == "Get into the start position"
    # Drawn: the banner differs with the two messages.
    a = OverlayAnnotator(told).annotate(blank(), waiting)
    b = OverlayAnnotator(squat).annotate(blank(), waiting)
    assert np.count_nonzero(a[H - 80 :] != b[H - 80 :]) > 500


def test_cue_clears_the_frame_the_value_is_back_within_limits() -> None:
    """The engine keeps a fault open a quarter second after its condition ends; the cue goes now."""
    ann = OverlayAnnotator(squat_exercise())
    fault = [ActiveFault("trunk_forward", None, "stop", "leaning too far", "Chest up")]
    leaning = report(faults=fault, phase="moving", measures={"knee_flexion": 60.0, "trunk_lean": 50.0})
    upright = report(faults=fault, phase="moving", measures={"knee_flexion": 60.0, "trunk_lean": 20.0})
    assert ann._status(leaning, ann.live_faults(leaning)) == ("Chest up", "leaning too far", STOP)
    assert ann._status(upright, ann.live_faults(upright)) == ("Good form", None, GOOD)
    banner = ann.annotate(blank(), upright)[H - 60 :, :]
    assert count_color(banner, STOP, tol=25) == 0 and count_color(banner, GOOD, tol=25) > 300


def test_joint_turns_the_fault_colour_the_frame_the_value_crosses_the_limit() -> None:
    """Before the engine fires the fault (it waits the rule's for_s), the knee is already red."""
    ann = OverlayAnnotator(squat_exercise())
    knee = midpoint(0.55, 0.68)
    ok = ann.annotate(blank(), report(phase="moving", measures={"knee_flexion": 90.0, "trunk_lean": 5.0}))
    past = ann.annotate(blank(), report(phase="moving", measures={"knee_flexion": 105.0, "trunk_lean": 5.0}))
    assert count_color(near(ok, knee, 12), WARNING, tol=20) == 0
    assert count_color(near(past, knee, 12), WARNING, tol=20) > 20


def test_values_are_labelled_in_words_and_ratios_are_not_shown() -> None:
    ann = OverlayAnnotator(squat_exercise())
    assert ann._format_value("knee_flexion", 92.4) == "knee 92°"
    assert ann._format_value("knee_flexion.left", 92.4) == "left knee 92°"
    assert ann._format_value("trunk_lean", 12.0) == "trunk lean 12°"
    from dataclasses import replace

    from formcheck.rules.model import Measure

    ex = squat_exercise()
    gap = Measure("knee_gap", "distance", ("left_knee", "right_knee"), None, per="hip_width")
    with_gap = OverlayAnnotator(replace(ex, measures={**ex.measures, "knee_gap": gap}))
    assert with_gap._format_value("knee_gap", 1.37) is None


def test_hold_clock_is_a_ring_with_the_seconds_against_the_target() -> None:
    """A timed hold shows its clock before and during the hold; no rep count."""
    ann = OverlayAnnotator(hold_exercise())
    waiting = ann.annotate(blank(), report(hold=None, phase="rest", reps={}))
    holding = ann.annotate(blank(), report(hold=HoldProgress("left", 12.0, 30.0), phase="hold", reps={}))
    panel = (slice(0, 260), slice(0, 700))
    assert count_color(waiting[panel], (255, 215, 0), tol=10) == 0  # an empty ring
    assert count_color(holding[panel], (255, 215, 0), tol=10) > 200  # 12 of 30 s filled
    _big, _small, shown = ann._progress_lines(report(reps={}))
    assert not shown, "a hold exercise has no rep count"


def test_banner_moves_to_the_top_when_the_bottom_would_cover_the_judged_feet() -> None:
    from formcheck.landmarks import INDEX

    ann = OverlayAnnotator(squat_exercise())
    fault = [ActiveFault("trunk_forward", None, "stop", "leaning too far", "Chest up")]
    values = {"knee_flexion": 60.0, "trunk_lean": 50.0}
    low = standing_pose()
    low.landmarks[INDEX["left_ankle"], 1] = 0.95  # the judged ankle near the bottom edge
    high = standing_pose()
    high.landmarks[INDEX["left_ankle"], 1] = 0.70
    for pose, band in ((low, slice(0, 60)), (high, slice(H - 60, H))):
        out = ann.annotate(blank(), report(pose=pose, faults=fault, measures=values))
        assert count_color(out[band], STOP, tol=25) > 300


@pytest.mark.parametrize(
    ("placed", "expected"),
    [
        # (boxes already drawn) -> where a 100 x 40 label beside a joint at (500, 300) goes
        ([], (518, 280, 618, 320)),  # right of the joint, centred on it
        ([(510, 270, 700, 330)], (382, 280, 482, 320)),  # right taken: left of the joint
        ([(300, 270, 700, 325)], (518, 326, 618, 366)),  # both taken: one step down
        ([(300, 276, 700, 380)], (518, 234, 618, 274)),  # below too: one step up
    ],
)
def test_a_value_label_goes_clear_of_the_labels_already_drawn(placed: list, expected: tuple) -> None:
    assert label_box((500, 300), (100, 40), 18, (W, H), placed) == expected


def test_a_value_label_stays_inside_the_frame() -> None:
    x0, y0, x1, y1 = label_box((W - 5, H - 5), (100, 40), 18, (W, H), [])
    assert x0 >= 0 and x1 <= W and y0 >= 0 and y1 <= H


def test_a_degree_sign_inside_a_cue_is_drawn_as_a_ring() -> None:
    """"stop at a 45° knee bend": the sign between the number and the word is drawn, not
    dropped, and measured, so the text after it is not drawn over it."""
    with_sign, without = blank(), blank()
    w_sign = put_text(with_sign, "45° knee", (20, 60), 1.0, (255, 255, 255), 2)
    w_plain = put_text(without, "45 knee", (20, 60), 1.0, (255, 255, 255), 2)
    assert w_sign > w_plain
    assert text_size("45° knee", 1.0, 2)[0] == w_sign
    assert np.count_nonzero(with_sign == 255) > np.count_nonzero(without == 255)
