"""Recognising the exercise from a live pose stream (``formcheck live --exercise auto``).

``LiveRecogniser`` is fed the frames of a live session before its first set, as the set would be
fed them, and says which exercise the person is doing once it is sure; until then "not sure yet",
never a guess. Pure and driven by the frames' timestamps, like everything after pose estimation.

- The person is followed as a set follows them (a ``PersonSelector`` of its own).
- Judged every ``DECIDE_EVERY_S`` once the person was seen for one recognition window
  (``features.WINDOW_S``), over the last ``choose.VIDEO_S`` seconds, by ``recognise`` with the
  candidates re-ranked by their rules' fit: the same verdict ``analyze --exercise auto`` gives a
  video's first seconds.
- Sure: the same exercise named (``recognise.SURE``) by ``AGREEING`` judgements in a row, a
  second apart. One judgement can swing on a single rep; several are the same movement seen
  for longer.
- Every frame since the start is kept (the last ``KEEP_S``): the set that follows replays them
  first, so the reps done while the exercise was being recognised count like the others (a
  replay counts as the live run does).

``ExerciseWatch`` then watches the set: when the person has clearly moved on to another exercise
(the set's own ruled out, another named twice in a row over the last ``WATCH_S``), the set ends
and the next one starts from the frames of that stretch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from formcheck.errors import NotRecognised
from formcheck.people import PersonSelector
from formcheck.pose import Pose, PoseFrame
from formcheck.recognition.check import MISMATCH_BELOW
from formcheck.recognition.choose import VIDEO_S, not_sure_error
from formcheck.recognition.features import HOP_S, WINDOW_S
from formcheck.recognition.recognise import NOT_SURE, Recognition, recognise, windows_of
from formcheck.recognition.rulefit import thin

if TYPE_CHECKING:
    from formcheck.recognition.model import Model
    from formcheck.rules import Exercise

DECIDE_EVERY_S = 1.0
# Judgements in a row that must name the same exercise. Unknown beats wrong: measured
# leave-one-source-out on the shared clips (benchmarks/recognition.py), two in a row decided
# 45 of 65 clips right and 10 wrong, four in a row 41-42 right and 6 wrong, the others not sure by
# the clip's end (most clips are 10-20 s; a set in front of the camera lasts longer).
AGREEING = 4
MIN_SEEN_S = WINDOW_S  # the person seen this long before the first judgement
# Frames kept for the set to replay: a couple of minutes of trying before the verdict is plenty
# (at 30 fps, ~3,600 frames of a few kB).
KEEP_S = 120.0


class _FollowedStretch:
    """The last ``span_s`` of frames with the person followed in each (a ``PersonSelector`` of
    its own), and the verdict over them: what both judges here look at."""

    def __init__(self, span_s: float, person: str) -> None:
        self._span_ms = span_s * 1000
        self._selector = PersonSelector(person)
        self._recent: deque[tuple[PoseFrame, Pose | None]] = deque()

    def add(self, pose_frame: PoseFrame) -> Pose | None:
        """Take one frame; the person followed in it."""
        pose = self._selector.select(pose_frame)
        self._recent.append((pose_frame, pose))
        while pose_frame.t_ms - self._recent[0][0].t_ms > self._span_ms:
            self._recent.popleft()
        return pose

    def judged(
        self, rules: Mapping[str, Exercise], model: Model | None
    ) -> tuple[Recognition, list[PoseFrame], list[Pose | None]]:
        """The verdict over the stretch (at the recogniser's rate), and the frames it judged."""
        frames, poses = thin([f for f, _ in self._recent], [p for _, p in self._recent], max_frames=None)
        return recognise(frames, poses, candidates=rules, model=model), frames, poses


class LiveRecogniser:
    def __init__(
        self, rules: Mapping[str, Exercise], *, person: str = "auto", model: Model | None = None,
        seen: Iterable[PoseFrame] = (),
    ) -> None:  # fmt: skip
        """``seen``: frames to start from (those of the new exercise, when a set ended because the
        person moved on to it: ``ExerciseWatch``)."""
        self.rules = rules
        self.model = model
        self.frames: deque[PoseFrame] = deque()  # every frame seen, for the set to replay
        self._stretch = _FollowedStretch(VIDEO_S, person)
        self._seen_s = 0.0
        self._person_seen = False
        self._last_t_s: float | None = None
        self._next_judge_s: float | None = None
        self.latest: Recognition | None = None  # the last judgement
        self.chosen: Recognition | None = None  # set once sure
        self._last_named: str | None = None  # what the last judgement named, and how many in a row
        self._named = 0
        for frame in seen:
            self.add(frame)

    def add(self, pose_frame: PoseFrame) -> Recognition | None:
        """Take one frame; the recognition once it is sure (from then on, on every call)."""
        t_s = pose_frame.t_ms / 1000.0
        self.frames.append(pose_frame)  # kept also once sure: a seed may go on past the verdict
        while self.frames and t_s - self.frames[0].t_ms / 1000.0 > KEEP_S:
            self.frames.popleft()
        if self.chosen is not None:
            return self.chosen
        pose = self._stretch.add(pose_frame)
        if pose is not None:
            self._person_seen = True
            if self._last_t_s is not None:
                self._seen_s += min(t_s - self._last_t_s, 0.5)  # a stalled camera is not time seen
        self._last_t_s = t_s
        if self._seen_s < MIN_SEEN_S:
            return None
        if self._next_judge_s is not None and t_s < self._next_judge_s:
            return None
        self._next_judge_s = t_s + DECIDE_EVERY_S
        rec, _, _ = self._stretch.judged(self.rules, self.model)
        self.latest = rec
        self._named = self._named + 1 if rec.id is not None and rec.id == self._last_named else 1
        self._last_named = rec.id
        if rec.id is not None and self._named >= AGREEING:
            self.chosen = rec
        return self.chosen

    def not_sure(self) -> NotRecognised:
        """The one-line error when the session ends before the exercise was recognised."""
        if self.latest is None and self._person_seen:
            return NotRecognised(
                f"not sure which exercise this is: the person was seen for {self._seen_s:.0f} s, and"
                f" recognising takes {MIN_SEEN_S + (AGREEING - 1) * DECIDE_EVERY_S:.0f} s or more; name it"
                " with --exercise ID (see"
                " `formcheck rules list`)"
            )
        return not_sure_error(self.latest or NOT_SURE)

    def status(self) -> str:
        """What to tell the person while it is not sure."""
        rec = self.latest
        if self.chosen is not None:
            return f"recognised: {self.chosen.id} {100 * self.chosen.confidence:.0f}%"
        if rec is None or not rec.ranked:
            if not self._person_seen:
                return "step into view and start the exercise"
            return "recognising the exercise: keep going"
        likely = ", ".join(f"{i} {100 * p:.0f}%" for i, p in rec.ranked[:2])
        return f"not sure yet ({likely}): keep going"


# While a set goes on, has the person moved on to another exercise? Judged every
# WATCH_EVERY_S over the last WATCH_S: long enough for two recognition windows of the new
# exercise, short enough that it fills the stretch a few seconds after the change.
WATCH_EVERY_S = 2.0
WATCH_S = 10.0
# Moved on: another exercise named by two judgements in a row while the set's own is nearly
# ruled out (below the wrong-exercise notice's bar): a rest, a fidget or a clumsy rep leaves the
# set alone.
RULED_OUT_BELOW = MISMATCH_BELOW


@dataclass(frozen=True)
class MovedOn:
    """The person moved on to ``recognition.id``, from ``since_ms`` (the set's time) on."""

    recognition: Recognition
    since_ms: int


class ExerciseWatch:
    """Fed every frame of a set of ``current``; says when the person has moved on to another
    exercise (``add`` returns a ``MovedOn``, once). Pure and driven by the frames' timestamps."""

    def __init__(
        self, rules: Mapping[str, Exercise], current: str, *, person: str = "auto", model: Model | None = None
    ) -> None:
        self.rules = rules
        self.current = current
        self.model = model
        self._stretch = _FollowedStretch(WATCH_S, person)
        self._next_judge_ms: float | None = None
        self._candidate: str | None = None  # another exercise named by the last judgement
        self.moved_on: MovedOn | None = None

    def add(self, pose_frame: PoseFrame) -> MovedOn | None:
        if self.moved_on is not None:
            return None
        t = pose_frame.t_ms
        self._stretch.add(pose_frame)
        if self._next_judge_ms is None:
            self._next_judge_ms = t + WATCH_S * 1000  # a full stretch of the set first
        if t < self._next_judge_ms:
            return None
        self._next_judge_ms = t + WATCH_EVERY_S * 1000
        rec, frames, poses = self._stretch.judged(self.rules, self.model)
        other = rec.id if rec.id not in (None, self.current) else None
        if other is not None and rec.probability(self.current) < RULED_OUT_BELOW and other == self._candidate:
            self.moved_on = MovedOn(rec, self._change_ms(frames, poses))
            return self.moved_on
        self._candidate = other
        return None

    def _change_ms(self, frames: list[PoseFrame], poses: list[Pose | None]) -> int:
        """When, in the stretch judged, the person left the set's exercise. A window leads with
        the exercise that fills most of it: the first of the windows that no longer lead with
        the set's exercise has the change before its middle, the window one hop earlier (still
        led by it) after its own middle; half way between is taken."""
        from formcheck.recognition.model import bundled_model

        model = self.model or bundled_model()
        w = windows_of(frames, poses, model)
        k = model.classes.index(self.current) if self.current in model.classes else -1
        first = len(w.spans)
        for i in range(len(w.spans) - 1, -1, -1):
            row = w.log_proba[i]
            if not np.isnan(row).any() and int(np.argmax(row)) == k:
                break
            first = i
        start_s = float(frames[0].t_ms) / 1000.0
        if first < len(w.spans):
            start_s = float(w.t_s[w.spans[first][0]]) + WINDOW_S / 2 - HOP_S / 2
        return min(round(start_s * 1000), frames[-1].t_ms)
