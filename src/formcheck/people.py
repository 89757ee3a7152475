"""Choose the exercising person among the poses seen in a frame, and stay with them.

MediaPipe returns poses in no stable order, and a therapist beside the patient or someone
walking past also gets a pose. The selector locks onto one person (the best candidate by size,
centrality and visibility, sustained over a short window) and then follows them by position;
it lets go only after they have been unseen for a while. Pure and driven by ``t_ms``.

The first person seen is not always the one exercising (issue 13: a coach standing still in the
foreground while the exerciser is not yet detected). So with ``auto``, while two or more people
are in view, each is followed and the movement of their limbs against their own torso is
measured over the last ``MotionReferee.WINDOW_S``: when the followed person stays still (and
was never seen exercising) and another moves their limbs in place (not walking across the
picture), that one is followed instead. A bystander walking in while the subject exercises
changes nothing (the subject moves), nor does one walking past a still stretch (they travel),
nor a physio demonstrating while the subject rests between sets (the subject was seen moving).

Following by position alone, a large body (a close-up) lost for a moment reaches across to a
bystander beside it; so while somebody is missing from the frame, a pose nearer where another
person was last seen beside ours than to where ours was is that other person.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from formcheck.landmarks import INDEX, TORSO
from formcheck.pose import VISIBILITY, Pose, PoseFrame

PersonChoice = Literal["auto", "largest", "left", "right", "center"]
PERSON_CHOICES: tuple[str, ...] = ("auto", "largest", "left", "right", "center")

_TORSO = list(TORSO)  # a list: numpy reads a tuple index as one index per axis
_LIMBS = [INDEX[f"{side}_{part}"] for side in ("left", "right")
          for part in ("elbow", "wrist", "knee", "ankle")]


@dataclass(frozen=True, slots=True)
class _Candidate:
    pose: Pose
    center: np.ndarray  # torso centre, x scaled by the aspect ratio so distances are isotropic
    x: float  # torso centre x, normalised to the image width (0 left .. 1 right)
    size: float  # bbox diagonal in the same units
    score: float


class PersonSelector:
    """Pick one pose per frame.

    ``choice`` overrides the automatic choice: ``largest`` (biggest body), ``left`` / ``right``
    (leftmost / rightmost in the image as recorded, i.e. unmirrored), ``center``.
    """

    def __init__(
        self,
        choice: str = "auto",
        *,
        lost_after_s: float = 1.5,
        max_jump: float = 0.6,
    ) -> None:
        if choice not in PERSON_CHOICES:
            raise ValueError(f"person choice must be one of {', '.join(PERSON_CHOICES)}")
        self.choice = choice
        self._lost_after_ms = int(lost_after_s * 1000)
        # How far (in body sizes) the followed person may move between frames.
        self._max_jump = max_jump
        self._center: np.ndarray | None = None
        self._size = 0.0
        self._last_seen_ms: int | None = None
        self.people_seen = 0  # poses in the latest frame (for "one person please" notices)
        # An explicit choice is the user's: only ``auto`` looks at who moves.
        self._referee = MotionReferee() if choice == "auto" else None
        # Whether the person followed was chosen among several (or only ever seen alone): an
        # explicit choice is applied the first time there is a choice to make (issue 13: the
        # coach seen alone before the patient was detected kept being followed with --person).
        self._chose = False
        # The last frame with two or more people in view: a lone pose far from the followed one
        # is a bystander only if somebody else was around lately.
        self._several_seen_ms: int | None = None
        self._last_pose: Pose | None = None
        # Where the others were when last seen beside the followed person (torso centres), and
        # when: a pose nearer one of them than the followed person's last place is that person,
        # however near ours it is (a close-up's large body reaches across to a bystander).
        self._beside: list[np.ndarray] = []
        self._beside_ms: int | None = None

    def select(self, frame: PoseFrame) -> Pose | None:
        self.people_seen = len(frame.poses)
        if len(frame.poses) > 1:
            self._several_seen_ms = frame.t_ms
        if not frame.poses:
            self._forget_if_lost(frame.t_ms)
            return None
        # Where each pose is and how big (no score): made once a frame, for every use below.
        candidates = [_candidate(p, frame.aspect, score=False) for p in frame.poses]
        if len(frame.poses) == 1 and self._center is None:
            # Nobody followed yet and one candidate: no choice to score (the common case).
            only = candidates[0]
            self._center, self._size, self._last_seen_ms = only.center, only.size, frame.t_ms
            self._last_pose = only.pose
            if self._referee is not None:
                self._referee.watch_alone(frame.t_ms, only, self._max_jump)
            return only.pose
        chosen = None
        explicit_due = self._referee is None and not self._chose and len(frame.poses) > 1
        if self._center is not None and explicit_due:
            # An explicit choice, never applied (the person was only seen alone): apply it now
            # (by size or position: no score needed).
            chosen = self._pick(candidates)
            self._chose = True
        elif self._center is not None:
            chosen = self._follow(candidates, frame.t_ms)
        re_framed = self._center is not None and len(frame.poses) == 1 and self._alone_lately(frame.t_ms)
        if chosen is None and re_framed and _same_posture(self._last_pose, frame.poses[0], frame.aspect):
            # Nobody else in view lately and the body turned the same way: the one person seen is
            # ours, re-framed by a camera cut or a zoom (issue 13: they were refused for up to
            # ``lost_after_s``). Someone else taking their place would be picked after that wait
            # anyway; a body turned another way (lying, then standing) waits as before.
            chosen = candidates[0]
        if chosen is None:
            self._forget_if_lost(frame.t_ms)
            if self._center is not None:
                # Our person is momentarily unseen; do not jump to a bystander yet.
                return None
            if self.choice == "auto":  # ranked by score, computed only when there is a choice
                candidates = [_candidate(p, frame.aspect) for p in frame.poses]
            known = self._referee.recall(candidates) if self._referee is not None else None
            chosen = known or self._pick(candidates)
            self._chose = len(candidates) > 1
        if self._referee is not None and len(frame.poses) == 1:
            self._referee.watch_alone(frame.t_ms, chosen, self._max_jump)
        elif self._referee is not None:
            better = self._referee.observe(frame.t_ms, chosen, candidates, self._max_jump)
            if better is not None:
                chosen = better
        self._center = chosen.center
        self._size = chosen.size
        self._last_seen_ms = frame.t_ms
        self._last_pose = chosen.pose
        if len(candidates) > 1:
            # a pose overlapping ours is the model seeing our person twice, not somebody else
            apart = DUPLICATE_SHARE * max(chosen.size, 1e-6)
            self._beside = [
                c.center for c in candidates
                if c.pose is not chosen.pose and _distance(chosen.center, c) > apart
            ]  # fmt: skip
            self._beside_ms = frame.t_ms
        return chosen.pose

    def _follow(self, candidates: list[_Candidate], t_ms: int) -> _Candidate | None:
        assert self._center is not None
        dists = [_distance(self._center, c) for c in candidates]
        best = int(np.argmin(dists))
        if dists[best] > self._max_jump * max(self._size, 1e-6):
            return None
        # Only when somebody is missing from the frame: with everyone in view, the nearest pose
        # is ours even where two people stand close together.
        recent = self._beside_ms is not None and t_ms - self._beside_ms <= self._lost_after_ms
        if recent and len(candidates) <= len(self._beside):
            for other in self._beside:
                if _distance(other, candidates[best]) < dists[best]:
                    return None  # where somebody else stood a moment ago: them, not ours
        return candidates[best]

    def _pick(self, candidates: list[_Candidate]) -> _Candidate:
        if self.choice == "largest":
            return max(candidates, key=lambda c: c.size)
        if self.choice == "left":
            return min(candidates, key=lambda c: c.x)
        if self.choice == "right":
            return max(candidates, key=lambda c: c.x)
        if self.choice == "center":
            return min(candidates, key=lambda c: abs(c.x - 0.5))
        return max(candidates, key=lambda c: c.score)

    def _alone_lately(self, t_ms: int) -> bool:
        return self._several_seen_ms is None or t_ms - self._several_seen_ms > self._lost_after_ms

    def _forget_if_lost(self, t_ms: int) -> None:
        if self._last_seen_ms is not None and t_ms - self._last_seen_ms > self._lost_after_ms:
            self._center = None
            self._last_seen_ms = None
            self._chose = False


# Two poses whose torso centres are within this share of the body's size of each other overlap
# too far to be two people side by side: the model returned the same person twice (it does, for
# a frame or two, on a body it sees at an angle).
DUPLICATE_SHARE = 0.25

# A camera cut or a zoom changes where a body is and how big, not which way its torso points:
# within this angle (the torso's own sway in a squat or a lunge stays inside it), a lone pose
# far from the followed one is taken for them re-framed.
SAME_POSTURE_DEG = 30.0


def _torso_axis(pose: Pose, aspect: float) -> np.ndarray:
    """Unit vector from the hips' middle to the shoulders' middle, in isotropic picture units."""
    up = _torso_up(pose.landmarks)
    up = np.array([float(up[0]) * aspect, float(up[1])])
    return up / max(float(np.linalg.norm(up)), 1e-9)


def _torso_up(lm: np.ndarray) -> np.ndarray:
    """From the hips' middle to the shoulders' middle, in picture units (x and y as given)."""
    return lm[_TORSO[:2], :2].mean(axis=0) - lm[_TORSO[2:], :2].mean(axis=0)


def _same_posture(before: Pose | None, now: Pose, aspect: float) -> bool:
    if before is None:
        return False
    cos = float(np.dot(_torso_axis(before, aspect), _torso_axis(now, aspect)))
    return cos >= math.cos(math.radians(SAME_POSTURE_DEG))


def _candidate(pose: Pose, aspect: float, *, score: bool = True) -> _Candidate:
    lm = pose.landmarks
    seen = lm[lm[:, VISIBILITY] >= 0.5]
    pts = seen if len(seen) >= 4 else lm
    lo, hi = pts[:, :2].min(axis=0), pts[:, :2].max(axis=0)
    size = math.hypot(float(hi[0] - lo[0]) * aspect, float(hi[1] - lo[1]))
    torso = lm[_TORSO, :2]
    center = np.array([float(torso[:, 0].sum()) / 4 * aspect, float(torso[:, 1].sum()) / 4], dtype=np.float32)
    if not score:
        return _Candidate(pose, center, float(center[0]) / aspect, size, 0.0)
    # Exercising person: big, central, clearly seen.
    x = float(center[0]) / aspect
    off_center = abs(x - 0.5) + abs(float(center[1]) - 0.5) * 0.5
    visibility = float(lm[:, VISIBILITY].sum()) / len(lm)
    rank = size * (1.0 - min(off_center, 0.9)) * (0.5 + visibility)
    return _Candidate(pose, center, x, size, rank)


@dataclass
class _Followed:
    """One person in view, followed by position: their torso centre and limb positions (against
    the torso, in torso lengths) over the last window."""

    center: np.ndarray
    size: float
    last_ms: int
    times: deque[int] = field(default_factory=deque)
    centers: deque[np.ndarray] = field(default_factory=deque)
    limbs: deque[np.ndarray] = field(default_factory=deque)

    def add(self, t_ms: int, c: _Candidate, window_ms: int) -> None:
        lm = c.pose.landmarks
        mid = lm[_TORSO, :2].mean(axis=0)
        length = float(np.linalg.norm(_torso_up(lm)))
        limbs = (lm[_LIMBS, :2] - mid) / max(length, 1e-3)
        limbs[lm[_LIMBS, VISIBILITY] < 0.5] = np.nan  # an unseen limb moves nothing
        self.center, self.size, self.last_ms = c.center, c.size, t_ms
        self.times.append(t_ms)
        self.centers.append(c.center / max(c.size, 1e-6))
        self.limbs.append(limbs)
        while self.times and self.times[0] < t_ms - window_ms:
            self.times.popleft()
            self.centers.popleft()
            self.limbs.popleft()

    def spans(self, window_ms: int) -> bool:
        return len(self.times) > 1 and self.times[-1] - self.times[0] >= 0.9 * window_ms

    def articulation(self) -> float:
        """How far the most-moving limb moves about its mean position (standard deviation, in
        torso lengths): ~0.01 for a person standing still (the model's jitter), 0.1 and more for
        a squat, a lunge or a leg raise."""
        stack = np.stack(self.limbs)
        seen = np.isfinite(stack).all(axis=2).mean(axis=0) >= 0.5
        if not seen.any():
            return 0.0
        with np.errstate(invalid="ignore"):
            spread = np.nanstd(stack[:, seen], axis=0).max(axis=1)
        return float(np.nanmax(spread)) if np.isfinite(spread).any() else 0.0

    def travel(self) -> float:
        """How far the torso centre moved over the window, in body sizes."""
        centers = np.stack(self.centers)
        return float(np.linalg.norm(centers.max(axis=0) - centers.min(axis=0)))


class MotionReferee:
    """Decides, while several people are in view, whether someone other than the followed
    person is the one exercising (see the module docstring). Thresholds are in torso lengths:
    STILL is three times the model's jitter on a person standing still (~0.01); MOVING is a
    limb swinging through about a fifth of a torso length either way, which every counted
    exercise exceeds and a person standing, talking or shifting their weight does not."""

    WINDOW_S = 3.0
    # ...but a switch is judged as soon as both people have been seen for half of it: a rep's way
    # down takes 1-1.5 s (the programme's tempo is 2-3 s down and up), so by then the exerciser's
    # limbs have moved past MOVING while a bystander still reads STILL, and waiting the whole
    # window would give the first rep to the person standing still.
    DECIDE_AFTER_S = 1.5
    STILL = 0.03
    MOVING = 0.08
    # Body sizes the torso centre may travel over the window: exercising in place moves it less
    # (a squat drops it by about a quarter of the body's height, a lunge or a side step by about
    # a third), walking past even at a slow 0.5 m/s moves a 1.7 m person about 0.9.
    MAX_TRAVEL = 0.6
    CHECK_EVERY_MS = 500
    # Alone in view, the followed person's limbs are sampled at 5 Hz (a rep takes a second or
    # more) and judged once a second, until they are seen exercising: cheap, as most clips are.
    ALONE_SAMPLE_MS = 200
    ALONE_CHECK_MS = 1000

    def __init__(self) -> None:
        self._window_ms = int(self.WINDOW_S * 1000)
        self._decide_ms = int(self.DECIDE_AFTER_S * 1000)
        self._followed: _Followed | None = None
        self._others: list[_Followed] = []
        self._checked_ms: int | None = None
        self._exerciser: _Followed | None = None  # the last person judged to be exercising

    def recall(self, candidates: list[_Candidate]) -> _Candidate | None:
        """When the followed person was lost and one must be picked again: the candidate where
        the last person seen exercising was (within a body size of their last position)."""
        mover = self._exerciser
        if mover is None or not candidates:
            return None
        best = min(candidates, key=lambda c: _distance(mover.center, c))
        return best if _near(mover, best, 1.0) else None

    def _record_followed(self, t_ms: int, chosen: _Candidate, max_jump: float) -> _Followed:
        """The followed person's track with this frame added: a new one when ``chosen`` is not
        where the track last was (another person, or the same one after a cut)."""
        followed = self._followed
        if followed is None or not _near(followed, chosen, max_jump):
            followed = self._followed = _Followed(chosen.center, chosen.size, t_ms)
        followed.add(t_ms, chosen, self._window_ms)
        return followed

    def watch_alone(self, t_ms: int, chosen: _Candidate, max_jump: float) -> None:
        """The followed person alone in view: only whether they exercise (a subject seen
        exercising alone stays the subject when someone else comes in while they rest)."""
        followed = self._followed
        if followed is not None and followed is self._exerciser:
            # Known to exercise: only kept where they are, so that they are recognised when
            # somebody else comes in.
            followed.center, followed.size, followed.last_ms = chosen.center, chosen.size, t_ms
            return
        if followed is not None and t_ms - followed.last_ms < self.ALONE_SAMPLE_MS:
            return
        followed = self._record_followed(t_ms, chosen, max_jump)
        due = self._checked_ms is None or t_ms - self._checked_ms >= self.ALONE_CHECK_MS
        if due and followed.spans(self._window_ms):
            self._checked_ms = t_ms
            if followed.articulation() >= self.MOVING:
                self._exerciser = followed

    def observe(
        self, t_ms: int, chosen: _Candidate, candidates: list[_Candidate], max_jump: float
    ) -> _Candidate | None:
        """Record this frame (two or more people in view); a candidate to follow instead of
        ``chosen``, or None."""
        followed = self._record_followed(t_ms, chosen, max_jump)
        matched: dict[int, _Candidate] = {}
        for c in candidates:
            if c.pose is chosen.pose:
                continue
            track = min(self._others, key=lambda o: _distance(o.center, c), default=None)
            if track is None or id(track) in matched or not _near(track, c, max_jump):
                track = _Followed(c.center, c.size, t_ms)
                self._others.append(track)
            matched[id(track)] = c
            track.add(t_ms, c, self._window_ms)
        self._others = [o for o in self._others if t_ms - o.last_ms <= self._window_ms]
        if self._checked_ms is not None and t_ms - self._checked_ms < self.CHECK_EVERY_MS:
            return None
        self._checked_ms = t_ms
        if not followed.spans(self._decide_ms):
            return None
        moving = followed.articulation()
        if moving >= self.MOVING:
            self._exerciser = followed
        # Still now, but seen exercising before: resting between sets while someone else (a
        # physio showing the next exercise) moves; the subject stays the subject.
        if moving > self.STILL or self._exerciser is followed:
            return None
        movers = [
            o for o in self._others
            if id(o) in matched and o.spans(self._decide_ms)
            and o.articulation() >= self.MOVING and o.travel() <= self.MAX_TRAVEL
        ]  # fmt: skip
        if not movers:
            return None
        mover = max(movers, key=lambda o: o.articulation())
        self._others.remove(mover)
        self._others.append(followed)
        self._followed = self._exerciser = mover
        return matched[id(mover)]


def _distance(center: np.ndarray, c: _Candidate) -> float:
    """Between torso centres (isotropic picture units)."""
    return math.hypot(float(c.center[0]) - float(center[0]), float(c.center[1]) - float(center[1]))


def _near(track: _Followed, c: _Candidate, max_jump: float) -> bool:
    return _distance(track.center, c) <= max_jump * max(track.size, 1e-6)
