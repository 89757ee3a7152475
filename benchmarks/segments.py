"""Segments (``--exercise auto`` on several exercises in a row) measured on concatenations of
the committed sample tracks, every figure leave-one-source-out: a concatenation is split and
judged by a model (and rule-fit weights) trained without any clip of the sources in it.

``python benchmarks/segments.py [--count N] [--seed S]``  (a few minutes)

Each concatenation (built deterministically from ``--seed``) holds 3-5 real tracks of different
exercises, one after the other, with a rest of 6-10 s between them: nobody seen (``--rest
unseen``, the default) or someone standing still (``--rest standing``: a still, upright frame
repeated). Tracks whose clip needs another person than the default ``auto`` (two people in the
picture) are left out: one person setting holds for a whole input.

Per track in a concatenation, with the segment found over it (the one whose middle lies in it):

- right: exactly one segment there, recognised as the track's exercise;
- boundaries: its start and end within 2 s of the track's first and last frame showing the
  person (nobody seen is the same to the recogniser whether in the clip or in the rest);
- reps: the segment's count (reps, and holds) equal to the track analysed alone with its rule.

Also: every real track alone (the model without its source), and how many are kept whole (one
segment) - a single-exercise input must keep today's output.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "samples" / "recognition"))

from dataset import SYNTHETIC, Clip, joined, people  # noqa: E402
from train import loso, prepare, train  # noqa: E402

from formcheck.engine import ExerciseEngine  # noqa: E402
from formcheck.people import PersonSelector  # noqa: E402
from formcheck.pipeline import run  # noqa: E402
from formcheck.pose import PoseFrame  # noqa: E402
from formcheck.recognition.choose import known_exercises  # noqa: E402
from formcheck.recognition.model import Model  # noqa: E402
from formcheck.recognition.segments import Segment, judge_part  # noqa: E402
from formcheck.rules import list_exercises  # noqa: E402
from formcheck.segmented import SegmentRun, run_segments, split  # noqa: E402

TOLERANCE_S = 2.0


def counts(result: object) -> tuple[int, int]:
    """(reps, holds) of a session result."""
    reps = int(getattr(result, "reps", {}).get("total") or 0)
    return reps, len(getattr(result, "holds", ()))


def alone(clip: Clip, rules: object) -> tuple[int, int]:
    """The track analysed by itself with its own rule (``analyze`` replaying it)."""
    rule = rules[clip.exercise]  # type: ignore[index]
    outcome = run(((None, f) for f in clip.frames), ExerciseEngine(rule), selector=PersonSelector("auto"))
    return counts(outcome.result)


def seen_span(frames: Sequence[PoseFrame], start_s: float, end_s: float) -> tuple[float, float]:
    """The first and last frame in [start_s, end_s] with a person."""
    ts = [f.t_ms / 1000 for f in frames if start_s <= f.t_ms / 1000 <= end_s and f.poses]
    return (ts[0], ts[-1]) if ts else (start_s, end_s)


def standing_frame(clips: list[Clip]) -> PoseFrame:
    """A still, upright frame (the rest stood through): the first of a front squat clip."""
    return next(c for c in clips if c.name == "squat--front-good").frames[0]


Totals = dict[str, int]


def score(
    picked: list[Clip], spans: list[tuple[float, float]], frames: list[PoseFrame], runs: list[SegmentRun],
    reference: dict[str, tuple[int, int]], totals: Totals,
) -> list[str]:  # fmt: skip
    """Add one concatenation's figures to ``totals``; its lines to print."""
    used: set[int] = set()
    lines = []
    ok_all = True
    for clip, span in zip(picked, spans, strict=True):
        a, b = seen_span(frames, *span)
        here = [i for i, r in enumerate(runs) if a - 1 <= (r.segment.start_s + r.segment.end_s) / 2 <= b + 1]
        used |= set(here)
        right = bounds = same = False
        got = "-"
        if len(here) == 1:
            r = runs[here[0]]
            seg = r.segment
            got = f"{seg.exercise or 'not sure'} {seg.start_s:.1f}-{seg.end_s:.1f}"
            right = seg.exercise == clip.exercise
            bounds = abs(seg.start_s - a) <= TOLERANCE_S and abs(seg.end_s - b) <= TOLERANCE_S
            same = right and r.result is not None and counts(r.result) == reference[clip.name]
            if r.result is not None:
                got += f" reps/holds {counts(r.result)} (alone {reference[clip.name]})"
        elif here:
            got = f"{len(here)} segments"
        totals["tracks"] += 1
        totals["right"] += right
        totals["bounds"] += bounds
        totals["reps"] += same
        totals["all"] += right and bounds and same
        ok_all &= right and bounds and same
        mark = "ok " if right and bounds and same else "BAD"
        lines.append(f"   {mark} {clip.name:<50} {a:6.1f}-{b:6.1f}  {got}")
    extra = len(runs) - len(used)
    totals["extra"] += extra
    totals["concat_ok"] += ok_all and extra == 0
    return lines


def print_totals(title: str, totals: Totals, count: int) -> None:
    t = totals["tracks"]

    def share(key: str) -> str:
        return f"{totals[key]}/{t} = {100 * totals[key] / t:.1f} %"

    print(f"\n{title}: {count} concatenations, {t} tracks in them")
    print(f"  segment recognised right:        {share('right')}")
    print(f"  boundaries within {TOLERANCE_S:.0f} s:          {share('bounds')}")
    print(f"  reps/holds equal to alone:       {share('reps')}")
    print(f"  all three:                       {share('all')}")
    print(f"  extra segments (over no track):  {totals['extra']}")
    print(f"  concatenations entirely right:   {totals['concat_ok']}/{count}")


def new_totals() -> Totals:
    return dict.fromkeys(("tracks", "right", "bounds", "reps", "all", "extra", "concat_ok"), 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30, help="concatenations")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--rest", choices=("unseen", "standing"), default="unseen")
    parser.add_argument("--no-single", action="store_true", help="skip the single-track run")
    args = parser.parse_args()
    started = time.perf_counter()
    clips, ws, fits = prepare(list_exercises())
    rules = known_exercises()
    special = set(people())
    real = [c for c in clips if c.source != SYNTHETIC and c.name not in special]
    print(f"{len(real)} real tracks usable (one person), {len({c.source for c in real})} sources")
    reference = {c.name: alone(c, rules) for c in real}
    filler = standing_frame(clips) if args.rest == "standing" else None
    rng = random.Random(args.seed)
    models: dict[frozenset[str], Model] = {}

    def model_without(sources: frozenset[str]) -> Model:
        if sources not in models:
            keep = ~np.isin(ws.source, list(sources))
            models[sources] = train(ws.subset(keep), [c for c in clips if c.source not in sources], fits)
        return models[sources]

    strict, per_track = new_totals(), new_totals()
    for n in range(args.count):
        k = rng.randint(3, 5)
        picked: list[Clip] = []
        for c in rng.sample(real, len(real)):
            if len(picked) < k and c.exercise not in {p.exercise for p in picked}:
                picked.append(c)
        gaps = [rng.uniform(6.0, 10.0) for _ in picked[1:]]
        frames, spans = joined([c.frames for c in picked], gaps, filler=filler)
        # Split by a model that saw none of the concatenation's sources...
        segments = split(frames, "auto", rules, model_without(frozenset(c.source for c in picked)))
        runs = run_segments(frames, segments, rules)
        lines = score(picked, spans, frames, runs, reference, strict)
        # ... and each segment judged again by the model without its own track's source alone.
        selector = PersonSelector("auto")
        poses = [selector.select(f) for f in frames]
        again = []
        for seg in segments:
            mid = (seg.start_s + seg.end_s) / 2
            owner = next((c for c, (a, b) in zip(picked, spans, strict=True) if a - 1 <= mid <= b + 1), None)
            if owner is not None:
                inside = [i for i, f in enumerate(frames) if seg.start_s <= f.t_ms / 1000 <= seg.end_s]
                sub_f, sub_p = [frames[i] for i in inside], [poses[i] for i in inside]
                rec = judge_part(sub_f, sub_p, rules=rules, model=model_without(frozenset({owner.source})))
                seg = Segment(seg.start_s, seg.end_s, rec)
            again.append(seg)
        lines2 = score(picked, spans, frames, run_segments(frames, again, rules), reference, per_track)
        print(f"#{n + 1}: {len(picked)} tracks, {len(segments)} segments (strict | per-track)")
        for a, b in zip(lines, lines2, strict=True):
            print(a + ("" if a.split()[0] == b.split()[0] else f"   | per-track: {b.split()[0]}"))
    print_totals(
        f"strict: split and judged by a model without any source of the concatenation"
        f" (seed {args.seed}, rests {args.rest})",
        strict,
        args.count,
    )
    print_totals(
        "leave-one-source-out per track: each segment judged by the model without its track's source",
        per_track,
        args.count,
    )
    if not args.no_single:
        whole = named_right = 0
        held = [h for h in loso(clips, ws, fits) if h.clip.name not in special]
        for h in held:
            segs = split(h.clip.frames, "auto", rules, h.model)
            whole += len(segs) <= 1
            alone_rec = judge_part(h.clip.frames, h.clip.poses, rules=rules, model=h.model)
            named_right += alone_rec.id == h.clip.exercise
            if len(segs) > 1:
                what = ", ".join(f"{s.exercise or 'not sure'} {s.start_s:.1f}-{s.end_s:.1f}" for s in segs)
                print(f"  split: {h.clip.name}: {what}")
        print(f"\nsingle tracks kept whole (one segment, today's output): {whole}/{len(held)}")
        print(f"single tracks alone named right (the ceiling for a segment): {named_right}/{len(held)}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
