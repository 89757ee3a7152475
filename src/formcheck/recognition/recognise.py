"""Which exercise is this? From a stretch of poses to a ``Recognition``.

Two stages:

1. Each window of a few seconds (``features``) gets a probability per exercise (``model``); a
   stretch's scores combine its windows' log-probabilities (their mean: a geometric mean of the
   windows' opinions, so one odd window does not decide), restricted to the exercises there are
   rules for.
2. An exercise done in a position the person was clearly not in (``posture``: a clamshell,
   lying on the side, while they lay on their back) is no candidate.
3. The few leading exercises (``RERANK``, plus any the caller must weigh, such as the one the
   user named) are re-ranked by their own rules: each rule's engine is replayed on the poses
   (``rulefit``) and how well the movement fits it adds to its score.

Too little seen, or no exercise clearly ahead, is "not sure yet" (``id`` None).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from formcheck.pose import Pose, PoseFrame
from formcheck.recognition.features import (
    frame_features,
    median,
    stack_poses,
    summarise_windows,
    window_starts,
)
from formcheck.recognition.model import Model, bundled_model
from formcheck.recognition.posture import observed_posture, ruled_out
from formcheck.recognition.rulefit import rule_fit, thin

if TYPE_CHECKING:
    from formcheck.rules import Exercise

SURE = 0.5  # the leading exercise's probability needed to name it
MIN_SEEN_S = 2.5  # at least this much of the person seen before naming anything (one slow rep)
# Median distance to the nearest exercise centre (in its own spreads) beyond which the movement
# matches no exercise the model knows.
NOVEL = 2.5
RERANK = 3  # the leading exercises re-ranked by their rules' fit
RERANK_BELOW = 0.9  # ... when the window model's leader has less than this


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
    posture: str | None = None  # the person's posture over the stretch, where certain


def windows_of(
    frames: Sequence[PoseFrame], poses: Sequence[Pose | None], model: Model | None = None
) -> Windows:
    """The windows of a stretch, its frames taken at ``rulefit.FIT_FPS`` at most."""
    frames, poses = thin(frames, poses, max_frames=None)
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
    rows = summarise_windows(feats, spans)
    log_p = np.full((len(spans), k), np.nan)
    novelty = np.full(len(spans), np.nan)
    good = [i for i, r in enumerate(rows) if r is not None]
    if good:
        x = np.stack([rows[i] for i in good])  # type: ignore[misc]
        log_p[good] = model.log_proba(x)
        novelty[good] = model.novelty(x).min(axis=1)
    return Windows(t, spans, log_p, novelty, seen, observed_posture(feats))


def verdict(
    log_proba: np.ndarray,
    novelty: np.ndarray,
    classes: Sequence[str],
    *,
    candidates: Iterable[str] | None = None,
    seen_s: float,
    alternatives: int = 3,
    fit: Callable[[str], np.ndarray] | None = None,
    fit_weights: np.ndarray | None = None,
    must: Iterable[str] = (),
    observed: str | None = None,
    posture_of: Callable[[str], str | None] | None = None,
) -> Recognition:
    """Combine windows' scores into one ``Recognition`` among ``candidates`` (default: all).
    With ``observed`` (``posture.observed_posture``) and ``posture_of`` (exercise id -> its
    rule's posture), the leading candidates that posture rules out are dropped. With ``fit``
    (exercise id -> its ``rulefit`` numbers), the ``RERANK`` leading candidates and those in
    ``must`` are re-ranked by ``fit_weights`` . fit: they share the probability the windows
    gave them together, the others keep theirs."""
    ok = ~np.isnan(log_proba).any(axis=1)
    wanted = None if candidates is None else set(candidates)
    allowed = [i for i, c in enumerate(classes) if wanted is None or c in wanted]
    if not ok.any() or not allowed or seen_s < MIN_SEEN_S:
        return Recognition(None, 0.0, (), 0.0, seen_s)
    dropped: set[int] = set()
    while True:
        mean = log_proba[ok][:, allowed].mean(axis=0)
        p = np.exp(mean - mean.max())
        p /= p.sum()
        if observed is None or posture_of is None:
            break
        # Only the leaders' rules are asked (reading every rule file costs more than judging):
        # those the posture rules out go, and the next ones are asked in turn.
        leaders = [allowed[i] for i in np.argsort(-p)[: RERANK + alternatives]]
        out = {i for i in leaders if ruled_out(posture_of(classes[i]), observed)}
        if not out or len(out) == len(allowed):
            break
        dropped |= out
        allowed = [i for i in allowed if i not in dropped]
    must = tuple(must)
    # A clear leader is left as it is (on the leave-one-source-out runs re-ranking never changed
    # one that led with more than 0.8); what the caller must weigh is re-ranked in any case.
    unclear = must or float(p.max()) < RERANK_BELOW
    if fit is not None and fit_weights is not None and fit_weights.any() and unclear:
        names = [classes[i] for i in allowed]
        again = {int(i) for i in np.argsort(-p)[:RERANK]} | {names.index(m) for m in must if m in names}
        idx = sorted(again)
        score = mean[idx] + np.array([fit_weights @ fit(names[i]) for i in idx])
        q = np.exp(score - score.max())
        p[idx] = p[idx].sum() * q / q.sum()
    order = np.argsort(-p)
    ranked = [(classes[allowed[i]], float(p[i])) for i in order]
    top, conf = ranked[0]
    nov = median(novelty[ok])
    alts = tuple(ranked[1 : 1 + alternatives])
    return Recognition(top if conf >= SURE else None, conf, alts, nov, seen_s, tuple(ranked))


def recognise(
    frames: Sequence[PoseFrame],
    poses: Sequence[Pose | None],
    *,
    candidates: Iterable[str] | Mapping[str, Exercise] | None = None,
    model: Model | None = None,
    must: Iterable[str] = (),
) -> Recognition:
    """The exercise done over the whole stretch of ``frames`` (``poses``: the selected person).
    ``candidates`` given as rules (id -> ``Exercise``) are also re-ranked by their fit."""
    model = model or bundled_model()
    w = windows_of(frames, poses, model)
    rules = candidates if isinstance(candidates, Mapping) else None
    return judge(w, model, candidates=candidates, rules=rules, thinned=thin(frames, poses), must=must)


def judge(
    w: Windows,
    model: Model | None = None,
    *,
    candidates: Iterable[str] | None = None,
    rules: Mapping[str, Exercise] | None = None,
    thinned: tuple[Sequence[PoseFrame], Sequence[Pose | None]] | None = None,
    must: Iterable[str] = (),
) -> Recognition:
    """The verdict over all of a stretch's windows; with ``rules``, none whose posture the
    person was clearly not in, and with the ``thinned`` poses (``rulefit.thin``) too, the leading
    rules re-ranked by their fit."""
    model = model or bundled_model()
    fit = None

    def posture_of(exercise_id: str) -> str | None:
        return rules[exercise_id].posture if rules is not None and exercise_id in rules else None

    if rules is not None and thinned is not None:
        frames, poses = thinned
        cache: dict[str, np.ndarray] = {}

        def fit(exercise_id: str) -> np.ndarray:
            if exercise_id not in cache:
                cache[exercise_id] = rule_fit(rules[exercise_id], frames, poses)
            return cache[exercise_id]

    return verdict(
        w.log_proba, w.novelty, model.classes, candidates=candidates, seen_s=_seen_s(w.t_s, w.seen),
        fit=fit, fit_weights=model.fit_weights, must=must,
        observed=w.posture, posture_of=posture_of if rules is not None else None,
    )  # fmt: skip


def _seen_s(t_s: np.ndarray, seen: np.ndarray) -> float:
    if len(t_s) < 2:
        return 0.0
    dt = np.diff(t_s, append=t_s[-1])
    return float(dt[seen].sum())
