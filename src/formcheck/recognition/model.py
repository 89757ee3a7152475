"""The recogniser's scorer: a softmax (multinomial logistic) regression over window features.

    log p(exercise | window) = log softmax(W · standardise(features) + b)

A small linear model, because the training data is small (a few dozen clips plus synthetic
tracks) and every weight can be read: ``weights(exercise)`` lists which feature pushes toward
which exercise. The weights file (``weights.json`` beside this module, a few kB) is written by
``samples/recognition/train.py`` and read here; nothing is downloaded or trained at run time.

Besides the class scores, the model keeps each exercise's centre in the standardised feature
space and how far its own training windows lie from it: a window far from every centre matches
no exercise the model knows (``novelty``), which is how "this matches no rule" is told apart
from "this looks like a squat".
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.recognition.features import WINDOW_FEATURES
from formcheck.recognition.rulefit import FIT_FEATURES

WEIGHTS_PATH = Path(__file__).with_name("weights.json")
FORMAT = "formcheck.recognition-model/1"


@dataclass(frozen=True)
class Model:
    classes: tuple[str, ...]
    fill: np.ndarray  # per feature: the value used when it is unknown (training median)
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (features + 1, classes); the last row is the bias
    centres: np.ndarray  # (classes, features), standardised
    spread: np.ndarray  # (classes,): 90th percentile distance of a class's windows to its centre
    meta: dict[str, Any]
    # One weight per ``rulefit.FIT_FEATURES`` number, the same for every rule: how much a rule's
    # own engine finding its movement (``work``) or not (``waiting``, ``refused``) adds to the
    # log-odds of that rule. Zeros: no re-ranking.
    fit_weights: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(len(FIT_FEATURES)))

    def standardise(self, x: np.ndarray) -> np.ndarray:
        x = np.where(np.isnan(x), self.fill, x)
        return (x - self.mean) / self.scale

    def log_proba(self, x: np.ndarray) -> np.ndarray:
        """(windows, classes) log-probabilities for (windows, features) raw features."""
        z = np.hstack([self.standardise(x), np.ones((len(x), 1))]) @ self.weights
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def novelty(self, x: np.ndarray) -> np.ndarray:
        """(windows, classes): distance to each class centre over that class's usual spread
        (about 1 for a typical window of the class, well above 1 for a foreign one)."""
        s = self.standardise(x)
        d = np.sqrt(((s[:, None, :] - self.centres[None]) ** 2).mean(axis=2))
        return d / self.spread[None]

    def to_dict(self) -> dict[str, Any]:
        def r(a: np.ndarray) -> Any:
            return np.round(a, 5).tolist()

        return {
            "format": FORMAT, "features": list(WINDOW_FEATURES), "classes": list(self.classes),
            "fill": r(self.fill), "mean": r(self.mean), "scale": r(self.scale),
            "weights": r(self.weights), "centres": r(self.centres), "spread": r(self.spread),
            "fit_features": list(FIT_FEATURES), "fit_weights": r(self.fit_weights), "meta": self.meta,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Model:
        if (
            d.get("format") != FORMAT
            or list(d.get("features", [])) != list(WINDOW_FEATURES)
            or list(d.get("fit_features", [])) != list(FIT_FEATURES)
        ):
            raise FormcheckError(
                "the recognition model's weights do not match this version of formcheck; "
                "run samples/recognition/train.py"
            )
        keys = ("fill", "mean", "scale", "weights", "centres", "spread", "fit_weights")
        a = {k: np.asarray(d[k], dtype=np.float64) for k in keys}
        return cls(tuple(d["classes"]), meta=dict(d.get("meta", {})), **a)


@cache
def bundled_model() -> Model:
    """The committed model (read once)."""
    return Model.from_dict(json.loads(WEIGHTS_PATH.read_text(encoding="utf-8")))


def fit(
    x: np.ndarray, labels: list[str], *, sample_weight: np.ndarray | None = None,
    l2: float = 1e-2, steps: int = 600, rate: float = 0.5, meta: dict[str, Any] | None = None,
) -> Model:  # fmt: skip
    """Fit the model by full-batch gradient descent (deterministic: no random start)."""
    classes = tuple(sorted(set(labels)))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[c] for c in labels])
    with np.errstate(invalid="ignore"):
        fill = np.nanmedian(x, axis=0)
    fill = np.where(np.isnan(fill), 0.0, fill)
    xf = np.where(np.isnan(x), fill, x)
    mean, sd = xf.mean(axis=0), xf.std(axis=0)
    scale = np.where(sd > 1e-3, sd, 1.0)  # a constant feature (a range-only one's level) stays 0
    s = (xf - mean) / scale
    n, d = s.shape
    k = len(classes)
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    w = w / w.mean()
    xb = np.hstack([s, np.ones((n, 1))])
    target = np.eye(k)[y]
    weights = np.zeros((d + 1, k))
    decay = np.ones((d + 1, 1))
    decay[-1] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        z = xb @ weights
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = xb.T @ ((p - target) * w[:, None]) / n + l2 * decay * weights
        weights -= rate * grad
    centres = np.array([s[y == i].mean(axis=0) for i in range(k)])
    spread = np.array(
        [np.percentile(np.sqrt(((s[y == i] - centres[i]) ** 2).mean(axis=1)), 90) for i in range(k)]
    )
    return Model(classes, fill, mean, scale, weights, centres, np.maximum(spread, 1e-3), meta or {})


def fit_rule_weights(
    fits: list[tuple[np.ndarray, int]], *, l2: float = 1e-2, steps: int = 2000
) -> np.ndarray:
    """The ``fit_weights`` from clips' rule fits alone: per clip, (rules x FIT_FEATURES) and the
    row of its own rule. A conditional logit, p(rule) ~ exp(fit_weights . fit(rule)): one weight
    per number, shared by all rules (deterministic gradient descent from zero)."""
    d = len(FIT_FEATURES)
    b = np.zeros(d)
    if not fits:
        return b
    for _ in range(steps):
        grad = np.zeros(d)
        for f, truth in fits:
            z = f @ b
            p = np.exp(z - z.max())
            p /= p.sum()
            grad += f.T @ p - f[truth]
        b -= 0.5 * (grad / len(fits) + l2 * b)
    return b
