"""The sample suite behind ``formcheck test``: every sample clip through its exercise's rules.

By default each clip's recorded pose track is replayed through person selection and the
engine (``pipeline.replay_track``): no model, no video, the same loop as a live run. With
``clips_dir`` the videos are pose-estimated again end to end (model needed). Each result is
judged against ``samples/expected.yaml`` (see ``suite.metrics`` for how) and the suite's
figures are computed separately for real clips and synthetic tracks.
"""

from __future__ import annotations

import fnmatch
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formcheck.errors import FormcheckError, UsageError
from formcheck.suite.metrics import Judgement, SuiteMetrics, judge, summarize
from formcheck.suite.spec import ClipSpec, SuiteSpec, load_suite
from formcheck.suite.variants import Variant

if TYPE_CHECKING:
    from formcheck.rules import Exercise
    from formcheck.track import PoseTrack

OK, FAIL, SKIP, ERROR = "OK", "FAIL", "SKIP", "ERROR"


@dataclass(frozen=True, slots=True)
class ClipRow:
    spec: ClipSpec
    status: str  # OK | FAIL | SKIP (no rule for the exercise) | ERROR (could not run)
    judgement: Judgement | None = None
    message: str = ""  # why it failed, was skipped or could not run
    seconds: float = 0.0  # wall time spent on the clip
    part: str = ""  # its part of the split: tuned, untouched or synthetic (``SuiteSpec.group_of``)

    def to_dict(self) -> dict[str, Any]:
        j = self.judgement
        return {
            "id": self.spec.key,
            "clip": self.spec.clip,
            "exercise": self.spec.exercise,
            "synthetic": self.spec.synthetic,
            "part": self.part,
            "status": self.status,
            "message": self.message,
            "seconds": round(self.seconds, 3),
            "reps_expected": None if j is None or j.reps_expected is None else list(j.reps_expected),
            "reps_got": None if j is None else list(j.reps_got),
            "hold_expected_s": None if j is None else _rounded(j.hold_expected),
            "hold_got_s": None if j is None else _rounded(j.hold_got),
            "hold_error_s": None if j is None or j.hold_error_s is None else round(j.hold_error_s, 2),
            "faults_expected": None if j is None else list(j.faults_expected),
            "faults_got": None if j is None else list(j.faults_got),
            "fault_score": None
            if j is None
            else {
                "labelled": j.fault_score.labelled,
                "found": j.fault_score.found,
                "reported": j.fault_score.reported,
                "correct": j.fault_score.correct,
            },
        }


def _rounded(d: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in sorted(d.items())}


@dataclass
class SuiteReport:
    rows: list[ClipRow] = field(default_factory=list)
    real: SuiteMetrics | None = None
    synthetic: SuiteMetrics | None = None
    seconds: float = 0.0
    variant: str | None = None  # the ``suite.variants`` name the tracks were replayed as
    # The real clips' figures by part: ``tuned`` / ``untouched`` (the split of samples/README.md)
    # and ``added <batch>`` (the clips of each later batch of labels); only parts that have clips.
    parts: dict[str, SuiteMetrics] = field(default_factory=dict)

    @property
    def failures(self) -> list[ClipRow]:
        return [r for r in self.rows if r.status in (FAIL, ERROR)]

    @property
    def skipped(self) -> list[ClipRow]:
        return [r for r in self.rows if r.status == SKIP]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "formcheck.suite/1",
            "variant": self.variant,
            "summary": None if self.real is None else self.real.line(),
            "synthetic_summary": None if self.synthetic is None else self.synthetic.line(),
            "parts": {name: m.line() for name, m in self.parts.items()},
            "seconds": round(self.seconds, 2),
            "failed": len(self.failures),
            "clips": [r.to_dict() for r in self.rows],
        }


# Runs one clip: (spec, exercise) -> SessionResult.to_dict()
ClipRunner = Callable[[ClipSpec, "Exercise"], dict[str, Any]]


def select(spec: SuiteSpec, *, exercise: str | None = None, clip_glob: str | None = None) -> list[ClipSpec]:
    """Entries for one exercise and/or whose clip name (or id) matches a shell pattern."""
    out = []
    for c in spec.clips:
        if exercise is not None and c.exercise != exercise:
            continue
        if clip_glob is not None and not (
            fnmatch.fnmatch(c.clip, clip_glob) or fnmatch.fnmatch(c.key, clip_glob)
        ):
            continue
        out.append(c)
    return out


def replay_runner(spec: ClipSpec, exercise: Exercise) -> dict[str, Any]:
    """Replay the clip's recorded pose track (no model, no video)."""
    return _replay(spec, exercise)


def variant_runner(variant: Variant) -> ClipRunner:
    """Replay each clip's track as transformed by ``variant``."""
    return lambda spec, exercise: _replay(spec, exercise, variant.track)


def _replay(
    spec: ClipSpec, exercise: Exercise, transform: Callable[[PoseTrack], PoseTrack] | None = None
) -> dict[str, Any]:
    from formcheck.engine import ExerciseEngine
    from formcheck.pipeline import replay_track
    from formcheck.track import PoseTrack

    track = PoseTrack.load(spec.track)
    if transform is not None:
        track = transform(track)
    return replay_track(track, ExerciseEngine(exercise), person=spec.person).to_dict()


def video_runner(clips_dir: Path, model: str = "full") -> ClipRunner:
    """Pose-estimate each clip's video again (synthetic entries have no video: replayed)."""

    def run_clip(spec: ClipSpec, exercise: Exercise) -> dict[str, Any]:
        if spec.synthetic:
            return replay_runner(spec, exercise)
        from formcheck.engine import ExerciseEngine
        from formcheck.estimation.landmarkers import make_estimator
        from formcheck.models import resolve_model
        from formcheck.pipeline import analyze_source, raise_for_outcome
        from formcheck.sources.video_file import VideoFileSource

        model_path = resolve_model(model).path
        with VideoFileSource(clips_dir / spec.clip) as source, make_estimator(model_path) as estimator:
            outcome = analyze_source(source, estimator, ExerciseEngine(exercise), person=spec.person)
        raise_for_outcome(outcome)
        return outcome.result.to_dict()

    return run_clip


def run_suite(
    expected: str | os.PathLike[str],
    *,
    exercise: str | None = None,
    clip_glob: str | None = None,
    clips_dir: str | os.PathLike[str] | None = None,
    tracks_dir: str | os.PathLike[str] | None = None,
    model: str = "full",
    rules_dirs: Sequence[str | os.PathLike[str]] | None = None,
    runner: ClipRunner | None = None,
    variant: Variant | None = None,
    on_row: Callable[[ClipRow], None] | None = None,
    recognise: bool = False,
) -> SuiteReport:
    """Run the selected entries of an expectations file (or a folder holding ``expected.yaml``).

    ``runner`` replaces how a clip is run (tests pass fake results). ``variant`` replays every
    track transformed, against expectations transformed to match (``suite.variants``). A clip
    whose exercise has no rule file is skipped; one that cannot be run (missing track, broken
    rule) is an error. ``recognise`` (``--exercise auto``): each clip's exercise is first
    recognised from its pose track (``formcheck.recognition``); a clip recognised as another
    exercise, or not recognised, fails with what was recognised, else it is run as usual.
    ``tracks_dir``: each real clip's track is read from there instead, under the same file name
    (the same clips recorded with other settings: another model, ``--max-people 1``).
    """
    from formcheck.rules import load_exercise, rule_paths

    spec = load_suite(expected)
    entries = select(spec, exercise=exercise, clip_glob=clip_glob)
    if tracks_dir is not None:
        if clips_dir is not None:
            raise UsageError("--tracks replays recorded tracks: it cannot be combined with --clips")
        entries = [e if e.synthetic else replace(e, track=Path(tracks_dir) / e.track.name) for e in entries]
    if variant is not None:
        if clips_dir is not None:
            raise UsageError("a variant replays the recorded tracks: it cannot be combined with --clips")
        entries = [variant.expected(e) for e in entries]
        runner = runner or variant_runner(variant)
    if runner is None:
        runner = replay_runner if clips_dir is None else video_runner(Path(clips_dir), model)
    known = rule_paths(rules_dirs)
    exercises: dict[str, Exercise] = {}
    report = SuiteReport(variant=None if variant is None else variant.name)
    started = time.perf_counter()
    for entry in entries:
        t0 = time.perf_counter()
        if entry.exercise not in known:
            row = ClipRow(entry, SKIP, message=f"no rule file for exercise '{entry.exercise}'")
        elif recognise and (wrong := _recognised_otherwise(entry, variant, rules_dirs)) is not None:
            row = ClipRow(entry, FAIL, message=wrong)
        else:
            try:
                if entry.exercise not in exercises:
                    exercises[entry.exercise] = load_exercise(entry.exercise, rules_dirs)
                result = runner(entry, exercises[entry.exercise])
            except FormcheckError as err:
                row = ClipRow(entry, ERROR, message=err.message)
            else:
                checked = spec.checked_faults.get(entry.exercise, ())
                j = judge(entry, result, checked, spec.fault_aliases)
                row = ClipRow(entry, OK if j.ok else FAIL, j, "; ".join(j.problems))
        row = ClipRow(
            row.spec, row.status, row.judgement, row.message, time.perf_counter() - t0, spec.group_of(entry)
        )
        report.rows.append(row)
        if on_row is not None:
            on_row(row)
    report.seconds = time.perf_counter() - started
    report.real = _metrics([r for r in report.rows if not r.spec.synthetic])
    report.synthetic = _metrics([r for r in report.rows if r.spec.synthetic])
    report.parts = _parts(spec, report.rows)
    return report


def _recognised_otherwise(
    entry: ClipSpec, variant: Variant | None, rules_dirs: Sequence[str | os.PathLike[str]] | None
) -> str | None:
    """None when the clip's track is recognised as its exercise, else what was recognised."""
    from formcheck.people import PersonSelector
    from formcheck.recognition.choose import known_exercises
    from formcheck.recognition.recognise import recognise
    from formcheck.track import PoseTrack

    track = PoseTrack.load(entry.track)
    if variant is not None:
        track = variant.track(track)
    frames = list(track)
    selector = PersonSelector(entry.person)
    rec = recognise(frames, [selector.select(f) for f in frames], candidates=known_exercises(
        [Path(d) for d in rules_dirs] if rules_dirs else None
    ))  # fmt: skip
    if rec.id == entry.exercise:
        return None
    if rec.id is None:
        return f"not recognised (not sure: {rec.leading or 'nothing seen'} {100 * rec.confidence:.0f}%)"
    return f"recognised as {rec.id} ({100 * rec.confidence:.0f}%)"


def _parts(spec: SuiteSpec, rows: list[ClipRow]) -> dict[str, SuiteMetrics]:
    real = [r for r in rows if not r.spec.synthetic]
    groups: dict[str, list[ClipRow]] = {}
    if spec.untouched_sources:
        for r in real:
            groups.setdefault(spec.group_of(r.spec), []).append(r)
    for batch in sorted({r.spec.added for r in real if r.spec.added}):
        groups[f"added {batch}"] = [r for r in real if r.spec.added == batch]
    parts = {}
    for name in ("tuned", "untouched", *sorted(g for g in groups if g.startswith("added"))):
        metrics = _metrics(groups.get(name, []))
        if metrics is not None:
            parts[name] = metrics
    return parts


def _metrics(rows: list[ClipRow]) -> SuiteMetrics | None:
    """Figures over the clips that ran (skipped and failed-to-run clips are not scored)."""
    judged = [r for r in rows if r.judgement is not None]
    if not rows:
        return None
    return summarize(
        [
            (
                None if r.judgement.reps_expected is None else r.judgement.reps_expected[0],
                r.judgement.reps_got[0],
                r.judgement.hold_error_s,
                r.judgement.fault_score,
            )
            for r in judged
            if r.judgement is not None
        ]
    )
