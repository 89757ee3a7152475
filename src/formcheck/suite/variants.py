"""Suite variants: every sample clip replayed as another camera or person would have given it.

A variant transforms the recorded track (``formcheck.augment``) and, where the transform
changes what a correct result is, the expectations with it: a mirrored clip's left reps are
the original's right reps, and a clip replayed 50 % slower holds 50 % longer. The figures of a
variant against the plain suite's show how far a rule depends on the clips it was tuned on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from formcheck import augment
from formcheck.engine.conditions import measures_of
from formcheck.landmarks import SIDES, other_side
from formcheck.suite.spec import ClipSpec, RepCount, Span
from formcheck.track import PoseTrack


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    description: str
    track: Callable[[PoseTrack], PoseTrack]
    expected: Callable[[ClipSpec], ClipSpec] = lambda spec: spec


def _mirrored_side(side: str) -> str:
    """A body side, or a ``person`` choice by position in the picture: both swap in a mirror
    ("both", "auto", "center" ... stay)."""
    return other_side(side) if side in SIDES else side


def _swap_sides(spec: ClipSpec) -> ClipSpec:
    reps = spec.reps
    if reps is not None:
        reps = RepCount(reps.total, reps.right, reps.left)
    holds = tuple(Span(_mirrored_side(h.label), h.start_s, h.end_s) for h in spec.holds)
    return replace(spec, reps=reps, holds=holds, person=_mirrored_side(spec.person))


def _scale_times(factor: float, spec: ClipSpec) -> ClipSpec:
    def scaled(spans: tuple[Span, ...]) -> tuple[Span, ...]:
        return tuple(Span(s.label, s.start_s * factor, s.end_s * factor) for s in spans)

    # A rule that behaves the same at another tempo is off by ``factor`` times its plain error.
    tolerance = replace(spec.tolerance, hold_s=spec.tolerance.hold_s * factor)
    return replace(
        spec,
        rep_times=tuple(t * factor for t in spec.rep_times),
        holds=scaled(spec.holds),
        faults=scaled(spec.faults),
        tolerance=tolerance,
    )


def _unseen(spec: ClipSpec, lo_s: float, hi_s: float, reason: str) -> ClipSpec:
    """The expectations when nothing of ``lo_s``..``hi_s`` is seen: a hold is not held there
    (a hidden or unseen stretch pauses the clock), a fault is not seen there, and a rep whose
    bottom (its labelled time) lies there may or may not count: seen going down and coming back,
    it is a rep, but the engine cannot know it reached its peak. Its side is then not compared."""

    def outside(spans: tuple[Span, ...]) -> tuple[Span, ...]:
        kept: list[Span] = []
        for s in spans:
            if s.start_s < lo_s:
                kept.append(Span(s.label, s.start_s, min(s.end_s, lo_s)))
            if s.end_s > hi_s:
                kept.append(Span(s.label, max(s.start_s, hi_s), s.end_s))
        return tuple(k for k in kept if k.end_s > k.start_s)

    reps, tolerance = spec.reps, spec.tolerance
    hidden = sum(lo_s <= t < hi_s for t in spec.rep_times)
    if reps is not None and hidden:
        reps = RepCount(reps.total)
        tolerance = replace(tolerance, reps=tolerance.reps + hidden, reason=reason)
    return replace(
        spec, reps=reps, holds=outside(spec.holds), faults=outside(spec.faults), tolerance=tolerance
    )


def _late_start(spec: ClipSpec) -> ClipSpec:
    track = PoseTrack.load(spec.track)
    start_s = float(track.t_ms[0]) / 1000.0 if len(track) else 0.0
    return _unseen(spec, float("-inf"), start_s + LATE_START_S, "the recording starts mid-rep")


def _early_end(spec: ClipSpec) -> ClipSpec:
    """As ``_unseen`` for the cut second; and a rep whose bottom (its labelled time) lies up to
    REP_RETURN_S before the cut may have had its way back cut off: it may or may not count (the
    end of a recording counts a rep only once it is more than half way back)."""
    track = PoseTrack.load(spec.track)
    end_s = float(track.t_ms[-1]) / 1000.0 if len(track) else 0.0
    cut_s = end_s - EARLY_END_S
    reason = "the recording stops mid-rep"
    return _way_back_cut(_unseen(spec, cut_s, float("inf"), reason), cut_s, reason)


def _way_back_cut(spec: ClipSpec, cut_s: float, reason: str) -> ClipSpec:
    """A rep whose bottom (its labelled time) lies up to REP_RETURN_S before ``cut_s`` may have
    had its way back cut off: it may or may not count (its side is then not compared)."""
    returning = sum(cut_s - REP_RETURN_S <= t < cut_s for t in spec.rep_times)
    if spec.reps is None or not returning:
        return spec
    tolerance = replace(spec.tolerance, reps=spec.tolerance.reps + returning, reason=reason)
    return replace(spec, reps=RepCount(spec.reps.total), tolerance=tolerance)


def _gap(spec: ClipSpec) -> ClipSpec:
    lo_ms, hi_ms = augment.gap_bounds_ms(PoseTrack.load(spec.track), GAP_S)
    return _unseen(spec, lo_ms / 1000.0, hi_ms / 1000.0, "a second of frames lost mid-clip")


def _cut(spec: ClipSpec) -> ClipSpec:
    """As ``_unseen`` for the second cut out; a rep whose bottom lies up to REP_RETURN_S before
    the cut may have lost its way back (``_early_end``); and every time after the cut earlier by
    the time removed. A rep seen at its bottom and back after the cut is a rep, whether or not
    its start was: no tolerance for that one."""
    lo_ms, hi_ms, shift_ms = augment.cut_bounds_ms(PoseTrack.load(spec.track), CUT_S)
    lo_s, hi_s, shift_s = lo_ms / 1000.0, hi_ms / 1000.0, shift_ms / 1000.0
    reason = "a second cut out of the video mid-clip"
    spec = _way_back_cut(_unseen(spec, lo_s, hi_s, reason), lo_s, reason)

    def moved(t: float) -> float:
        return t - shift_s if t >= hi_s else t

    def spans(items: tuple[Span, ...]) -> tuple[Span, ...]:
        return tuple(Span(s.label, moved(s.start_s), moved(s.end_s)) for s in items)

    return replace(
        spec,
        rep_times=tuple(moved(t) for t in spec.rep_times),
        holds=spans(spec.holds),
        faults=spans(spec.faults),
    )


def _feet_unseen(spec: ClipSpec) -> ClipSpec:
    """With the feet out of the picture, a rule whose count or hold reads a foot (an ankle in a
    knee angle, a heel in a calf raise) cannot read it: unknown, so nothing is counted, held
    or judged (unknown beats wrong). Other rules give what they gave."""
    from formcheck.engine import ExerciseEngine
    from formcheck.rules import load_exercise

    rule = load_exercise(spec.exercise)
    engine = ExerciseEngine(rule)

    def needs_feet(measure: str) -> bool:
        return any(i in augment.FEET for i in engine.landmarks_read(measure))

    if rule.reps is not None:
        main = needs_feet(rule.reps.main.measure) and all(needs_feet(m.measure) for m in rule.reps.instead)
        blind = (
            main or any(needs_feet(m.measure) for m in rule.reps.and_also)
            if not rule.reps.or_else
            else main and all(needs_feet(m.measure) for m in rule.reps.or_else)
        )
    else:
        assert rule.hold is not None
        blind = any(needs_feet(m) for m in measures_of(rule.hold.when))
    if not blind:
        return replace(spec, tolerance=replace(spec.tolerance, faults_strict=False))
    reps = None if spec.reps is None else RepCount(0)
    reason = "the feet out of view: what this rule counts cannot be read"
    return replace(spec, reps=reps, holds=(), faults=(), tolerance=replace(spec.tolerance, reason=reason))


LATE_START_S = 1.0  # a camera started a moment late: the first rep is often under way
EARLY_END_S = 1.0  # stopped a moment early: the last rep is often on its way back
# The way back up from a rep's bottom: half of the programme's 2-3 s down and up (a labelled
# time is where the bottom begins, and some hold it)
REP_RETURN_S = 1.5
GAP_S = 1.0  # longer than most rules' dropout grace, shorter than a rep
CUT_S = 1.0  # an edit that skips a moment of the movement
FLICKER_SHARE = 0.1
FAR_FACTOR = 0.6
# A phone propped on a shelf or a chair looks down at the person, one on the floor looks up: a
# sixth of a right angle either way is as far as a camera is usually turned and still frames them.
PITCH_DEG = 15.0
# A camera put "side-on" or "in front" by eye, on a chair or a shelf where the room allows, is
# often a third of a right angle off: 90° becomes 60° (past the side view's 65° border), 0° becomes
# 30° (past the front view's 25°). Every such clip then reads as angled.
TURN_DEG = 30.0
LEG_FLICKER_SHARE = 0.15
JITTER_SIGMA = 0.004  # of the picture height: a noisier model's landmarks


def _webcam(track: PoseTrack) -> PoseTrack:
    """A webcam in a dim room: half the frame rate, and the noisier landmarks of a darker,
    blurrier picture (both at once: each alone is a variant of its own)."""
    return augment.jittered(augment.every_other_frame(track), JITTER_SIGMA)

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("mirror", "the video flipped left to right (the person faces the other way)",
                augment.mirrored, _swap_sides),
        Variant("half-rate", "every other frame (a camera at half the frame rate)",
                augment.every_other_frame),
        Variant("tilt-left", "the camera rolled 6° anticlockwise (not level)",
                partial(augment.tilted, degrees=-6.0)),
        Variant("tilt-right", "the camera rolled 6° clockwise (not level)",
                partial(augment.tilted, degrees=6.0)),
        Variant("look-down", "the camera looking down at the person by 15° (a phone on a shelf)",
                partial(augment.pitched, degrees=PITCH_DEG)),
        Variant("look-up", "the camera looking up at the person by 15° (a phone on the floor)",
                partial(augment.pitched, degrees=-PITCH_DEG)),
        Variant("turn-left", "the camera moved 30° round the person (angled): what is nearer moves left",
                partial(augment.turned, degrees=TURN_DEG)),
        Variant("turn-right", "the camera moved 30° round the person (angled): what is nearer moves right",
                partial(augment.turned, degrees=-TURN_DEG)),
        Variant("jitter", "landmark noise of 0.4 % of the picture height (a noisier model)",
                partial(augment.jittered, sigma=JITTER_SIGMA)),
        Variant("slow", "every movement 40 % slower", partial(augment.retimed, factor=1.4),
                partial(_scale_times, 1.4)),
        Variant("fast", "every movement 25 % faster", partial(augment.retimed, factor=0.8),
                partial(_scale_times, 0.8)),
        Variant("late-start", "the first second cut off (the recording starts mid-rep)",
                partial(augment.late_start, seconds=LATE_START_S), _late_start),
        Variant("early-end", "the last second cut off (the recording stops mid-rep)",
                partial(augment.early_end, seconds=EARLY_END_S), _early_end),
        Variant("gap", "a second of frames lost in the middle (a stalled camera)",
                partial(augment.with_gap, seconds=GAP_S), _gap),
        Variant("cut", "an edited video: a second cut out mid-clip, the next shot framed closer",
                partial(augment.edited_cut, seconds=CUT_S), _cut),
        Variant("far", "the person filmed from further away: the picture shrunk to 60 % about its centre",
                partial(augment.farther, factor=FAR_FACTOR)),
        Variant("flicker", "nobody detected on one frame in ten, at random (a detection on its edge)",
                partial(augment.flickering, share=FLICKER_SHARE)),
        Variant("leg-flicker", "one leg's knee, ankle and foot unseen on 15 % of frames, at random",
                partial(augment.leg_flickering, share=LEG_FLICKER_SHARE)),
        Variant("no-feet", "the picture cut at the shins (ankles, heels and toes out of view)",
                augment.without_feet, _feet_unseen),
        Variant("bystander", "a second person standing still beside the subject from the first frame",
                augment.with_still_bystander),
        Variant("webcam", "a webcam in a dim room: every other frame, and landmark noise of 0.4 %",
                _webcam),
    )
}  # fmt: skip
