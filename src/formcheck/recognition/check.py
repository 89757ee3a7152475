"""Recognition beside a run: the poses an engine is fed, kept as compact per-frame features,
judged when the run ends.

``ExerciseCheck`` wraps any engine (``update`` / ``finish``, as ``pipeline.run`` drives it): it
passes every frame on unchanged and, when the session ends, recognises the whole stretch; when
the movement clearly is another exercise than the one counted, the result gets a notice of kind
``exercise_mismatch`` ("this looks like a lunge, not a calf raise"). Counting is never changed:
the user named the exercise, and may know better (a variant, an unusual camera).

A false alarm costs more than a missed one (it tells a patient doing the right thing that they
are wrong), so the bar is high: the exercise asked for, re-ranked by its own rule's fit, must be
nearly ruled out (below ``MISMATCH_BELOW``); another exercise is named only when it leads
clearly (``NAME_OTHER``), else the likeliest two are. Set on the leave-one-source-out runs of
``benchmarks/recognition.py`` (which prints the hit and false-alarm rates) as the bar with the
fewest false alarms; with the current model none of the 65 right-exercise runs gets a notice,
and 85 % of the runs with another posture's rule and 61 % with a same-posture rule do. (0.01
would notice more, also without a false alarm now, but gave two with the model before the last
synthetic tracks: the margin is thin.) The rule's ``posture`` (``posture.py``) adds the runs in
which the person was clearly in another one: 91 % of the other-posture runs get a notice, still
none of the right-exercise ones.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from formcheck.engine.report import Notice
from formcheck.pose import Pose, PoseFrame
from formcheck.recognition.features import FRAME_FEATURES, frame_features, stack_rows
from formcheck.recognition.model import Model, bundled_model
from formcheck.recognition.posture import DONE, observed_posture, ruled_out
from formcheck.recognition.recognise import Recognition, judge, windows_from_features
from formcheck.recognition.rulefit import FIT_GAP_MS, MAX_FRAMES
from formcheck.rules.describe import a_name

if TYPE_CHECKING:
    from formcheck.engine.report import FrameReport
    from formcheck.engine.session import SessionResult
    from formcheck.pipeline import StepEngine
    from formcheck.rules import Exercise

NOTICE_KIND = "exercise_mismatch"
MISMATCH_BELOW = 0.005  # the probability of the exercise asked for below which it is not that
NAME_OTHER = 0.5  # the leading exercise's probability needed to name it in the notice
CONFIRM_BELOW = 0.05  # the window model's probability of the exercise asked for that is re-ranked
CHUNK = 2048  # frames turned into features at a time (the poses themselves are not kept)
# The rows a run starts with, doubled as they fill up to CHUNK: a short clip's few hundred
# frames do not pay for laying out two thousand (allocating and letting go of CHUNK rows cost a
# 400-frame replay 0.7 ms, a twentieth of its time).
FIRST_ROWS = 256
# While the run goes on the movement is judged after this many seconds, then every CHECK_EVERY_S,
# so the overlay (and live) can show the notice from then on; the result's notice is the final
# judgement over the whole run.
CHECK_AFTER_S = 10.0
CHECK_EVERY_S = 30.0


class PoseRows:
    """Poses laid out in rows of preallocated arrays, as the pose model gives them: a frame's
    numbers are copied in and its objects let go. (Keeping the frames themselves, thousands of
    small objects a run, made the engine beside it slower too: the memory they held could not be
    reused frame after frame.) Rows are added up to ``capacity``, the arrays laid out for
    ``first`` of them and doubled as they fill."""

    def __init__(self, capacity: int, first: int | None = None) -> None:
        self.capacity = capacity
        rows = capacity if first is None else min(first, capacity)
        self.index = np.empty(rows, dtype=np.int64)
        self.t_ms = np.empty(rows, dtype=np.int64)
        self.image_size = np.empty((rows, 2), dtype=np.int64)
        self.landmarks = np.zeros((rows, 33, 5), dtype=np.float32)
        self.world = np.zeros((rows, 33, 3), dtype=np.float32)
        self.seen = np.zeros(rows, dtype=bool)
        self.with_world = np.zeros(rows, dtype=bool)
        self.n = 0

    def _grow(self) -> None:
        rows = min(2 * len(self.index), self.capacity)
        for name in ("index", "t_ms", "image_size", "landmarks", "world", "seen", "with_world"):
            old = getattr(self, name)
            new = np.zeros((rows, *old.shape[1:]), dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def add(self, pose_frame: PoseFrame, pose: Pose | None) -> None:
        i = self.n
        if i == len(self.index):
            self._grow()
        self.index[i] = pose_frame.index
        self.t_ms[i] = pose_frame.t_ms
        self.image_size[i] = pose_frame.image_size
        self.seen[i] = pose is not None
        self.with_world[i] = pose is not None and pose.world is not None
        if pose is not None:
            self.landmarks[i] = pose.landmarks
            if pose.world is not None:
                self.world[i] = pose.world
        self.n = i + 1

    def columns(self, rows: slice | np.ndarray) -> tuple[np.ndarray, ...]:
        """(index, t_ms, image_size, landmarks, world, seen, with_world) of ``rows``, copied."""
        return tuple(a[rows].copy() for a in self._arrays())

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return self.index, self.t_ms, self.image_size, self.landmarks, self.world, self.seen, self.with_world

    def stacked(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``features.stack_poses``' arrays of the rows so far."""
        _, *columns = (a[: self.n] for a in self._arrays())
        return stack_rows(*columns)


class PoseStream:
    """A run's selected poses as per-frame recognition features (~150 bytes a frame, so an
    hour of video stays a few MB), taken at ``rulefit.FIT_FPS`` at most; plus the poses of
    at most ``2 * rulefit.MAX_FRAMES`` of those frames (every other one is dropped when there
    are more), for replaying the candidate rules' engines."""

    def __init__(self) -> None:
        self._chunk = PoseRows(CHUNK, FIRST_ROWS)
        self._t: list[np.ndarray] = []
        self._feats: list[np.ndarray] = []
        self._seen: list[np.ndarray] = []
        # the poses kept for the rules: PoseRows.columns of each chunk's kept rows
        self._kept: list[tuple[np.ndarray, ...]] = []
        self._kept_n = 0
        self._keep_every = 1  # of the frames taken: every one kept for the rules, or fewer
        self._taken = 0
        self._last_ms = -1e18

    def add(self, pose_frame: PoseFrame, pose: Pose | None) -> None:
        # Taken at FIT_FPS at most, as the model was trained (a 30 fps video: every other frame).
        if pose_frame.t_ms - self._last_ms < FIT_GAP_MS:
            return
        self._last_ms = pose_frame.t_ms
        self._chunk.add(pose_frame, pose)
        if self._chunk.n >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        chunk = self._chunk
        n = chunk.n
        if not n:
            return
        t, px, world = chunk.stacked()
        self._t.append(t)
        self._feats.append(frame_features(px, world))
        self._seen.append(chunk.seen[:n].copy())
        # every keep_every-th frame taken is kept for the rules; past 2 * MAX_FRAMES, every
        # other one kept so far is dropped and half as many are kept from then on
        picked: list[int] = []
        for row in range(n):
            if self._taken % self._keep_every == 0:
                picked.append(row)
                self._kept_n += 1
                if self._kept_n > 2 * MAX_FRAMES:
                    self._keep(chunk, picked)
                    picked = []
                    merged = [np.concatenate(c) for c in zip(*self._kept, strict=True)]
                    self._kept = [tuple(a[::2] for a in merged)]
                    self._kept_n = len(self._kept[0][0])
                    self._keep_every *= 2
            self._taken += 1
        self._keep(chunk, picked)
        chunk.n = 0

    def _keep(self, chunk: PoseRows, rows: list[int]) -> None:
        if rows:
            self._kept.append(chunk.columns(np.array(rows)))

    def _thinned(self) -> tuple[list[PoseFrame], list[Pose | None]]:
        """The kept frames, as frames again (with the selected pose only: the rules' engines
        read nothing else)."""
        frames: list[PoseFrame] = []
        poses: list[Pose | None] = []
        for index, t_ms, size, landmarks, world, seen, with_world in self._kept:
            for i in range(len(index)):
                pose = Pose(landmarks[i], world[i] if with_world[i] else None) if seen[i] else None
                image_size = (int(size[i, 0]), int(size[i, 1]))
                frames.append(PoseFrame(int(index[i]), int(t_ms[i]), image_size, (pose,) if pose else ()))
                poses.append(pose)
        return frames, poses

    def recognition(
        self,
        *,
        rules: Mapping[str, Exercise] | None = None,
        model: Model | None = None,
        rerank: Iterable[str] | None = (),
    ) -> Recognition:
        """The verdict so far among ``rules`` (default: the bundled ones the model knows), the
        leading ones and those in ``rerank`` re-ranked by their fit (None: not re-ranked)."""
        self._flush()
        if not self._t:
            t, feats, seen = np.empty(0), np.empty((0, len(FRAME_FEATURES))), np.empty(0, dtype=bool)
        else:
            t, feats, seen = np.concatenate(self._t), np.concatenate(self._feats), np.concatenate(self._seen)
        w = windows_from_features(t, feats, seen, model)
        if rerank is None:
            # The window model alone needs no rule file: by default it judges among all the
            # exercises it knows, each of which is a bundled rule (reading the rule folders to
            # learn that cost more than the judgement itself).
            return judge(w, model, candidates=rules)
        if rules is None:
            from formcheck.recognition.choose import known_exercises

            rules = known_exercises()
        return judge(w, model, candidates=rules, rules=rules, thinned=self._thinned(), must=rerank)

    def posture(self) -> str | None:
        """The person's posture over the run so far, where it is certain (``observed_posture``)."""
        self._flush()
        if not self._feats:
            return None
        return observed_posture(np.concatenate(self._feats))

    @property
    def span_s(self) -> tuple[float, float]:
        """(first, last) frame time seen so far, in seconds."""
        chunk = self._chunk  # the frames not yet turned into features, after those in self._t
        first = self._t[0][0] if self._t else (chunk.t_ms[0] / 1000 if chunk.n else 0.0)
        last = chunk.t_ms[chunk.n - 1] / 1000 if chunk.n else (self._t[-1][-1] if self._t else 0.0)
        return float(first), float(last)


def mismatch_message(
    rec: Recognition | None, exercise_id: str, names: Mapping[str, str], *,
    posture: str | None = None, observed: str | None = None,
) -> str | None:  # fmt: skip
    """The notice's words when ``rec`` (judged with ``exercise_id`` among the rules re-ranked by
    their fit) says the movement is not ``exercise_id``, or when the person's ``observed``
    posture (``posture.observed_posture``) rules out the rule's ``posture`` (None: no notice).
    ``names``: exercise id -> display name. ``rec`` None: a rule the model does not know."""
    message = None if rec is None else _recognised_otherwise(rec, exercise_id, names)
    if message is None and ruled_out(posture, observed):
        assert posture is not None
        asked = a_name(names.get(exercise_id, exercise_id))
        done = DONE[posture]
        return f"this does not look like {asked}, {done}: the person was {observed}; counted as asked"
    return message


def _recognised_otherwise(rec: Recognition, exercise_id: str, names: Mapping[str, str]) -> str | None:
    if not rec.ranked:
        return None  # nothing seen to judge by: no opinion, so no notice
    asked = a_name(names.get(exercise_id, exercise_id))
    if rec.novel:
        return f"this does not look like {asked} or any exercise formcheck knows: counted as asked"
    if rec.probability(exercise_id) >= MISMATCH_BELOW or rec.leading == exercise_id:
        return None
    other = rec.leading
    assert other is not None
    if rec.confidence >= NAME_OTHER:
        looks = a_name(names.get(other, other))
        return (
            f"this looks like {looks}, not {asked}: counted as asked (--exercise {other} to count it as that)"
        )
    likely = " or ".join(a_name(names.get(i, i)) for i, _ in rec.ranked[:2])
    return f"this does not look like {asked} (more like {likely}): counted as asked"


class ExerciseCheck:
    """An engine with the mismatch check beside it (see the module's docstring)."""

    def __init__(
        self, engine: StepEngine, exercise_id: str, names: Mapping[str, str] | None = None, *,
        model: Model | None = None, while_running: bool = False, posture: str | None = None,
        name: str | None = None,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.exercise_id = exercise_id
        self._names = names  # None: the bundled rules' names, read only if a notice is due
        self._name = name  # the rule's own display name (a rule the bundled ones do not have)
        self.posture = posture  # the rule's: a posture the person is clearly not in is told too
        self.model = model or bundled_model()
        self.stream = PoseStream()
        self.recognition: Recognition | None = None  # known once the session finished
        self.message: str | None = None  # the notice shown on the frames, from the last judgement
        # Judged while running too (for an overlay or live), not only when the run ends.
        self.while_running = while_running
        self._next_check_s: float | None = None
        self._first_said_s: float | None = None
        self._add = self.stream.add if self.applies or self.posture is not None else None

    @classmethod
    def of(cls, engine: StepEngine, exercise: Exercise, *, while_running: bool = False) -> ExerciseCheck:
        """The check of ``engine``, which counts ``exercise``: its id, posture and name."""
        return cls(
            engine, exercise.id, while_running=while_running, posture=exercise.posture, name=exercise.name
        )

    @functools.cached_property
    def applies(self) -> bool:
        """Only an exercise the model knows can be recognised otherwise (a custom rule cannot; its
        ``posture`` is still checked)."""
        return self.exercise_id in self.model.classes

    def update(self, pose_frame: PoseFrame, pose: Pose | None) -> FrameReport:
        report = self.engine.update(pose_frame, pose)
        if self._add is not None:  # a few microseconds a frame: the engine's own take is ~15
            self._add(pose_frame, pose)
            if self.while_running:
                self._while_running(pose_frame, report)
        return report

    def _while_running(self, pose_frame: PoseFrame, report: FrameReport) -> None:
        t_s = pose_frame.t_ms / 1000.0
        if self._next_check_s is None:
            self._next_check_s = t_s + CHECK_AFTER_S
        elif t_s >= self._next_check_s:
            self._next_check_s = t_s + CHECK_EVERY_S
            self.message = self._judge(self._recognition() if self.applies else None)
            if self.message is not None and self._first_said_s is None:
                self._first_said_s = t_s
        if self.message is not None:
            report.notices = [*report.notices, Notice(NOTICE_KIND, self.message)]

    def _recognition(self) -> Recognition:
        return checked(
            lambda rerank: self.stream.recognition(model=self.model, rerank=rerank), self.exercise_id
        )

    def _judge(self, rec: Recognition | None) -> str | None:
        observed = self.stream.posture() if self.posture is not None else None
        if mismatch_message(rec, self.exercise_id, {}, posture=self.posture, observed=observed) is None:
            return None
        names = dict(self._names or _names(rec, self.exercise_id))
        if self._name is not None:
            names.setdefault(self.exercise_id, self._name)
        return mismatch_message(rec, self.exercise_id, names, posture=self.posture, observed=observed)

    def finish(self, partial: bool = False) -> SessionResult:
        from formcheck.engine.session import NoticeRecord

        result = self.engine.finish(partial)
        if self._add is None:
            return result
        rec = self._recognition() if self.applies else None
        self.recognition = rec
        message = self._judge(rec)
        if message is None:
            return result
        start, end = self.stream.span_s
        if self._first_said_s is not None:
            start = self._first_said_s
        notice = NoticeRecord(NOTICE_KIND, message, start, end)
        return dataclasses.replace(result, notices=(*result.notices, notice))


def checked(judge: Callable[[tuple[str, ...] | None], Recognition], exercise_id: str) -> Recognition:
    """The recognition a mismatch is judged by. ``judge(None)``: the window model alone;
    ``judge((exercise_id,))``: re-ranked by the rules' fit, ``exercise_id`` among them. The
    rules are replayed only when the window model alone puts ``exercise_id`` below
    ``CONFIRM_BELOW``: re-ranking is what may clear it before a notice is given, and the usual
    run, the right exercise, then costs no more than the window model."""
    rec = judge(None)
    if not rec.ranked or rec.probability(exercise_id) >= CONFIRM_BELOW:
        return rec
    return judge((exercise_id,))


def _names(rec: Recognition | None, exercise_id: str) -> dict[str, str]:
    """Display names of the exercises a notice may name (only those rule files are read)."""
    from formcheck.recognition.choose import known_exercises

    rules = known_exercises()
    wanted = {exercise_id, *(i for i, _ in (rec.ranked[:2] if rec is not None else ()))}
    return {i: rules[i].name for i in wanted if i in rules}
