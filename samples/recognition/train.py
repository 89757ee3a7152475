"""Train the exercise recogniser and measure it leave-one-source-out.

    python samples/recognition/train.py            # writes src/formcheck/recognition/weights.json
    python samples/recognition/train.py --loso     # also: top-1 per source left out, confusion table

The committed model is trained on every sample track (real and synthetic) of every exercise
there is a bundled rule for. The leave-one-source-out figures retrain it once per source of
real clips, without that source's clips, and recognise only those: no clip is ever judged by a
model that saw it, or saw another clip of the same person and camera. Deterministic: the same
tracks give the same weights.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from dataset import SYNTHETIC, Clip, WindowSet, load_clips, windows  # noqa: E402

from formcheck.recognition.model import WEIGHTS_PATH, Model, fit  # noqa: E402
from formcheck.recognition.recognise import Recognition, recognise  # noqa: E402
from formcheck.rules import list_exercises  # noqa: E402


def train(ws: WindowSet) -> Model:
    meta = {
        "trained_on": {"clips": int(len(set(ws.clip))), "windows": int(len(ws.x))},
        "script": "samples/recognition/train.py",
    }
    return fit(ws.x, list(ws.exercise), sample_weight=ws.weights(), meta=meta)


def loso(clips: list[Clip], ws: WindowSet) -> dict[str, tuple[Recognition, str]]:
    """Per real clip: its recognition by the model trained without its source, and the source."""
    out: dict[str, tuple[Recognition, str]] = {}
    for source in sorted({c.source for c in clips} - {SYNTHETIC}):
        model = train(ws.subset(ws.source != source))
        for clip in clips:
            if clip.source == source:
                out[clip.name] = (recognise(clip.frames, clip.poses, model=model), source)
    return out


def print_loso(results: dict[str, tuple[Recognition, str]]) -> None:
    right = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for name, (rec, source) in sorted(results.items()):
        truth = name.split("--")[0]
        ok = rec.id == truth
        right += ok
        if not ok:
            confusion[(truth, rec.id or "not sure")] += 1
        alts = ", ".join(f"{i} {p:.2f}" for i, p in rec.alternatives[:2])
        print(f"{'ok ' if ok else 'BAD'} {name:<58} {str(rec.id):<20} {rec.confidence:.2f}  ({alts})  [{source}]")
    print(f"top-1 leave-one-source-out: {right}/{len(results)} = {right / len(results):.3f}")
    print("confusions (truth -> recognised: clips):")
    for (truth, got), n in sorted(confusion.items()):
        print(f"  {truth} -> {got}: {n}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loso", action="store_true", help="also measure leave-one-source-out")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite the weights file")
    args = parser.parse_args(argv)
    rules = list_exercises()
    clips = load_clips(e.id for e in rules)
    ws = windows(clips)
    print(f"{len(clips)} tracks ({sum(c.synthetic for c in clips)} synthetic), {len(ws.x)} windows")
    if not args.no_write:
        model = train(ws)
        WEIGHTS_PATH.write_text(__import__("json").dumps(model.to_dict(), separators=(",", ":")) + "\n")
        print(f"wrote {WEIGHTS_PATH} ({WEIGHTS_PATH.stat().st_size // 1024} kB)")
    if args.loso:
        print_loso(loso(clips, ws))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
