"""``--exercise auto``: which rule to analyse an input with, recognised from its poses.

A pose track is recognised from the whole track (its poses are already there; judging a few
thousand frames costs milliseconds). A video is recognised from its first ``VIDEO_S`` seconds
(a few reps, or a hold). ``analyze --exercise auto`` estimates the whole video once, first
(``formcheck.segmented``, which looks for several exercises in it), and passes those poses on:
nothing is estimated twice (with ``--video``, only the first seconds are estimated before the
analysis, which carries on with the same landmarkers). Given a video's path alone,
``choose_exercise`` estimates those first seconds itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.errors import NotRecognised
from formcheck.people import PersonSelector
from formcheck.pose import Pose, PoseFrame
from formcheck.recognition.model import bundled_model
from formcheck.recognition.recognise import Recognition, recognise
from formcheck.recognition.rulefit import thin
from formcheck.track import PoseTrack, is_track_path

if TYPE_CHECKING:
    from formcheck.analysis import AnalysisSettings
    from formcheck.rules import Exercise

AUTO = "auto"  # the --exercise value that asks for recognition
VIDEO_S = 20.0  # a video is recognised from this much of its start (a few reps, or a hold)


class RuleSet(Mapping[str, "Exercise"]):
    """The rules recognition can choose among: the rule files found (bundled, or in
    ``rules_dirs``) whose id the model was trained on. A file is read only when its rule is
    needed (to re-rank it, or for its name): reading all two dozen costs more than recognising."""

    def __init__(self, rules_dirs: Sequence[Path] | None = None) -> None:
        from formcheck.rules.loader import rule_paths

        classes = set(bundled_model().classes)
        self._paths = {i: p for i, p in sorted(rule_paths(rules_dirs).items()) if i in classes}
        self._read: dict[str, Exercise] = {}

    def __getitem__(self, exercise_id: str) -> Exercise:
        rule = self._read.get(exercise_id)
        if rule is None:
            from formcheck.rules.loader import validate_file

            rule = self._read[exercise_id] = validate_file(self._paths[exercise_id])
        return rule

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._paths


def known_exercises(rules_dirs: Sequence[Path] | None = None) -> RuleSet:
    """The rules recognition can choose among (``RuleSet``)."""
    return RuleSet(rules_dirs)


def poses_to_recognise(
    path: Path, settings: AnalysisSettings, track: PoseTrack | None = None
) -> tuple[list[PoseFrame], list[Pose | None]]:
    """The input's frames at the recogniser's rate (``rulefit.FIT_FPS``) and the person
    followed in each, selected as the analysis selects them (following one person from frame to
    frame works as well at that rate, for half the work on a 30 fps input). ``track``: the
    input's poses, already estimated (a video's are then not estimated again; the same first
    ``VIDEO_S`` seconds of them are read)."""
    selector = PersonSelector(settings.person)
    if track is None:
        from formcheck.segmented import input_track

        track = input_track(path, settings, until_s=VIDEO_S)  # a video's first seconds only
    whole = is_track_path(path)
    frames = [f for f in _track_frames(track, settings.stride) if whole or f.t_ms <= VIDEO_S * 1000]
    frames, _ = thin(frames, [None] * len(frames), max_frames=None)
    return frames, [selector.select(f) for f in frames]


def _track_frames(track: PoseTrack, stride: int) -> Iterable[PoseFrame]:
    return (track.frame(i) for i in range(0, len(track), stride))


def choose_exercise(
    path: Path,
    settings: AnalysisSettings,
    rules_dirs: Sequence[Path] | None = None,
    *,
    track: PoseTrack | None = None,
) -> tuple[Exercise, Recognition]:
    """The rule the input's movement matches, and the recognition that chose it; raises
    ``NotRecognised`` (one line, with the likeliest ids to name) when not sure. ``track``: the
    input's poses when they are already at hand (``poses_to_recognise``)."""
    rules = known_exercises(rules_dirs)
    frames, poses = poses_to_recognise(path, settings, track)
    rec = recognise(frames, poses, candidates=rules)
    if rec.id is None:
        raise not_sure_error(rec)
    return rules[rec.id], rec


def not_sure_error(rec: Recognition) -> NotRecognised:
    if not rec.ranked:
        why = f"too little of a person seen ({rec.seen_s:.1f} s)" if rec.seen_s else "no person seen"
        return NotRecognised(
            f"cannot recognise the exercise: {why}; name it with --exercise ID (see `formcheck rules list`)"
        )
    top = rec.ranked[:3]
    likely = ", ".join(f"{i} {100 * p:.0f}%" for i, p in top)
    return NotRecognised(
        f"not sure which exercise this is ({likely}): name it with --exercise {top[0][0]}"
        + (f" (or {', '.join(i for i, _ in top[1:])})" if len(top) > 1 else "")
    )
