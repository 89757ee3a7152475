"""Choose the exercising person among the poses seen in a frame, and stay with them.

MediaPipe returns poses in no stable order, and a therapist beside the patient or someone
walking past also gets a pose. The selector locks onto one person (the best candidate by size,
centrality and visibility, sustained over a short window) and then follows them by position;
it lets go only after they have been unseen for a while. Pure and driven by ``t_ms``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from formcheck.landmarks import INDEX
from formcheck.pose import VISIBILITY, Pose, PoseFrame

PersonChoice = Literal["auto", "largest", "left", "right", "center"]
PERSON_CHOICES: tuple[str, ...] = ("auto", "largest", "left", "right", "center")

_TORSO = [INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]


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

    def select(self, frame: PoseFrame) -> Pose | None:
        self.people_seen = len(frame.poses)
        if not frame.poses:
            self._forget_if_lost(frame.t_ms)
            return None
        if len(frame.poses) == 1 and self._center is None:
            # Nobody followed yet and one candidate: no choice to score (the common case).
            only = _candidate(frame.poses[0], frame.aspect, score=False)
            self._center, self._size, self._last_seen_ms = only.center, only.size, frame.t_ms
            return only.pose
        chosen = None
        if self._center is not None:
            chosen = self._follow([_candidate(p, frame.aspect, score=False) for p in frame.poses])
        if chosen is None:
            self._forget_if_lost(frame.t_ms)
            if self._center is not None:
                # Our person is momentarily unseen; do not jump to a bystander yet.
                return None
            chosen = self._pick([_candidate(p, frame.aspect) for p in frame.poses])
        self._center = chosen.center
        self._size = chosen.size
        self._last_seen_ms = frame.t_ms
        return chosen.pose

    def _follow(self, candidates: list[_Candidate]) -> _Candidate | None:
        assert self._center is not None
        cx, cy = float(self._center[0]), float(self._center[1])
        dists = [math.hypot(float(c.center[0]) - cx, float(c.center[1]) - cy) for c in candidates]
        best = int(np.argmin(dists))
        if dists[best] <= self._max_jump * max(self._size, 1e-6):
            return candidates[best]
        return None

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

    def _forget_if_lost(self, t_ms: int) -> None:
        if self._last_seen_ms is not None and t_ms - self._last_seen_ms > self._lost_after_ms:
            self._center = None
            self._last_seen_ms = None


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
