"""Which exercise is this? From a stretch of poses to a ``Recognition``.

Each window of a few seconds (``features``) gets a probability per exercise (``model``); a
stretch's verdict combines its windows' log-probabilities (their mean: a geometric mean of the
windows' opinions, so one odd window does not decide), restricted to the exercises there are
rules for. Too little seen, or no exercise clearly ahead, is "not sure yet" (``id`` None).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from formcheck.pose import Pose, PoseFrame
from formcheck.recognition.features import frame_features, stack_poses, summarise, window_starts
from formcheck.recognition.model import Model, bundled_model

SURE = 0.5  # the leading exercise's probability needed to name it
MIN_SEEN_S = 2.5  # at least this much of the person seen before naming anything (one slow rep)
# Median distance to the nearest exercise centre (in its own spreads) beyond which the movement
# matches no exercise the model knows.
NOVEL = 2.5


@dataclass(frozen=True)
class Recognition:
    id: str | None  # None: not sure yet
    confidence: float  # probability of ``id`` (or of the leading exercise when not sure)
    alternatives: tuple[tuple[str, float], ...]  # the next best, most likely first
    novelty: float = 0.0  # distance from the nearest known exercise (above NOVEL: none fits)
    seen_s: float = 0.0  # how long the person was seen in the stretch judged
    ranked: tuple[tuple[str, float], ...] = ()  # every candidate, most likely first

    @property
    def novel(self) -> bool:
        return self.novelty > NOVEL

    def probability(self, exercise_id: str) -> float:
        return dict(self.ranked).get(exercise_id, 0.0)

    @property
    def leading(self) -> str | None:
        """The most likely exercise, also when not sure enough to name it."""
        return self.ranked[0][0] if self.ranked else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "confidence": round(self.confidence, 3),
            "alternatives": [{"id": i, "confidence": round(p, 3)} for i, p in self.alternatives],
        }


NOT_SURE = Recognition(None, 0.0, ())


@dataclass(frozen=True)
class Windows:
    """A stretch's windows: (first, end) frame indices, log-probabilities, novelty (None rows
    where the person was not seen enough)."""

    t_s: np.ndarray  # per frame
    spans: list[tuple[int, int]]
    log_proba: np.ndarray  # (windows, classes); NaN rows: person not seen
    novelty: np.ndarray  # (windows,)
    seen: np.ndarray  # per frame: the person seen


def windows_of(
    frames: Sequence[PoseFrame], poses: Sequence[Pose | None], model: Model | None = None
) -> Windows:
    t, px, world = stack_poses(frames, poses)
    seen = np.array([p is not None for p in poses], dtype=bool)
    return windows_from_features(t, frame_features(px, world), seen, model)


def windows_from_features(
    t: np.ndarray, feats: np.ndarray, seen: np.ndarray, model: Model | None = None
) -> Windows:
    """The windows of a stretch whose per-frame features (``frame_features``) are known."""
    model = model or bundled_model()
    spans = window_starts(t)
    k = len(model.classes)
    rows = [summarise(feats[i:j]) for i, j in spans]
    log_p = np.full((len(spans), k), np.nan)
    novelty = np.full(len(spans), np.nan)
    good = [i for i, r in enumerate(rows) if r is not None]
    if good:
        x = np.stack([rows[i] for i in good])  # type: ignore[misc]
        log_p[good] = model.log_proba(x)
        novelty[good] = model.novelty(x).min(axis=1)
    return Windows(t, spans, log_p, novelty, seen)


def verdict(
    log_proba: np.ndarray,
    novelty: np.ndarray,
    classes: Sequence[str],
    *,
    candidates: Iterable[str] | None = None,
    seen_s: float,
    alternatives: int = 3,
) -> Recognition:
    """Combine windows' scores into one ``Recognition`` among ``candidates`` (default: all)."""
    ok = ~np.isnan(log_proba).any(axis=1)
    allowed = [i for i, c in enumerate(classes) if candidates is None or c in set(candidates)]
    if not ok.any() or not allowed or seen_s < MIN_SEEN_S:
        return Recognition(None, 0.0, (), 0.0, seen_s)
    mean = log_proba[ok][:, allowed].mean(axis=0)
    p = np.exp(mean - mean.max())
    p /= p.sum()
    order = np.argsort(-p)
    ranked = [(classes[allowed[i]], float(p[i])) for i in order]
    top, conf = ranked[0]
    nov = float(np.median(novelty[ok]))
    alts = tuple(ranked[1 : 1 + alternatives])
    return Recognition(top if conf >= SURE else None, conf, alts, nov, seen_s, tuple(ranked))


def recognise(
    frames: Sequence[PoseFrame],
    poses: Sequence[Pose | None],
    *,
    candidates: Iterable[str] | None = None,
    model: Model | None = None,
) -> Recognition:
    """The exercise done over the whole stretch of ``frames`` (``poses``: the selected person)."""
    model = model or bundled_model()
    return judge(windows_of(frames, poses, model), model, candidates=candidates)


def judge(w: Windows, model: Model | None = None, *, candidates: Iterable[str] | None = None) -> Recognition:
    """The verdict over all of a stretch's windows."""
    model = model or bundled_model()
    return verdict(w.log_proba, w.novelty, model.classes, candidates=candidates, seen_s=_seen_s(w.t_s, w.seen))


def _seen_s(t_s: np.ndarray, seen: np.ndarray) -> float:
    if len(t_s) < 2:
        return 0.0
    dt = np.diff(t_s, append=t_s[-1])
    return float(dt[seen].sum())
