"""Recognition beside a run: the poses an engine is fed, kept as compact per-frame features,
judged when the run ends.

``ExerciseCheck`` wraps any engine (``update`` / ``finish``, as ``pipeline.run`` drives it): it
passes every frame on unchanged and, when the session ends, recognises the whole stretch; when
the movement clearly is another exercise than the one counted, the result gets a notice of kind
``exercise_mismatch`` ("this looks like a lunge, not a calf raise"). Counting is never changed:
the user named the exercise, and may know better (a variant, an unusual camera).

A false alarm costs more than a missed one (it tells a patient doing the right thing that they
are wrong), so the bar is high: the other exercise must be far ahead (``MISMATCH_SURE``) and the
one asked for nearly ruled out (``MISMATCH_ODDS``). The rates measured over the sample tracks,
leave-one-source-out, are printed by ``benchmarks/recognition.py``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from formcheck.pose import Pose, PoseFrame
from formcheck.recognition.features import FRAME_FEATURES, frame_features, stack_poses
from formcheck.recognition.model import Model, bundled_model
from formcheck.recognition.recognise import Recognition, judge, windows_from_features

if TYPE_CHECKING:
    from formcheck.engine.report import FrameReport
    from formcheck.engine.session import SessionResult
    from formcheck.pipeline import StepEngine

NOTICE_KIND = "exercise_mismatch"
MISMATCH_SURE = 0.9  # the other exercise's probability
MISMATCH_ODDS = 50.0  # ... at least this many times that of the exercise asked for
CHUNK = 256  # frames turned into features at a time (the poses themselves are not kept)


class PoseStream:
    """A run's selected poses as per-frame recognition features (~150 bytes a frame, so an
    hour of video stays a few MB)."""

    def __init__(self) -> None:
        self._frames: list[PoseFrame] = []
        self._poses: list[Pose | None] = []
        self._t: list[np.ndarray] = []
        self._feats: list[np.ndarray] = []
        self._seen: list[np.ndarray] = []

    def add(self, pose_frame: PoseFrame, pose: Pose | None) -> None:
        self._frames.append(pose_frame)
        self._poses.append(pose)
        if len(self._frames) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self._frames:
            return
        t, px, world = stack_poses(self._frames, self._poses)
        self._t.append(t)
        self._feats.append(frame_features(px, world))
        self._seen.append(np.array([p is not None for p in self._poses], dtype=bool))
        self._frames, self._poses = [], []

    def recognition(self, *, candidates: Iterable[str] | None = None, model: Model | None = None) -> Recognition:
        self._flush()
        if not self._t:
            t, feats, seen = np.empty(0), np.empty((0, len(FRAME_FEATURES))), np.empty(0, dtype=bool)
        else:
            t, feats, seen = np.concatenate(self._t), np.concatenate(self._feats), np.concatenate(self._seen)
        return judge(windows_from_features(t, feats, seen, model), model, candidates=candidates)

    @property
    def span_s(self) -> tuple[float, float]:
        """(first, last) frame time seen so far, in seconds."""
        times = [t for t in self._t if len(t)]
        first = float(times[0][0]) if times else (self._frames[0].t_ms / 1000 if self._frames else 0.0)
        last = self._frames[-1].t_ms / 1000 if self._frames else (float(times[-1][-1]) if times else 0.0)
        return first, last


def mismatch_message(rec: Recognition, exercise_id: str, names: Mapping[str, str]) -> str | None:
    """The notice's words when ``rec`` clearly says another exercise than ``exercise_id``
    (None: no notice). ``names``: exercise id -> display name."""
    other = rec.id
    if other is None or other == exercise_id or rec.confidence < MISMATCH_SURE:
        return None
    if rec.probability(exercise_id) * MISMATCH_ODDS > rec.confidence:
        return None
    return (
        f"this looks like {_a(names.get(other, other))}, not {_a(names.get(exercise_id, exercise_id))}: "
        f"counted as asked (--exercise {other} to count it as that)"
    )


def _a(name: str) -> str:
    """"Bodyweight squat" -> "a bodyweight squat"; "IT-band ..." keeps its capitals."""
    word = name[:1].lower() + name[1:] if name[1:2].islower() else name
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


class ExerciseCheck:
    """An engine with the mismatch check beside it (see the module's docstring)."""

    def __init__(
        self, engine: StepEngine, exercise_id: str, names: Mapping[str, str] | None = None, *,
        model: Model | None = None,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.exercise_id = exercise_id
        self._names = names  # None: the bundled rules' names, read only if a notice is due
        self.model = model or bundled_model()
        self.stream = PoseStream()
        self.recognition: Recognition | None = None  # known once the session finished

    @functools.cached_property
    def applies(self) -> bool:
        """Only an exercise the model knows can be checked (a custom rule cannot)."""
        return self.exercise_id in self.model.classes

    def update(self, pose_frame: PoseFrame, pose: Pose | None) -> FrameReport:
        if self.applies:
            self.stream.add(pose_frame, pose)
        return self.engine.update(pose_frame, pose)

    def finish(self, partial: bool = False) -> SessionResult:
        from formcheck.engine.session import NoticeRecord

        result = self.engine.finish(partial)
        if not self.applies:
            return result
        self.recognition = rec = self.stream.recognition(model=self.model)
        if mismatch_message(rec, self.exercise_id, {}) is None:
            return result
        message = mismatch_message(rec, self.exercise_id, self._names or _bundled_names())
        assert message is not None
        start, end = self.stream.span_s
        notice = NoticeRecord(NOTICE_KIND, message, start, end)
        return dataclasses.replace(result, notices=(*result.notices, notice))


def _bundled_names() -> dict[str, str]:
    from formcheck.recognition.choose import known_exercises

    return {i: e.name for i, e in known_exercises().items()}
