"""The exercise recogniser (``--exercise auto``, the ``exercise_mismatch`` notice) measured on
the sample tracks, every figure leave-one-source-out: each real clip is judged by a model (and
rule-fit weights) trained without any clip of its source.

``python benchmarks/recognition.py [--rounds N]``  (about two minutes)

Prints:

- top-1: the leading exercise per real clip, and how many were named (sure enough) and right;
- the confusion table (truth -> recognised);
- the mismatch notice: every real clip "analysed" with its own rule (a notice there is a false
  alarm) and with every other rule, split by whether that rule is done in the same posture
  (standing, lying on the back, lying on the side, kneeling, seated, on all fours) or another;
- ``live --exercise auto`` on every clip: decided right, wrong or not at all, how soon, and the
  sets of one exercise the watch would have ended (false splits);
- the time the check adds to a replayed track (``analyze`` in-process, JSON output, the check
  on against off, alternating), and ``--exercise auto``'s choice on top of that;
- the command's wall time, ``-e ID`` against ``-e auto``, on a pose track and on the same
  clip's video with ``--report`` (needs ``FORMCHECK_MODEL_DIR`` and the shared clips).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "samples" / "recognition"))

from dataset import POSTURE, Clip  # noqa: E402
from train import Fits, Held, confusion_table, loso, prepare  # noqa: E402

from formcheck.recognition.check import mismatch_message  # noqa: E402
from formcheck.recognition.features import frame_features, stack_poses  # noqa: E402
from formcheck.recognition.posture import observed_posture  # noqa: E402
from formcheck.recognition.rulefit import thin  # noqa: E402
from formcheck.rules import Exercise, list_exercises  # noqa: E402

TIMED_TRACKS = ("squat--front-20-reps-counter", "lunge--forward-home", "glute-bridge--home")


def observed(clip: Clip) -> str | None:
    """The clip's posture where it is certain, as ``ExerciseCheck`` reads it (``PoseStream``)."""
    frames, poses = thin(clip.frames, clip.poses, max_frames=None)
    _, px, world = stack_poses(frames, poses)
    return observed_posture(frame_features(px, world))


def mismatch_rates(held: list[Held], fits: Fits) -> None:
    runs: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    alarms: list[str] = []
    missed_same: Counter[tuple[str, str]] = Counter()
    for h in held:
        truth = h.clip.exercise
        posture = observed(h.clip)
        for rule in sorted(fits[h.clip.name]):
            kind = "right" if rule == truth else ("same" if POSTURE[rule] == POSTURE[truth] else "other")
            rec = h.check(fits, rule)
            message = mismatch_message(rec, rule, {}, posture=POSTURE[rule] or None, observed=posture)
            said = message is not None
            runs[kind] += 1
            hits[kind] += said
            if kind == "right" and said:
                alarms.append(f"{h.clip.name}: {rec.leading} {rec.confidence:.2f}")
            if kind == "same" and not said:
                missed_same[(truth, rule)] += 1
    print("\nmismatch notice (exercise_mismatch), leave-one-source-out:")
    for kind, label in (
        ("other", "another posture's rule"),
        ("same", "a same-posture rule"),
        ("right", "its own rule"),
    ):
        n, k = runs[kind], hits[kind]
        what = "false alarms" if kind == "right" else "notice given"
        print(f"  clip analysed with {label:<24} {what}: {k}/{n} = {100 * k / max(n, 1):.1f} %")
    for line in alarms:
        print(f"    false alarm: {line}")
    print("  same-posture runs without a notice, most frequent (truth, rule asked):")
    for (truth, rule), k in missed_same.most_common(8):
        print(f"    {truth} analysed as {rule}: {k}")


def live_rates(held: list[Held]) -> None:
    """``live --exercise auto`` on every real clip, leave-one-source-out: what the live
    recogniser decides and when, and whether the watch of a set ever ends one on a clip of a
    single exercise (a false split)."""
    from formcheck.recognition.choose import known_exercises
    from formcheck.recognition.live import ExerciseWatch, LiveRecogniser

    rules = known_exercises()
    right, wrong, unsure, split = [], [], [], []
    for h in held:
        truth = h.clip.exercise
        start = h.clip.frames[0].t_ms if h.clip.frames else 0
        recogniser = LiveRecogniser(rules, model=h.model)
        verdict = None
        for frame in h.clip.frames:
            verdict = recogniser.add(frame)
            if verdict is not None:
                decided = ((frame.t_ms - start) / 1000, h.clip.name, verdict.id)
                (right if verdict.id == truth else wrong).append(decided)
                break
        if verdict is None:
            unsure.append(h.clip.name)
        if truth in rules:
            watch = ExerciseWatch(rules, truth, model=h.model)
            if any(watch.add(frame) is not None for frame in h.clip.frames):
                split.append(f"{h.clip.name} -> {watch.moved_on.recognition.id if watch.moved_on else '?'}")
    n = len(held)
    times = sorted(t for t, _, _ in right)
    print("\nlive --exercise auto (leave-one-source-out, each clip as if it were the camera):")
    print(f"  decided right {len(right)}/{n}, wrong {len(wrong)}, not sure by the clip's end {len(unsure)}")
    if times:
        print(f"  time to a right decision: median {statistics.median(times):.1f} s, max {times[-1]:.1f} s")
    for t, name, got in wrong:
        print(f"    wrong: {name} as {got} at {t:.1f} s")
    print(f"  sets of one exercise ended as if the person moved on (false splits): {len(split)}/{n}")
    for line in split:
        print(f"    {line}")


def time_cost(rounds: int) -> None:
    from formcheck.analysis import AnalysisSettings, Outputs, analyze
    from formcheck.recognition.choose import choose_exercise
    from formcheck.rules import load_exercise
    from formcheck.segmented import OneExercise, analyze_auto

    out = Path("/tmp/formcheck-bench-recognition.json")
    print("\ntime on a replayed track (analyze in-process, --json; median of paired ratios):")
    for stem in TIMED_TRACKS:
        track = REPO / "samples" / "tracks" / f"{stem}.track.npz"
        rule = load_exercise(stem.split("--")[0])

        def plain(track: Path = track, rule: Exercise = rule) -> None:
            analyze(track, rule, outputs=Outputs(json=out), check_exercise=False)

        def checked(track: Path = track, rule: Exercise = rule) -> None:
            analyze(track, rule, outputs=Outputs(json=out))

        def auto(track: Path = track) -> None:
            # What `analyze -e auto` does: look for several exercises, then, finding one,
            # recognise it and analyse it from the poses already read.
            found = analyze_auto(track, outputs=Outputs(json=out), settings=AnalysisSettings())
            assert isinstance(found, OneExercise)
            chosen, rec = choose_exercise(track, AnalysisSettings(), track=found.track)
            analyze(track, chosen, outputs=Outputs(json=out), recognition=rec, track=found.track)

        times: dict[str, list[float]] = {"plain": [], "checked": [], "auto": []}
        plain()  # warm: imports, the weights file
        for _ in range(rounds):
            for name, fn in (("plain", plain), ("checked", checked), ("auto", auto)):
                t = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t)
        base = times["plain"]
        for name in ("checked", "auto"):
            ratio = statistics.median(b / a for a, b in zip(base, times[name], strict=True))
            print(
                f"  {stem:<32} plain {1000 * statistics.median(base):6.0f} ms  {name:<8}"
                f" {1000 * statistics.median(times[name]):6.0f} ms  = +{100 * (ratio - 1):.1f} %"
            )


def cli_time(rounds: int, path: Path, exercise: str, outputs: tuple[str, ...] = ()) -> None:
    """Wall time of the command a user types, start-up included: named exercise vs auto."""
    import subprocess

    out = "/tmp/formcheck-bench-recognition-cli.json"
    named = [sys.executable, "-m", "formcheck", "analyze", str(path), "-e", exercise, "--json", out, "-q"]
    named += outputs
    auto = [*named[:5], "-e", "auto", *named[7:]]
    times: dict[str, list[float]] = {"named": [], "auto": []}
    for _ in range(rounds):
        for name, cmd in (("named", named), ("auto", auto)):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times[name].append(time.perf_counter() - t)
    ratio = statistics.median(b / a for a, b in zip(times["named"], times["auto"], strict=True))
    extra = f" {' '.join(outputs)}" if outputs else ""
    print(
        f"\nCLI wall time ({path.name}{extra}, start-up included): -e {exercise} (checked)"
        f" {statistics.median(times['named']):.2f} s, -e auto {statistics.median(times['auto']):.2f} s"
        f" = +{100 * (ratio - 1):.1f} %"
    )


def cli_times(rounds: int) -> None:
    """On a pose track, and on the video of the same clip (estimated once either way, plus
    recognition; with a report, whose pictures need the images decoded again)."""
    stem = TIMED_TRACKS[1]
    exercise = stem.split("--")[0]
    cli_time(rounds, REPO / "samples" / "tracks" / f"{stem}.track.npz", exercise)
    shared = Path(os.environ.get("FORMCHECK_SHARED_SAMPLES", REPO.parent / "shared" / "samples"))
    video = shared / "clips" / f"{stem}.mp4"
    from formcheck.models import find_model

    if find_model("full") is None:
        print("\n(no video timing: the full model is not found; set FORMCHECK_MODEL_DIR)")
        return
    if video.is_file():
        cli_time(max(1, rounds // 2), video, exercise, ("--report", "/tmp/formcheck-bench-recognition.html"))
    else:
        print(f"\n(no video timing: {video} not found)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds per track")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()
    clips, ws, fits = prepare(list_exercises())
    real = [c for c in clips if not c.synthetic]
    sources = len({c.source for c in real})
    print(f"{len(real)} real clips from {sources} sources, {len(clips) - len(real)} synthetic tracks")
    held = list(loso(clips, ws, fits))
    results = {h.clip.name: h.judge(fits) for h in held}
    right, confusion = confusion_table(results)
    n = len(results)
    named = [(k, r) for k, r in results.items() if r.id is not None]
    named_right = sum(r.id == k.split("--")[0] for k, r in named)
    print(f"top-1 (leading exercise): {right}/{n} = {100 * right / n:.1f} %")
    print(f"named (sure enough): {len(named)}/{n}, right {named_right}, wrong {len(named) - named_right}")
    print("confusions (truth -> recognised: clips):")
    for (truth, got), k in sorted(confusion.items()):
        print(f"  {truth:<22} -> {got:<22} {k}")
    mismatch_rates(held, fits)
    live_rates(held)
    if not args.no_timing:
        time_cost(args.rounds)
        cli_times(args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
