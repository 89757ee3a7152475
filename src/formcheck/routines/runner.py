"""The routine runner: a pure state machine that walks a plan frame by frame.

For each exercise of the plan: a start card (what to do, the cues, the dose, the view it
needs) shown while counting has already begun, so a person who starts straight away loses
nothing; one ``ExerciseEngine`` per set, counting exactly as ``live`` does; "now the left leg"
when one side's dose is done; a rest countdown between sets and between exercises; then the
next exercise. Keys arrive as ``next``/``back``/``repeat`` calls (pause and quit belong to the
session, which stops feeding frames).

It has the engine's interface (``update``/``finish``), so ``pipeline.run`` drives it like any
engine, and it is driven only by ``PoseFrame.t_ms``: no clock, so a recorded run replays to the
same sets, side switches and rests. Each set's engine sees the time since its own start (a
rep's ``t_s`` reads as "seconds into this set", as in ``live``).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from formcheck.engine import ExerciseEngine, FrameReport, SessionResult
from formcheck.pose import Pose, PoseFrame
from formcheck.routines.model import PlannedExercise

# The start card stays up at least this long (and while the view does not suit the rule).
CARD_S = 6.0
# With no sign of the exercise for this long, say what is awaited instead of staying silent.
WAIT_S = 12.0
LEG_JOINTS = ("hip", "knee", "ankle", "heel", "foot_index")
SIDES = ("left", "right")


@dataclass(frozen=True, slots=True)
class Announcement:
    """A step of the routine in words: shown, printed, and spoken when voice is on."""

    kind: str  # exercise, side, set, rest, waiting, set_done, done
    t_s: float  # routine time
    text: str


@dataclass(frozen=True, slots=True)
class SetRecord:
    """One set as it ended: its engine's result and how it ended."""

    exercise_number: int
    exercise_id: str
    set_number: int
    started_s: float  # routine time
    ended_s: float
    result: SessionResult
    completed: bool  # the set's dose was reached
    ended_by: str  # dose, next, back, repeat, end
    prescribed: dict[str, object]


@dataclass
class _SetProgress:
    """What counts towards the current set's dose."""

    holds: Counter[str | None] = field(default_factory=Counter)
    hold_credited: bool = False  # the running hold already counted (it reached its target)
    switched: bool = False  # "now the other side" said
    started: bool = False  # a rep or a hold began: the card goes


def _other_side(side: str) -> str:
    return "left" if side == "right" else "right"


def _limb(planned: PlannedExercise) -> str:
    ex = planned.exercise
    points = {p.removeprefix("left_").removeprefix("right_") for m in ex.measures.values() for p in m.points}
    return "leg" if points & set(LEG_JOINTS) else "side"


def awaited_hint(planned: PlannedExercise) -> str:
    """What the person should be doing, in a few words (for "waiting for: …")."""
    ex = planned.exercise
    if ex.reps is not None:
        return ex.reps.ready.message.rstrip(".")
    first = ex.description.split(". ")[0].strip().rstrip(".")
    return first or f"hold the {ex.name.lower()} position"


def main_cues(planned: PlannedExercise, limit: int = 3) -> list[str]:
    """The rule's fault messages, stop and warning first: what to watch for."""
    order = {"stop": 0, "warning": 1, "info": 2}
    faults = sorted(planned.exercise.faults, key=lambda f: order.get(f.severity, 3))
    seen: list[str] = []
    for fault in faults:
        if fault.message not in seen:
            seen.append(fault.message)
    return seen[:limit]


class RoutineRunner:
    """See the module doc. ``on_set_end`` is called with each set as it ends (history saves it)."""

    def __init__(
        self,
        plan: Sequence[PlannedExercise],
        *,
        on_set_end: Callable[[SetRecord], None] | None = None,
        card_s: float = CARD_S,
        wait_s: float = WAIT_S,
    ) -> None:
        if not plan:
            raise ValueError("a routine needs at least one exercise")
        self.plan = list(plan)
        self.sets: list[SetRecord] = []
        self.announcements: list[Announcement] = []  # this frame's
        self.log: list[Announcement] = []  # every one so far
        self._on_set_end = on_set_end
        self._card_ms = round(card_s * 1000)
        self._wait_ms = round(wait_s * 1000)
        self.stage = "exercise"  # exercise, rest, done
        self.completed = False  # the routine ran to its end (not cut short by a quit or the source)
        self.index = 0
        self.set_number = 1
        self._engine: ExerciseEngine | None = None
        self._progress = _SetProgress()
        self._set_start_ms: int | None = None
        self._exercise_start_ms: int | None = None
        self._last_activity_ms = 0
        self.waiting = False
        self._rest_until_ms = 0
        self._after_rest: tuple[int, int] | None = None  # (exercise index, set number), None: done
        self._last_ms: int | None = None
        self._view_unsuited = False
        self.last_report: FrameReport | None = None
        self._begin_set_pending = True

    # ---------------------------------------------------------------- what is shown
    @property
    def current(self) -> PlannedExercise:
        return self.plan[self.index]

    @property
    def upcoming(self) -> PlannedExercise | None:
        """During a rest: the exercise that follows it."""
        if self._after_rest is None:
            return None
        return self.plan[self._after_rest[0]]

    @property
    def card_visible(self) -> bool:
        if self.stage != "exercise" or self.set_number != 1 or self._progress.started:
            return False
        if self._exercise_start_ms is None or self._last_ms is None:
            return True
        return self._last_ms - self._exercise_start_ms < self._card_ms or self._view_unsuited

    @property
    def set_start_s(self) -> float:
        """Routine time at which the current set's engine started (its events count from there)."""
        return (self._set_start_ms or 0) / 1000.0

    @property
    def rest_left_s(self) -> float:
        if self.stage != "rest" or self._last_ms is None:
            return 0.0
        return max(0.0, (self._rest_until_ms - self._last_ms) / 1000.0)

    @property
    def waiting_text(self) -> str:
        return f"waiting for: {self.current.name.lower()} - {awaited_hint(self.current)}"

    def progress(self) -> dict[str, int]:
        """Done so far in the current set, by side (``total`` when sides are not told apart)."""
        if self.last_report is None or self.stage != "exercise":
            return {}
        planned = self.current
        if planned.reps is not None:
            reps = self.last_report.reps
            if planned.sides_counted and planned.per_side:
                return {s: int(reps.get(s) or 0) for s in SIDES}
            return {"total": int(reps.get("total") or 0)}
        holds = self._progress.holds
        if planned.sides_counted and planned.per_side:
            return {s: holds[s] for s in SIDES}
        return {"total": sum(holds.values())}

    def targets(self) -> dict[str, int]:
        """The current set's dose in the same keys as ``progress``."""
        planned = self.current
        unit = planned.reps if planned.reps is not None else 1
        if planned.per_side and planned.sides_counted:
            return dict.fromkeys(SIDES, unit)
        return {"total": unit * (2 if planned.per_side else 1)}

    # ---------------------------------------------------------------- the engine interface
    def update(self, pose_frame: PoseFrame, pose: Pose | None) -> FrameReport:
        t = pose_frame.t_ms
        self._last_ms = t
        self.announcements = []
        if self.stage == "rest" and t >= self._rest_until_ms:
            self._after_rest_start(t)
        if self.stage != "exercise":
            report = _idle_report(pose_frame, pose, self.last_report)
            self.last_report = report
            return report
        if self._begin_set_pending:
            self._begin_set(t)
        assert self._engine is not None and self._set_start_ms is not None
        local = dataclasses.replace(pose_frame, t_ms=t - self._set_start_ms)
        report = self._engine.update(local, pose)
        self.last_report = report
        self._view_unsuited = any(n.kind == "view" for n in report.notices)
        self._follow(report, t)
        return report

    def finish(self, partial: bool = False) -> SessionResult:
        """End the set in progress (the source ended, or the person quit); the last set's result."""
        if self.stage == "exercise" and self._engine is not None and self._engine.frames:
            self._end_set("end", partial=partial)
        self.stage = "done"
        if self.sets:
            return self.sets[-1].result
        return ExerciseEngine(self.current.exercise).finish(partial=partial)

    # ---------------------------------------------------------------- keys
    def next(self) -> None:
        """Skip to the next exercise (or end a rest early)."""
        if self.stage == "rest":
            self._after_rest_start(self._now())
        elif self.stage == "exercise":
            self._end_set("next")
            self._start_exercise(self.index + 1)

    def back(self) -> None:
        """Back to the previous exercise (the first one restarts)."""
        if self.stage == "done":
            return
        if self.stage == "exercise":
            self._end_set("back")
        self._start_exercise(max(0, self.index - 1 if self.stage == "exercise" else self.index))

    def repeat(self) -> None:
        """Do the current set again (during a rest: the set just done)."""
        if self.stage == "exercise":
            self._end_set("repeat")
            self._start_set(self.index, self.set_number)
        elif self.stage == "rest" and self.sets:
            last = self.sets[-1]
            self._start_set(last.exercise_number - 1, last.set_number)

    # ---------------------------------------------------------------- internals
    def _now(self) -> int:
        return self._last_ms or 0

    def _say(self, kind: str, text: str) -> None:
        item = Announcement(kind, self._now() / 1000.0, text)
        self.announcements.append(item)
        self.log.append(item)

    def _start_exercise(self, index: int) -> None:
        if index >= len(self.plan):
            self._finish_routine()
            return
        self._start_set(index, 1)

    def _start_set(self, index: int, set_number: int) -> None:
        self.stage = "exercise"
        self.index = index
        self.set_number = set_number
        self._engine = None
        self._begin_set_pending = True  # the engine starts at the next frame, with its time

    def _begin_set(self, t: int) -> None:
        planned = self.current
        self._begin_set_pending = False
        # mid-stream: the person was in view doing the exercise before, or resting
        self._engine = ExerciseEngine(planned.exercise, opens_recording=False)
        self._progress = _SetProgress()
        self._set_start_ms = t
        self._last_activity_ms = t
        self.waiting = False
        if self.set_number == 1:
            self._exercise_start_ms = t
            self._say(
                "exercise",
                f"exercise {planned.number} of {len(self.plan)}: {planned.name}, {planned.dose_text()}",
            )
        else:
            self._say("set", f"{planned.name}: set {self.set_number} of {planned.sets}")

    def _follow(self, report: FrameReport, t: int) -> None:
        planned, progress = self.current, self._progress
        active = report.phase in ("moving", "peak", "hold")
        for event in report.events:
            if event.kind in ("rep", "hold_start"):
                active = True
                progress.started = True
            if event.kind == "hold_start":
                progress.hold_credited = False
            elif event.kind == "hold_end" and event.data.get("completed") and not progress.hold_credited:
                if planned.reps is None:
                    progress.holds[event.side] += 1
                progress.hold_credited = True
        hold = report.hold
        reached = hold is not None and hold.elapsed_s >= hold.target_s
        if planned.reps is None and reached and not progress.hold_credited:
            assert hold is not None  # the hold reached its time: it counts now
            progress.holds[hold.side] += 1
            progress.hold_credited = True
        if active:
            self._last_activity_ms = t
            self.waiting = False
        elif not self.waiting and t - self._last_activity_ms >= self._wait_ms:
            self.waiting = True
            self._say("waiting", self.waiting_text)
        done, targets = self.progress(), self.targets()
        if all(done.get(k, 0) >= v for k, v in targets.items()):
            self._end_set("dose")
            return
        if planned.per_side and not progress.switched:
            if planned.sides_counted:
                finished = [s for s in SIDES if done[s] >= targets[s]]
                if len(finished) == 1:
                    progress.switched = True
                    self._say("side", f"now the {_other_side(finished[0])} {_limb(planned)}")
            elif done["total"] >= targets["total"] // 2:
                progress.switched = True
                self._say("side", f"now the other {_limb(planned)}")

    def _end_set(self, ended_by: str, *, partial: bool = False) -> None:
        engine = self._engine
        self._engine = None
        if engine is None or not engine.frames or self._set_start_ms is None:
            return
        planned = self.current
        result = engine.finish(partial=partial)
        record = SetRecord(
            exercise_number=planned.number,
            exercise_id=planned.id,
            set_number=self.set_number,
            started_s=self._set_start_ms / 1000.0,
            ended_s=self._now() / 1000.0,
            result=result,
            completed=ended_by == "dose",
            ended_by=ended_by,
            prescribed=planned.prescribed(),
        )
        self.sets.append(record)
        if self._on_set_end is not None:
            self._on_set_end(record)
        if ended_by != "dose":
            return
        self._say("set_done", f"{planned.name}: set {self.set_number} of {planned.sets} done")
        if self.set_number < planned.sets:
            self._rest(planned.rest_s, (self.index, self.set_number + 1))
        elif self.index + 1 < len(self.plan):
            self._rest(planned.rest_s, (self.index + 1, 1))
        else:
            self._finish_routine()

    def _rest(self, seconds: float, then: tuple[int, int]) -> None:
        self._after_rest = then
        if seconds <= 0:
            self._after_rest_start(self._now())
            return
        self.stage = "rest"
        self._rest_until_ms = self._now() + round(seconds * 1000)
        following = self.plan[then[0]]
        what = following.name if then[1] == 1 else f"set {then[1]} of {following.sets}"
        self._say("rest", f"rest {seconds:g} seconds, then {what}")

    def _after_rest_start(self, t: int) -> None:
        then = self._after_rest
        self._after_rest = None
        if then is None:
            self._finish_routine()
        else:
            self._start_set(*then)

    def _finish_routine(self) -> None:
        if self.stage != "done":
            self.stage = "done"
            self.completed = True
            self._say("done", "routine done: well done")


def _idle_report(pose_frame: PoseFrame, pose: Pose | None, last: FrameReport | None) -> FrameReport:
    """Between sets: the person is shown, nothing is counted."""
    reps = (
        last.reps if last is not None else {"total": 0, "left": None, "right": None, "good": 0, "faulty": 0}
    )
    return FrameReport(
        t_ms=pose_frame.t_ms,
        pose=pose,
        image_size=pose_frame.image_size,
        measures={},
        phase="rest",
        side=None,
        reps=reps,
        hold=None,
        faults=[],
        notices=[],
        events=[],
        highlight={},
    )
