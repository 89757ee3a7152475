"""How well a movement fits a rule: the rule's own engine replayed on the poses.

The window model (``model``) learns what each exercise looks like from a few dozen clips; the
rules already say it, in a physiotherapist's words: the measures, the rest and peak levels a
rep crosses, the position a hold needs, the views that can judge it. Replaying a candidate
rule's engine on the poses asks the rule itself. Five numbers per rule, all shares of the time
the person was seen:

- ``work``: inside a counted rep or a timed hold (the rule found its movement or position);
- ``engaged``: in any phase past the start (moving, at the peak, holding) - also the reps and
  holds that were too short to count;
- ``waiting``: waiting for the rule's start position (a reps rule whose start is never held:
  usually another posture);
- ``refused``: the view the rule cannot judge from (a side-only rule filmed from the front),
  where its engine judges nothing; a view it only advises against, still judging, is not.
- ``unlike``: inside a movement the rule refused as unlike its exercise (``reaches``, ``never``,
  ``steady``: a lunge's split thighs analysed as a squat).

They are the same for every rule, so a single weight per number, learned across all exercises
(``model.FitWeights``), scores any rule, even one with no real training clip.

Engines are pure and fast (tens of microseconds a frame); the frames are thinned to at most
``FIT_FPS`` a second (rules are written to work at a stride of 2) and to ``MAX_FRAMES``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from formcheck.pose import Pose, PoseFrame

if TYPE_CHECKING:
    from formcheck.rules import Exercise

FIT_FEATURES: tuple[str, ...] = ("work", "engaged", "waiting", "refused", "unlike")
FIT_FPS = 15.0  # the recogniser's frame rate: its features too are taken at this rate at most
FIT_GAP_MS = 1000.0 / FIT_FPS - 1.0  # (a millisecond's slack for rounded frame times)
MAX_FRAMES = 4000  # ~4.5 minutes at FIT_FPS; a longer stretch is thinned further for the rules


def thin(
    frames: Sequence[PoseFrame], poses: Sequence[Pose | None], *, max_frames: int | None = MAX_FRAMES
) -> tuple[list[PoseFrame], list[Pose | None]]:
    """The frames at least ``FIT_GAP_MS`` after the last one taken, and at most ``max_frames``."""
    if not frames:
        return [], []
    span_ms = frames[-1].t_ms - frames[0].t_ms
    gap_ms = max(FIT_GAP_MS, span_ms / max_frames if max_frames else 0.0)
    kept_f: list[PoseFrame] = []
    kept_p: list[Pose | None] = []
    last = -1e18
    for f, p in zip(frames, poses, strict=True):
        if f.t_ms - last >= gap_ms:
            kept_f.append(f)
            kept_p.append(p)
            last = f.t_ms
    return kept_f, kept_p


def rule_fit(exercise: Exercise, frames: Sequence[PoseFrame], poses: Sequence[Pose | None]) -> np.ndarray:
    """``FIT_FEATURES`` of ``exercise`` over the (already thinned) stretch."""
    from formcheck.engine import ExerciseEngine

    engine = ExerciseEngine(exercise)
    n = len(frames)
    t = np.empty(n)
    phase = np.empty(n, dtype=object)
    refused = np.zeros(n, dtype=bool)
    unlike: list[tuple[float, float]] = []  # movements the rule refused as reps (its shape)
    for i, (f, p) in enumerate(zip(frames, poses, strict=True)):
        r = engine.update(f, p)
        if r.events:
            unlike += [(e.data["start_s"], e.data["end_s"]) for e in r.events if e.kind == "rep_refused"]
        t[i] = f.t_ms / 1000.0
        phase[i] = r.phase if p is not None else None
        # refused: the engine would not judge this view (it says so and judges nothing). A view
        # notice that is advice only ("turn side-on for the best view" while it goes on
        # counting) is not a refusal.
        refused[i] = p is not None and r.phase == "unknown" and any(nt.kind == "view" for nt in r.notices)
    result = engine.finish()
    seen = phase != None  # noqa: E711 (an object array)
    if n < 2 or not seen.any():
        return np.zeros(len(FIT_FEATURES))
    dt = np.diff(t, append=t[-1])
    dt = np.minimum(dt, 0.5)  # a gap in the track is not time spent
    seen_s = float(dt[seen].sum()) or 1e-9
    spans = [(r.start_s, r.end_s) for r in result.rep_events] + [(h.start_s, h.end_s) for h in result.holds]
    inside = _within(t, spans)
    engaged = np.isin(phase, ["moving", "peak", "hold"])
    waiting = phase == "waiting"
    refused_reps = _within(t, unlike)
    return np.array([
        float(dt[inside & seen].sum()) / seen_s,
        float(dt[engaged].sum()) / seen_s,
        float(dt[waiting].sum()) / seen_s,
        float(dt[refused].sum()) / seen_s,
        float(dt[refused_reps & seen].sum()) / seen_s,
    ])  # fmt: skip


def _within(t: np.ndarray, spans: Sequence[tuple[float, float]]) -> np.ndarray:
    """Which of the times ``t`` lie inside any of ``spans`` (start, end), ends included."""
    inside = np.zeros(len(t), dtype=bool)
    for a, b in spans:
        inside |= (t >= a) & (t <= b)
    return inside
