"""Train the exercise recogniser and measure it leave-one-source-out.

    python samples/recognition/train.py            # writes src/formcheck/recognition/weights.json
    python samples/recognition/train.py --loso     # also: top-1 per source left out, confusion table

The committed model is trained on every sample track (real and synthetic) of every exercise
there is a bundled rule for: the window model (``model.fit``) on their feature windows, the
rule-fit weights (``model.fit_rule_weights``) on how well each bundled rule's engine fits each
track. The leave-one-source-out figures retrain both once per source of real clips, without
that source's clips, and recognise only those: no clip is ever judged by a model that saw it,
or saw another clip of the same person and camera (standardisation included). Deterministic:
the same tracks give the same weights.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from dataset import POSTURE, SYNTHETIC, Clip, WindowSet, load_clips, rule_fits, windows  # noqa: E402

from formcheck.recognition.check import checked  # noqa: E402
from formcheck.recognition.model import WEIGHTS_PATH, Model, fit, fit_rule_weights  # noqa: E402
from formcheck.recognition.recognise import Recognition, Windows, verdict, windows_of  # noqa: E402
from formcheck.rules import Exercise, list_exercises  # noqa: E402

Fits = Mapping[str, Mapping[str, np.ndarray]]  # clip -> rule id -> rulefit numbers


def train(ws: WindowSet, clips: list[Clip], fits: Fits) -> Model:
    """The model from these windows, its rule-fit weights from these clips."""
    meta = {
        "trained_on": {"clips": len(set(ws.clip.tolist())), "windows": len(ws.x)},
        "script": "samples/recognition/train.py",
    }
    model = fit(ws.x, list(ws.exercise), sample_weight=ws.weights(), meta=meta)
    rows = []
    for clip in clips:
        ids = [i for i in model.classes if i in fits[clip.name]]
        if clip.exercise in ids:
            rows.append((np.stack([fits[clip.name][i] for i in ids]), ids.index(clip.exercise)))
    return dataclasses.replace(model, fit_weights=fit_rule_weights(rows))


@dataclasses.dataclass
class Held:
    """A real clip judged by the model trained without its source."""

    clip: Clip
    model: Model
    windows: Windows

    def judge(self, fits: Fits, must: tuple[str, ...] | None = ()) -> Recognition:
        """As ``recognise`` judges it; ``must=None``: the window model alone (no re-ranking, no
        rule read for its posture)."""
        w, f = self.windows, fits[self.clip.name]
        seen_s = float(np.diff(w.t_s, append=w.t_s[-1])[w.seen].sum()) if len(w.t_s) > 1 else 0.0
        return verdict(
            w.log_proba, w.novelty, self.model.classes, candidates=list(f), seen_s=seen_s,
            fit=None if must is None else f.__getitem__, fit_weights=self.model.fit_weights, must=must or (),
            observed=w.posture, posture_of=None if must is None else (lambda i: POSTURE.get(i) or None),
        )  # fmt: skip

    def check(self, fits: Fits, exercise_id: str) -> Recognition:
        """As ``ExerciseCheck`` judges the run of ``exercise_id`` (``check.checked``)."""
        return checked(lambda rerank: self.judge(fits, rerank), exercise_id)


def loso(clips: list[Clip], ws: WindowSet, fits: Fits) -> Iterator[Held]:
    """Every real clip, with the model trained without its source."""
    for source in sorted({c.source for c in clips} - {SYNTHETIC}):
        model = train(ws.subset(ws.source != source), [c for c in clips if c.source != source], fits)
        for clip in clips:
            if clip.source == source:
                yield Held(clip, model, windows_of(clip.frames, clip.poses, model))


def confusion_table(results: Mapping[str, Recognition]) -> tuple[int, Counter[tuple[str, str]]]:
    right = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for name, rec in results.items():
        truth = name.split("--")[0]
        got = rec.leading or "nothing"
        right += got == truth
        if got != truth:
            confusion[(truth, got)] += 1
    return right, confusion


def print_loso(held: list[Held], fits: Fits) -> dict[str, Recognition]:
    results = {h.clip.name: h.judge(fits) for h in held}
    for h in held:
        rec = results[h.clip.name]
        ok = rec.leading == h.clip.exercise
        alts = ", ".join(f"{i} {p:.2f}" for i, p in rec.ranked[1:3])
        named = rec.id or f"(not sure: {rec.leading})"
        mark = "ok " if ok else "BAD"
        print(f"{mark} {h.clip.name:<56} {named:<34} {rec.confidence:.2f}  ({alts})  [{h.clip.source}]")
    right, confusion = confusion_table(results)
    named = sum(r.id is not None for r in results.values())
    named_right = sum(r.id == n.split("--")[0] for n, r in results.items())
    n = len(results)
    print(f"top-1 leave-one-source-out (the leading exercise): {right}/{n} = {100 * right / n:.1f} %")
    print(f"named (sure enough): {named}/{n}, of which right {named_right}; not sure {n - named}")
    print("confusions (truth -> recognised: clips):")
    for (truth, got), k in sorted(confusion.items()):
        print(f"  {truth} -> {got}: {k}")
    return results


def prepare(rules: list[Exercise]) -> tuple[list[Clip], WindowSet, Fits]:
    clips = load_clips(e.id for e in rules)
    return clips, windows(clips), rule_fits(clips, rules)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loso", action="store_true", help="also measure leave-one-source-out")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite the weights file")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH, help="where to write the weights")
    args = parser.parse_args(argv)
    clips, ws, fits = prepare(list_exercises())
    print(f"{len(clips)} tracks ({sum(c.synthetic for c in clips)} synthetic), {len(ws.x)} windows")
    if not args.no_write:
        model = train(ws, clips, fits)
        args.out.write_text(json.dumps(model.to_dict(), separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {args.out} ({args.out.stat().st_size // 1024} kB)")
    if args.loso:
        print_loso(list(loso(clips, ws, fits)), fits)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
