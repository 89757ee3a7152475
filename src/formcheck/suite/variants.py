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
        Variant("jitter", "landmark noise of 0.4 % of the picture height (a noisier model)",
                partial(augment.jittered, sigma=0.004)),
        Variant("slow", "every movement 40 % slower", partial(augment.retimed, factor=1.4),
                partial(_scale_times, 1.4)),
        Variant("fast", "every movement 25 % faster", partial(augment.retimed, factor=0.8),
                partial(_scale_times, 0.8)),
    )
}  # fmt: skip
