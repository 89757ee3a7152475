"""``ExerciseEngine``: one rule applied to a stream of poses, frame by frame.

Pure: no clock, no I/O. Time comes only from ``PoseFrame.t_ms``, so replaying a recorded track
gives exactly the counts of the live run.

Per frame: landmarks -> geometry (pixels, or world metres for ``space: world``) -> view and
nearer side -> smoothed measures -> rep counter or hold timer -> faults -> notices -> report.
Nothing counts or faults while nobody is seen or the camera shows the wrong view.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from formcheck.engine.conditions import compile_condition, measures_of
from formcheck.engine.faults import FaultTracker
from formcheck.engine.geometry import FrameGeometry
from formcheck.engine.holds import HoldInProgress, HoldOutcome, HoldTimer, Stillness
from formcheck.engine.landmark_rows import LandmarkRows, rows_read
from formcheck.engine.level import STANDING_POINTS, CameraLevel, is_levelled
from formcheck.engine.measures import MeasureSet, Values
from formcheck.engine.notices import NoticeTracker
from formcheck.engine.refused import NOT_COUNTED, RefusedReps
from formcheck.engine.report import (
    NOTICE_KINDS,
    ActiveFault,
    Event,
    FrameReport,
    HoldProgress,
    Notice,
)
from formcheck.engine.reps import HOLD_FRAME_GAP_S, RepCounter, RepInProgress, RepOutcome
from formcheck.engine.session import FaultRecord, HoldSpan, NoticeRecord, RepEvent, SessionResult
from formcheck.engine.view import ViewTracker
from formcheck.landmarks import NAMES
from formcheck.pose import Pose, PoseFrame, X, Y
from formcheck.rules.model import Compare, Exercise, Fault

# Built-in faults for holds inside reps (rule ``reps.hold``).
HOLD_TOO_SHORT = "hold_too_short"
HOLD_TOO_LONG = "hold_too_long"

VIEW_GUIDANCE = {
    # (rule view, detected view) -> (refuse counting?, message)
    ("side", "front"): (True, "turn side-on to the camera"),
    ("side", "angled"): (False, "turn further side-on for the most accurate angles"),
    ("front", "side"): (True, "face the camera"),
    ("front", "angled"): (False, "face the camera squarely for the most accurate angles"),
}

_NO_GUIDANCE: tuple[bool, str | None] = (False, None)

# What a view the rule does not want gets when its counted measures can be read there anyway.
SOFT_VIEW_GUIDANCE = {
    "side": "turn further side-on for the most accurate angles",
    "front": "face the camera squarely for the most accurate angles",
}

# Joint word used in guidance, by landmark name suffix.
_BODY_PART = {
    "ankle": "feet", "heel": "feet", "foot_index": "feet", "knee": "knees", "hip": "hips",
    "shoulder": "shoulders", "elbow": "arms", "wrist": "hands", "pinky": "hands", "index": "hands",
    "thumb": "hands",
}  # fmt: skip


# The summary's notice when a session ends without counting ever having started.
NOT_STARTED = "not_started"
# How long the overlay says a movement was not counted, and why, after it ended: long enough to
# read a line while getting ready for the next rep.
REFUSED_SHOWN_S = 3.0
# Singular of the body parts in ``_BODY_PART`` (one side's).
_SINGULAR = {
    "feet": "foot", "knees": "knee", "hips": "hip", "shoulders": "shoulder", "arms": "arm", "hands": "hand",
}  # fmt: skip
# A landmark this close to the picture's border (a fraction of its size) is cut off by the frame,
# not hidden in it: feet at the bottom edge are often reported inside with low visibility.
EDGE_BAND = 0.05


# (a fixed wording: a message that changed with the rate would restart the notice every frame)
FRAME_RATE_MESSAGE = (
    f"fewer than {1.0 / HOLD_FRAME_GAP_S:.0f} frames a second: too few to time holds or to count quick reps"
)
ONE_FRAME_MESSAGE = "only one frame to analyse: reps and holds need a movement seen over time"


class ExerciseEngine:
    """Apply one exercise rule to a pose stream: ``update`` per frame, ``finish`` at the end."""

    def __init__(self, exercise: Exercise, opens_recording: bool = True) -> None:
        """``opens_recording``: see ``RepCounter``; False for a set started mid-stream."""
        self.exercise = exercise
        self.per_side = exercise.per_side
        self.sides: tuple[str | None, ...] = ("left", "right") if self.per_side else (None,)
        # World tilts and leans are read from the true vertical once the person has been seen
        # standing (``level``): a camera looking down or up turns them all by its own tilt.
        levelled = any(is_levelled(m) for m in exercise.measures.values())
        self._level = CameraLevel() if levelled else None
        self.measures = MeasureSet(exercise, self._level)
        # report keys: each measure, with its ``.left``/``.right`` keys when shown per side
        split = self.measures.split_names
        self._split_keys: tuple[tuple[str, tuple[str, ...]], ...] = (
            tuple((n, (f"{n}.left", f"{n}.right") if n in split else ()) for n in self.measures.names)
            if split
            else ()
        )
        # (report key, source: 0 the working side's values, 1 the left's, 2 the right's, measure)
        self._split_plan = tuple(
            entry
            for name, keys in self._split_keys
            for entry in ((name, 0, name), *((key, i, name) for i, key in enumerate(keys, 1)))
        )
        self._report_of = _report_builder(self._split_plan) if self._split_plan else None
        image_rows, world_rows, in_world, pixel_rows = rows_read(self.measures.readers.values())
        if self._level is not None:  # the standing check reads the legs in 3D
            image_rows = tuple(sorted({*image_rows, *STANDING_POINTS}))
            world_rows = tuple(sorted({*world_rows, *STANDING_POINTS}))
        self._rows = LandmarkRows(image_rows, world_rows, in_world, pixel_rows)
        self.waiting_frames = 0  # frames spent waiting for the start position (reps rules)
        self._visibility_points: dict[tuple[str | None, str | None], tuple[int, ...]] = {}
        self._visibility_wording: dict[tuple[tuple[int, ...], tuple[int, ...]], str] = {}
        self._highlights: dict[tuple[str | None, str | None], dict[str, tuple[int, ...]]] = {}
        self.view = ViewTracker()
        self.counter: RepCounter | None = None
        self.timer: HoldTimer | None = None
        self._ready_check = None
        self._hold_check = None
        if exercise.reps is not None:
            self.counter = RepCounter(exercise.reps, self.sides, exercise.dropout_grace_s, opens_recording)
            if exercise.reps.ready.when is not None:
                self._ready_check = compile_condition(exercise.reps.ready.when)
            self._counted = {mv.measure for mv in (*exercise.reps.movements, *exercise.reps.instead)}
        else:
            assert exercise.hold is not None
            self.timer = HoldTimer(exercise.hold, self.sides)
            self._hold_check = compile_condition(exercise.hold.when)
            self._counted = measures_of(exercise.hold.when)
            limits = Stillness.limits_for((n, _body_size(exercise, n)) for n in sorted(self._counted))
            self._stillness = Stillness(limits, self.sides)
        # detected view -> (refuse counting?, message), for this rule's view: a view the rule
        # does not want is refused only when what it counts cannot be read in it (a measure
        # may say it reads well in 3D from the front too: then "turn" is advice, not a refusal)
        self._view_guidance: dict[str, tuple[bool, str | None]] = {}
        for (wanted, seen), (refuse, message) in VIEW_GUIDANCE.items():
            if wanted != exercise.view:
                continue
            if refuse and self._counted_readable_in(seen):
                refuse, message = False, SOFT_VIEW_GUIDANCE[wanted]
            self._view_guidance[seen] = (refuse, message)
        # rep_end faults are judged once per rep, on its peak values, not frame by frame
        self.faults = FaultTracker(tuple(f for f in exercise.faults if f.phase != "rep_end"))
        self._rep_end_faults = [
            (f, compile_condition(f.when)) for f in exercise.faults if f.phase == "rep_end"
        ]
        self._builtin = _builtin_faults(exercise)
        self._builtin_active: dict[str, tuple[str | None, float]] = {}
        # the built-in hold_too_long needs a maximum hold at the peak of a rep
        peak_hold = exercise.reps.hold if exercise.reps is not None else None
        self._hold_max_s = peak_hold.max_s if peak_hold is not None else None
        self._pending: list[RepOutcome] = []  # reps the counter ended this frame, recorded late
        self._refused = RefusedReps(exercise)  # movements the rule said were no rep, told at the end
        self._refused_shown: tuple[float, Notice] | None = None  # and shown until then as they happen
        self.notices = NoticeTracker(NOTICE_KINDS)
        self._notices_shown: list[Notice] = []  # the report's notices, shared until they change
        # session record
        self.frames = 0
        self.pose_frames = 0
        self.first_s: float | None = None
        self.last_s: float | None = None
        self.view_counts: Counter[str] = Counter()
        self.rep_events: list[RepEvent] = []
        self.hold_spans: list[HoldSpan] = []
        self.fault_records: list[FaultRecord] = []
        self.notice_records: list[NoticeRecord] = []
        self.rep_counts: Counter[str | None] = Counter()
        self.good_reps = 0
        self._reps_shown: dict[str, int | None] | None = None  # the counts as reported, until one changes
        self._min_visibility = exercise.min_visibility
        # the counted measures' values, as a tuple even for one measure (the first twice)
        counted = sorted(self._counted) or [next(iter(self.measures.names))]
        self._counted_values = itemgetter(*counted, counted[0])
        # a hold to report: the rule's hold, or a hold at the peak of its reps
        self._may_hold = self.timer is not None or peak_hold is not None

    def _counted_readable_in(self, view: str) -> bool:
        """Whether every measure that counts reps or holds says it can be read in ``view``
        (a measure without ``views`` keeps to the rule's view)."""
        measures = self.exercise.measures

        def readable(name: str) -> bool:
            m = measures[name]
            if m.kind == "difference":
                return all(readable(part) for part in m.of)
            return view in m.views

        return all(readable(name) for name in self._counted)

    # ---------------------------------------------------------------- per frame
    def update(self, pose_frame: PoseFrame, pose: Pose | None) -> FrameReport:
        # (Hot path: about 17 µs a frame. Attributes read more than once are held in locals.)
        t_s = pose_frame.t_ms / 1000.0
        last_s = self.last_s
        if last_s is None:
            self.first_s = t_s
        elif t_s < last_s:
            t_s = last_s  # time never runs backwards inside the engine
        self.frames += 1
        self.last_s = t_s
        events: list[Event] = []
        view = self.view
        measures = self.measures

        image = world = None
        if pose is not None:
            self.pose_frames += 1
            image, world, world_coords = self._rows.read(pose, pose_frame.image_size, self._min_visibility)
            level = self._level
            if level is not None and level.rotation is None and world_coords is not None:
                level.update(t_s, world_coords, image.ok)
            view.update(t_s, image.coords, None, image.ok, world_coords)
            if view.view != "unknown":
                self.view_counts[view.view] += 1
        measures.update(t_s, image, world, view.nearer, view.view)
        refuse, view_message = self._view_guidance.get(view.view, _NO_GUIDANCE)
        blocked = pose is None or refuse

        side: str | None
        phase: str
        if self.counter is not None:
            phase, side = self._update_reps(t_s, blocked, events)
        else:
            phase, side = self._update_hold(t_s, blocked, events)
        faults = self.faults
        # the values for the working side: the faults', the visibility check's and the report's
        values = measures.values(side)
        # Blocked, the phase is "unknown": no fault applies, so the values are never read. A
        # moment with no pose pauses the faults (faults.UNSEEN_PAUSE_S); a view the rule refuses
        # ends them at once.
        started, ended = faults.update(t_s, values, phase, side, view.view)
        if refuse and faults.active_states:
            ended += [faults.close(st, t_s) for st in faults.active()]
        if self._hold_max_s is not None:
            self._builtin_faults(t_s, side, events)
        for st in started:
            events.append(
                Event("fault_start", t_s, st.side, {"id": st.fault.id, "severity": st.fault.severity})
            )
        for span in ended:
            self._record_fault(span, events, t_s)
        active = faults.shown() if faults.active_states else []
        if self._builtin_active:
            for fid, (fside, _) in self._builtin_active.items():
                b = self._builtin[fid]
                active.append(ActiveFault(fid, fside, b.severity, b.message, b.cue))
        if active and self.counter is not None and self.counter.active is not None:
            self.counter.active.faults.update(f.id for f in active)
        if self._pending:
            self._finish_pending_reps(t_s, active, events)

        # notice causes, kind -> message (usually none)
        wanted: dict[str, str] = {}
        if pose is None:
            wanted["no_person"] = "step into view of the camera"
        else:
            if view_message is not None:
                wanted["view"] = view_message
            # (A counted measure unknown, or both sides to check: worth a look; usually neither.)
            if not blocked and (None in self._counted_values(values) or (side is None and self.per_side)):
                vis = self._visibility_message(image, side, values, pose)
                if vis is not None:
                    wanted["visibility"] = vis
        if len(pose_frame.poses) > 1:
            wanted["multiple_people"] = "more than one person in view: following one of them"
        if last_s is not None and t_s - last_s > HOLD_FRAME_GAP_S:
            # Frames this far apart time no hold (HOLD_FRAME_GAP_S) and can miss a quick rep's
            # peak. One such gap is a stall, below the notice's ON_S; frame after frame it is the
            # input's rate (a --stride too large, an overloaded machine, a slow camera).
            wanted["frame_rate"] = FRAME_RATE_MESSAGE
        notices = self.notices
        if wanted or not notices.quiet:
            n_started, n_ended = notices.update(t_s, wanted)
            for nst in n_started:
                events.append(Event("notice_start", t_s, None, {"kind": nst.kind, "message": nst.message}))
            for nspan in n_ended:
                self._record_notice(nspan, events, t_s)
            if n_started or n_ended:  # the notices shown change only with these
                self._notices_shown = [Notice(st.kind, st.message) for st in notices.active()]

        highlight = self._highlights.get((side, measures.nearer))
        if highlight is None:
            highlight = self._highlight(side)
        return FrameReport(
            pose_frame.t_ms,
            pose,
            pose_frame.image_size,
            values if not self._split_plan else self._report_measures(side),
            phase,
            side,
            self._reps_shown or self._reps_dict(),
            self._hold_progress() if self._may_hold else None,
            active,
            ([] if notices.quiet else self._notices_shown)
            if self._refused_shown is None
            else self._shown_notices(t_s, notices.quiet),
            events,
            highlight,
        )

    def _shown_notices(self, t_s: float, quiet: bool) -> list[Notice]:
        """The notices on screen while a movement not counted is said: the tracked ones and it."""
        shown = [] if quiet else self._notices_shown
        refused = self._refused_shown
        assert refused is not None
        if t_s >= refused[0]:
            self._refused_shown = None
            return shown
        return [*shown, refused[1]]

    # ---------------------------------------------------------------- reps
    def _update_reps(self, t_s: float, blocked: bool, events: list[Event]) -> tuple[str, str | None]:
        counter = self.counter
        assert counter is not None
        values = self.measures.values
        values_by_side = {s: values(s) for s in self.sides}
        if blocked:
            p_by_side: dict[str | None, float | None] = dict.fromkeys(self.sides)
        else:
            progress = counter.progress
            p_by_side = {s: progress(s, t_s, v) for s, v in values_by_side.items()}
        ready_ok: bool | None = None if blocked else True
        # the ready conditions matter only while waiting for the ready position
        if not blocked and self._ready_check is not None and counter.waiting and counter.active is None:
            # judged on the sides that are seen: a hidden far leg does not keep the start away
            results = [self._ready_check(values_by_side[s]) for s in self.sides if p_by_side[s] is not None]
            ready_ok = False if False in results else (None if None in results else True)
        was_hold = counter.active is not None and counter.active.hold_started
        # like a stretch's hold clock, the hold at the peak pauses while a warning/stop fault fires
        paused = bool(self.faults.active_states) and self.faults.blocking()
        self._pending = counter.update(t_s, p_by_side, values_by_side, ready_ok, paused)
        rep = counter.active
        if rep is not None and rep.hold_started and not was_hold:
            events.append(Event("hold_start", t_s, rep.side, {"in_rep": True}))
        side = rep.side if rep is not None else None
        phase = counter.phase
        if phase == "waiting" and not blocked:
            self.waiting_frames += 1
        if phase in ("rest", "moving", "peak", "hold") and not counter.known and not blocked:
            phase = "unknown" if rep is None else phase
        if blocked:  # nothing can be judged: not even whether the person is ready
            phase = "unknown"
        return phase, side

    def _finish_pending_reps(self, t_s: float, active: list[ActiveFault], events: list[Event]) -> None:
        pending, self._pending = self._pending, []
        reps_rule = self.exercise.reps
        for out in pending:
            rep = out.rep
            target = reps_rule.hold if reps_rule is not None else None
            if rep.hold_started and target is not None:
                done = rep.hold_s >= target.target_s
                self.hold_spans.append(
                    HoldSpan(rep.side, rep.hold_start_s, out.end_s, rep.hold_s, target.target_s, done)
                )
                data = {"seconds": round(rep.hold_s, 3), "completed": done, "in_rep": True}
                events.append(Event("hold_end", t_s, rep.side, data))
                if out.counted and not done:
                    rep.faults.add(HOLD_TOO_SHORT)
                    self.fault_records.append(FaultRecord(
                        HOLD_TOO_SHORT, rep.side, self._builtin[HOLD_TOO_SHORT].severity, rep.start_s,
                        out.end_s, self._builtin[HOLD_TOO_SHORT].message,
                    ))  # fmt: skip
            if not out.counted:
                why = self._refused.add(out)
                if why is not None:
                    said = {"reason": out.reason, "message": why, "start_s": rep.start_s, "end_s": out.end_s}
                    events.append(Event("rep_refused", t_s, rep.side, said))
                    self._refused_shown = (t_s + REFUSED_SHOWN_S, Notice(NOT_COUNTED, f"not counted: {why}"))
                continue
            for fault in self._judge_rep_end(rep, out.end_s):
                events.append(Event("fault_start", t_s, rep.side, {
                    "id": fault.id, "severity": fault.severity, "message": fault.message, "cue": fault.cue,
                    "rep_end": True,
                }))  # fmt: skip
                events.append(Event("fault_end", t_s, rep.side, {
                    "id": fault.id, "seconds": round(out.end_s - rep.start_s, 3),
                }))  # fmt: skip
            faults = tuple(sorted(rep.faults))
            good = not faults
            ev = RepEvent(
                t_s=rep.peak_t_s, start_s=rep.start_s, end_s=out.end_s, side=rep.side,
                peak=rep.peak_values, faults=faults, good=good,
                hold_s=rep.hold_s if rep.hold_started else None,
            )  # fmt: skip
            self.rep_events.append(ev)
            self.rep_counts[rep.side] += 1
            self.good_reps += good
            self._reps_shown = None
            events.append(Event("rep", t_s, rep.side, ev.to_dict()))

    def _judge_rep_end(self, rep: RepInProgress, end_s: float) -> list[Fault]:
        """Judge the rule's rep_end faults on the rep's peak values (every measure at the frame
        where the counted measure came closest to its peak level); a fault that holds there marks
        the rep faulty and is recorded over the whole rep."""
        fired = [f for f, check in self._rep_end_faults if check(rep.peak_values) is True]
        for f in fired:
            rep.faults.add(f.id)
            self.fault_records.append(FaultRecord(f.id, rep.side, f.severity, rep.start_s, end_s, f.message))
        return fired

    def _builtin_faults(self, t_s: float, side: str | None, events: list[Event]) -> None:
        """hold_too_long: the hold at the peak of a rep ran past the rule's max_s."""
        rule = self.exercise.reps
        rep = self.counter.active if self.counter is not None else None
        too_long = (
            rule is not None and rule.hold is not None and rule.hold.max_s is not None
            and rep is not None and rep.in_peak and rep.hold_s > rule.hold.max_s
        )  # fmt: skip
        if too_long and HOLD_TOO_LONG not in self._builtin_active:
            self._builtin_active[HOLD_TOO_LONG] = (side, t_s)
            events.append(Event("fault_start", t_s, side, {"id": HOLD_TOO_LONG, "severity": "info"}))
        elif not too_long and HOLD_TOO_LONG in self._builtin_active:
            fside, since = self._builtin_active.pop(HOLD_TOO_LONG)
            f = self._builtin[HOLD_TOO_LONG]
            self._record_fault(FaultRecord(f.id, fside, f.severity, since, t_s, f.message), events, t_s)

    # ---------------------------------------------------------------- holds
    def _update_hold(self, t_s: float, blocked: bool, events: list[Event]) -> tuple[str, str | None]:
        timer, check = self.timer, self._hold_check
        assert timer is not None and check is not None
        if blocked:
            good: dict[str | None, bool | None] = dict.fromkeys(self.sides)
        else:
            values = self.measures.values
            good = {s: check(values(s)) for s in self.sides}
        still = self._stillness.update(t_s, self.measures.values)
        paused = bool(self.faults.active_states) and self.faults.blocking()
        started, ended = timer.update(t_s, good, paused, still)
        if started is not None or ended is not None:
            self._hold_events(t_s, started, ended, events)
        hold = timer.active
        if hold is not None:
            return ("unknown" if blocked else "hold"), hold.side
        if blocked:
            return "unknown", None
        for g in good.values():
            if g is not None:
                return "rest", None
        return "unknown", None  # nothing known to judge the hold by

    def _hold_events(
        self, t_s: float, started: HoldInProgress | None, ended: HoldOutcome | None, events: list[Event]
    ) -> None:
        assert self.exercise.hold is not None
        target = self.exercise.hold.target_s
        if ended is not None:
            h = ended.hold
            done = h.seconds >= target
            if ended.reported:
                self.hold_spans.append(HoldSpan(h.side, h.start_s, ended.end_s, h.seconds, target, done))
            events.append(Event("hold_end", t_s, h.side, {
                "seconds": round(h.seconds, 3), "completed": done, "reported": ended.reported,
            }))  # fmt: skip
        if started is not None:
            events.append(Event("hold_start", t_s, started.side, {"target_s": target}))

    # ---------------------------------------------------------------- notices / report parts
    def _visibility_message(
        self, image: FrameGeometry | None, side: str | None, side_values: Values, pose: Pose | None
    ) -> str | None:
        """``side_values``: ``measures.values(side)``, already at hand."""
        if image is None:
            return None
        counted = self._counted
        for s in (side,) if side else self.sides:  # every counted measure known on a side: fine
            values = side_values if s == side else self.measures.values(s)
            for name in counted:
                if values[name] is None:
                    break
            else:
                return None
        # the landmarks those measures read now, and the wording for the unseen ones: both the
        # same frame after frame, so looked up rather than rebuilt
        key = (side, self.measures.nearer)
        checked = self._visibility_points.get(key)
        if checked is None:
            checked = self._visibility_points[key] = self._points_checked(side)
        ok = image.ok
        missing = tuple([i for i in checked if not ok[i]])
        if not missing:
            return None
        # out of the picture (or at its edge) calls for stepping back, hidden inside it for turning
        at_edge = () if pose is None else tuple([i for i in missing if _near_edge(pose.landmarks[i])])
        wording = (missing, at_edge)
        message = self._visibility_wording.get(wording)
        if message is None:
            message = self._visibility_wording[wording] = _visibility_wording(
                {NAMES[i] for i in missing}, {NAMES[i] for i in at_edge}
            )
        return message

    def _points_checked(self, side: str | None) -> tuple[int, ...]:
        """The landmarks the counted measures read on ``side`` (both sides when None), in order."""
        points: dict[int, None] = {}
        for name in self._counted:
            for s in (side,) if side else self.sides:
                points.update(dict.fromkeys(self.measures.indices(name, s) or self._all_indices(name)))
        return tuple(points)

    def landmarks_read(self, measure: str) -> tuple[int, ...]:
        """Every landmark index ``measure`` may read, on either side."""
        return self._all_indices(measure)

    def _all_indices(self, name: str) -> tuple[int, ...]:
        if name in self.measures.differences:
            return tuple(i for part in self.measures.differences[name] for i in self._all_indices(part))
        return tuple(i for idx in self.measures.readers[name].indices.values() for i in idx)

    def _report_measures(self, side: str | None) -> dict[str, float | None]:
        values = self.measures.values(side)
        if not self._split_keys:
            return values  # a new dict every frame, which the engine no longer changes
        assert self._report_of is not None
        return self._report_of(values, self.measures.values("left"), self.measures.values("right"))

    def _highlight(self, side: str | None) -> dict[str, tuple[int, ...]]:
        """The same for a given side and nearer side: built once, shared by the frames' reports."""
        key = (side, self.measures.nearer)
        cached = self._highlights.get(key)
        if cached is None:
            cached = self._highlights[key] = self._build_highlight(side)
        return cached

    def _build_highlight(self, side: str | None) -> dict[str, tuple[int, ...]]:
        out: dict[str, tuple[int, ...]] = {}
        split = self.measures.split_names
        for name in self.measures.names:
            out[name] = self.measures.indices(name, side)
            if name in split:
                for s in ("left", "right"):
                    out[f"{name}.{s}"] = self.measures.indices(name, s)
        return out

    def _reps_dict(self) -> dict[str, int | None]:
        """The counts so far: one dict, shared by the frames' reports until a rep is counted."""
        shown = self._reps_shown
        if shown is None:
            shown = self._reps_shown = self._count_reps()
        return shown

    def _count_reps(self) -> dict[str, int | None]:
        total = sum(self.rep_counts.values())
        return {
            "total": total,
            "left": self.rep_counts["left"] if self.per_side else None,
            "right": self.rep_counts["right"] if self.per_side else None,
            "good": self.good_reps,
            "faulty": total - self.good_reps,
        }

    def _hold_progress(self) -> HoldProgress | None:
        if self.timer is not None and self.timer.active is not None:
            h = self.timer.active
            return HoldProgress(h.side, h.seconds, self.timer.rule.target_s)
        rule = self.exercise.reps
        rep = self.counter.active if self.counter is not None else None
        if rule is not None and rule.hold is not None and rep is not None and rep.hold_started:
            return HoldProgress(rep.side, rep.hold_s, rule.hold.target_s, rule.hold.max_s)
        return None

    def _record_fault(self, span: FaultRecord, events: list[Event], t_s: float) -> None:
        self.fault_records.append(span)
        events.append(
            Event(
                "fault_end", t_s, span.side, {"id": span.id, "seconds": round(span.end_s - span.start_s, 3)}
            )
        )

    def _record_notice(self, span: NoticeRecord, events: list[Event], t_s: float) -> None:
        self.notice_records.append(span)
        events.append(Event("notice_end", t_s, None, {"kind": span.kind, "message": span.message}))

    # ---------------------------------------------------------------- end of session
    def _too_few_frames(self, end: float, notices: list[NoticeRecord]) -> NoticeRecord | None:
        """The ``frame_rate`` notice for a whole input too sparse for it to have come up on the
        way: a single frame, or frames that are all further apart than HOLD_FRAME_GAP_S but too
        few for the notice's second (a --stride that leaves a handful of frames). Without it the
        summary would say only that no rep was counted."""
        if self.frames == 0 or any(n.kind == "frame_rate" for n in notices):
            return None
        start = self.first_s if self.first_s is not None else end
        if self.frames == 1:
            return NoticeRecord("frame_rate", ONE_FRAME_MESSAGE, start, end)
        if (end - start) / (self.frames - 1) > HOLD_FRAME_GAP_S:
            return NoticeRecord("frame_rate", FRAME_RATE_MESSAGE, start, end)
        return None

    def finish(self, partial: bool = False) -> SessionResult:
        """The session so far. Open faults, notices and holds are closed at the last frame
        (on copies: the engine can keep running and be finished again)."""
        end = self.last_s if self.last_s is not None else 0.0
        faults = list(self.fault_records)
        for st in self.faults.active():
            assert st.since_s is not None
            faults.append(
                FaultRecord(st.fault.id, st.side, st.fault.severity, st.since_s, end, st.fault.message)
            )
        for fid, (s, since) in self._builtin_active.items():
            b = self._builtin[fid]
            faults.append(FaultRecord(fid, s, b.severity, since, end, b.message))
        notices = list(self.notice_records)
        notices += [NoticeRecord(st.kind, st.message, st.start_s, end) for st in self.notices.active()]
        holds = list(self.hold_spans)
        if self.timer is not None and self.timer.active is not None:
            h, rule = self.timer.active, self.timer.rule
            if h.seconds >= rule.min_s:
                holds.append(
                    HoldSpan(
                        h.side, h.start_s, h.last_good_s, h.seconds, rule.target_s, h.seconds >= rule.target_s
                    )
                )
        rep_events, reps = list(self.rep_events), self._count_reps()
        active_rep = self.counter.active if self.counter is not None else None
        peak_hold = self.exercise.reps.hold if self.exercise.reps is not None else None
        if active_rep is not None and active_rep.hold_started and peak_hold is not None:
            # a hold at the peak still going when the input ends (a wall sit held to the end of
            # the clip): its time so far is a hold, though the rep itself is not complete
            holds.append(HoldSpan(
                active_rep.side, active_rep.hold_start_s, active_rep.last_known_s, active_rep.hold_s,
                peak_hold.target_s, active_rep.hold_s >= peak_hold.target_s,
            ))  # fmt: skip
        last = self.counter.nearly_done() if self.counter is not None else None
        if last is not None:
            rep = last.rep
            judged = set(rep.faults)  # judge a copy: the engine may keep running after finish
            fired = [f.id for f, check in self._rep_end_faults if check(rep.peak_values) is True]
            for fid in fired:
                f = next(f for f, _ in self._rep_end_faults if f.id == fid)
                faults.append(FaultRecord(fid, rep.side, f.severity, rep.start_s, last.end_s, f.message))
            ids = tuple(sorted(judged | set(fired)))
            rep_events.append(RepEvent(
                rep.peak_t_s, rep.start_s, last.end_s, rep.side, rep.peak_values, ids, not ids,
                rep.hold_s if rep.hold_started else None,
            ))  # fmt: skip
            reps["total"] = (reps["total"] or 0) + 1
            if rep.side is not None:
                reps[rep.side] = (reps[rep.side] or 0) + 1
            key = "faulty" if ids else "good"
            reps[key] = (reps[key] or 0) + 1
        notices += self._refused.notices()
        too_few = self._too_few_frames(end, notices)
        if too_few is not None:
            notices.append(too_few)
        counter = self.counter
        waited = self.waiting_frames > self.pose_frames // 2  # of the frames a person was seen in
        if counter is not None and not reps["total"] and self.pose_frames and waited and self.frames > 1:
            # Most of the session waiting for the start position and no rep: whoever reads the
            # summary did not see the overlay's "get into position", so say why it is 0 (a person
            # who never stood up straight between squat pulses, say). One frame alone waits by
            # force: ONE_FRAME_MESSAGE says why then.
            ready = counter.rule.ready.message.rstrip(".")
            notices.append(NoticeRecord(
                NOT_STARTED, f"no rep counted: counting starts once you hold the start position ({ready})",
                self.first_s if self.first_s is not None else end, end,
            ))  # fmt: skip
        faults.sort(key=lambda f: (f.start_s, f.id))
        notices.sort(key=lambda n: (n.start_s, n.kind))
        holds.sort(key=lambda h: h.start_s)
        shares = {v: n / max(1, sum(self.view_counts.values())) for v, n in self.view_counts.items()}
        detected = max(self.view_counts, key=lambda v: self.view_counts[v]) if self.view_counts else None
        suited = detected is None or not self._view_guidance.get(detected, _NO_GUIDANCE)[0]
        return SessionResult(
            exercise=self.exercise.id,
            exercise_name=self.exercise.name,
            partial=partial,
            duration_s=end - self.first_s if self.first_s is not None else 0.0,
            frames=self.frames,
            pose_coverage=self.pose_frames / self.frames if self.frames else 0.0,
            view={
                "required": self.exercise.view,
                "detected": detected,
                "suited": suited,
                "shares": {k: round(v, 3) for k, v in sorted(shares.items())},
            },
            dose=self.exercise.dose.to_dict(),
            reps=reps,
            rep_events=tuple(rep_events),
            holds=tuple(holds),
            faults=tuple(faults),
            notices=tuple(notices),
        )


ReportBuilder = Callable[[Values, Values, Values], dict[str, float | None]]


@functools.lru_cache(maxsize=256)  # an engine per clip or session: the same few rules
def _report_builder(plan: tuple[tuple[str, int, str], ...]) -> ReportBuilder:
    """``report(working, left, right)``: the frame report's measures by ``plan`` (report key,
    source, measure), as one dict display: a Python loop or comprehension over the keys costs
    about a microsecond a frame, a twentieth of the engine's budget, on rules shown per side."""
    sources = ("working", "left", "right")
    items = ", ".join(f"{key!r}: {sources[src]}[{name!r}]" for key, src, name in plan)
    scope: dict[str, Any] = {}
    exec(compile(f"def report(working, left, right):\n    return {{{items}}}\n", "<report>", "exec"), scope)
    return scope["report"]


def _body_size(exercise: Exercise, name: str) -> str | None:
    """The body size a measure is divided by (``per``), None for a measure in degrees."""
    m = exercise.measures[name]
    if m.kind == "difference":
        return _body_size(exercise, m.of[0])
    return None if m.unit == "°" else m.per


def _near_edge(landmark: Sequence[float]) -> bool:
    """Whether a landmark lies outside the picture or within ``EDGE_BAND`` of its border (or
    has no position): a body part there is cut off by the frame rather than hidden in it."""
    x, y = float(landmark[X]), float(landmark[Y])
    return not (EDGE_BAND <= x <= 1 - EDGE_BAND and EDGE_BAND <= y <= 1 - EDGE_BAND)


def _visibility_wording(missing: set[str], at_edge: set[str]) -> str:
    """Guidance for the unseen landmarks ``missing`` (names), of which ``at_edge`` lie at or
    beyond the picture's border."""
    if at_edge:
        parts = sorted({_BODY_PART.get(n.split("_", 1)[-1], n.replace("_", " ")) for n in at_edge})
        if "feet" in parts:
            return "step back so your feet are in view"
        if any(p in parts for p in ("knees", "hips")):
            return f"step back so your {' and '.join(p for p in parts if p in ('knees', 'hips'))} are in view"
        return f"make sure your {' and '.join(parts)} can be seen"
    # inside the picture but not seen: behind the other leg, say, lying side-on
    return f"the camera cannot see your {_sided_parts(missing)}: turn so nothing hides it"


def _sided_parts(names: set[str]) -> str:
    """'left foot', 'feet', 'left foot and knee', 'feet and right knee' for landmark names."""
    sides_of: dict[str, set[str]] = {}
    for n in names:
        side, _, joint = n.partition("_") if n.startswith(("left_", "right_")) else ("", "", n)
        sides_of.setdefault(_BODY_PART.get(joint, joint.replace("_", " ")), set()).add(side)
    both = [part for part, sides in sorted(sides_of.items()) if len(sides) > 1 or "" in sides]
    words = [" and ".join(both)] if both else []
    for side in ("left", "right"):
        one = [_SINGULAR.get(p, p) for p, sides in sorted(sides_of.items()) if sides == {side}]
        if one:
            words.append(f"{side} {' and '.join(one)}")
    return " and ".join(words)


def _builtin_faults(exercise: Exercise) -> dict[str, Fault]:
    hold = exercise.reps.hold if exercise.reps is not None else None
    target = f"{hold.target_s:g}" if hold is not None else "?"
    never = Compare(next(iter(exercise.measures)), above=0.0)  # placeholder: evaluated in code
    return {
        HOLD_TOO_SHORT: Fault(
            HOLD_TOO_SHORT,
            never,
            f"Hold the position for {target} s",
            "hold it",
            f"The rule asks to hold {target} s at the end of each rep; this rep was held for less.",
            severity="warning",
        ),
        HOLD_TOO_LONG: Fault(
            HOLD_TOO_LONG,
            never,
            "Time to come back up",
            "and up",
            "The hold at the end of the rep went on longer than the rule's maximum.",
            severity="info",
        ),
    }
