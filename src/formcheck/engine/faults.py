"""Fault tracking: a fault fires once its condition has been True for ``for_s`` seconds in a
phase it applies to, and ends once the condition has not been True for ``RELEASE_S`` (so one
noisy frame neither starts nor splits a fault; one frame short of the condition does not restart
the time it has held toward ``for_s`` either, two in a row do). Unknown never fires a fault;
nothing seen for a moment pauses them all (``UNSEEN_PAUSE_S``).
"""

from __future__ import annotations

from dataclasses import dataclass

from formcheck.engine.conditions import Compiled, Values, compile_condition
from formcheck.engine.report import ActiveFault
from formcheck.engine.reps import HOLD_FRAME_GAP_S
from formcheck.engine.session import FaultRecord
from formcheck.rules.model import Fault

RELEASE_S = 0.25

# Nothing readable for up to this long (no pose on a frame or two, the counted joints hidden for
# a moment: the engine's phase "unknown") pauses the faults: none starts, ends or loses the time
# its condition has held. A detection that flickers would otherwise end every fault on each lost
# frame, so a fault split into pieces and one needing ``for_s`` rarely started, and a hold
# timed on through faults that should have paused it. Longer, the faults end when last seen.
# (As long as the hold clock and a rep's hold bridge frames that never came: HOLD_FRAME_GAP_S.)
UNSEEN_PAUSE_S = HOLD_FRAME_GAP_S

# Which engine phases each rule ``phase`` covers. "any" means once counting has started
# (not while getting into the ready position, and never when nothing is known).
PHASE_MATCH: dict[str, frozenset[str]] = {
    "any": frozenset({"rest", "moving", "peak", "hold"}),
    # whenever the position is seen, counting started or not: a fault that protects the joint
    # (a wall sit held at 90° from before counting could start is still too deep)
    "seen": frozenset({"waiting", "rest", "moving", "peak", "hold"}),
    "rest": frozenset({"rest"}),
    "moving": frozenset({"moving"}),
    "peak": frozenset({"peak", "hold"}),
    "hold": frozenset({"hold"}),
    "rep": frozenset({"moving", "peak", "hold"}),
}

# The views in which a fault restricted to one view is checked. A frontal-plane fault (knee
# valgus) is meaningless unless the camera faces the person: at an angle, a bent knee projects
# inward or outward whatever it really does. Sagittal faults (depth, trunk lean) read well
# enough at an angle, as the rep counting does.
VIEWS_CHECKED = {"front": frozenset({"front"}), "side": frozenset({"side", "angled", "unknown"})}


def _views(f: Fault) -> frozenset[str] | None:
    return VIEWS_CHECKED.get(f.view) if f.view else None


@dataclass(slots=True)
class FaultState:
    fault: Fault
    check: Compiled
    since_s: float | None = None  # condition True (in phase) since
    last_true_s: float | None = None
    lapsed: bool = False  # building up to for_s, the last reading was not True (one is forgiven)
    active: bool = False
    side: str | None = None
    # where the fault applies, resolved once: the engine phases, and the views (None: any view)
    phases: frozenset[str] = frozenset()
    views: frozenset[str] | None = None
    shown: ActiveFault | None = None  # the report's entry while active (side fixed until it ends)


class FaultTracker:
    def __init__(self, faults: tuple[Fault, ...]) -> None:
        self.states = [
            FaultState(f, compile_condition(f.when), phases=PHASE_MATCH[f.phase], views=_views(f))
            for f in faults
        ]
        self.active_states: list[FaultState] = []  # in rule order (read it, do not change it)
        # The phases some fault applies in: in any other, with no fault active, a frame has
        # nothing to judge and nothing to end (most frames between reps), and only the timers
        # left by the last judged frame (``since_s``) need resetting.
        self._phases = frozenset().union(*(st.phases for st in self.states))
        self._judged = False  # whether a frame was judged since the timers were last reset
        self._unseen_since: float | None = None  # phase "unknown" since (see UNSEEN_PAUSE_S)

    def update(
        self, t_s: float, values: Values, phase: str, side: str | None, view: str = "unknown"
    ) -> tuple[list[FaultState], list[FaultRecord]]:
        """(faults that started now, fault spans that ended now). ``view``: the detected view;
        a fault for one view is checked only in the views ``VIEWS_CHECKED`` lists for it.
        ``values`` are read only in a phase a fault applies to (never in ``waiting``/``unknown``)."""
        started: list[FaultState] = []
        ended: list[FaultRecord] = []
        if phase == "unknown":
            if self._unseen_since is None:
                self._unseen_since = t_s
            if t_s - self._unseen_since <= UNSEEN_PAUSE_S:
                return started, ended  # unseen for a moment: paused
            for st in self.active():  # unseen for longer: ended when last seen
                ended.append(self.close(st, st.last_true_s if st.last_true_s is not None else t_s))
        else:
            self._unseen_since = None
        if phase not in self._phases and not self.active_states:
            if self._judged:
                for st in self.states:
                    st.since_s = None
                self._judged = False
            return started, ended
        self._judged = True
        for st in self.states:
            views = st.views
            in_phase = phase in st.phases and (views is None or view in views)
            if not in_phase and not st.active:  # nothing to judge, nothing to end
                st.since_s = None
                continue
            true = in_phase and st.check(values) is True
            if st.active and (not in_phase or st.side != side):
                ended.append(self.close(st, t_s))
            if true:
                if st.since_s is None:
                    st.since_s = t_s
                st.last_true_s = t_s
                st.lapsed = False
                if not st.active and t_s - st.since_s >= st.fault.for_s:
                    st.active, st.side = True, side
                    self._activate(st)
                    started.append(st)
            elif st.active:
                assert st.last_true_s is not None
                if t_s - st.last_true_s >= RELEASE_S:
                    ended.append(self.close(st, st.last_true_s))
            elif st.since_s is not None and not st.lapsed:
                # one reading short of the condition is as likely the model's error as a change
                # (at 15 fps nothing smooths it): the build-up to for_s goes on; two end it
                st.lapsed = True
            else:
                st.since_s, st.lapsed = None, False
        return started, ended

    def _activate(self, st: FaultState) -> None:
        f = st.fault
        st.shown = ActiveFault(f.id, st.side, f.severity, f.message, f.cue)
        self.active_states = [s for s in self.states if s.active]

    def close(self, st: FaultState, end_s: float) -> FaultRecord:
        assert st.since_s is not None
        span = FaultRecord(st.fault.id, st.side, st.fault.severity, st.since_s, end_s, st.fault.message)
        st.active, st.since_s, st.last_true_s, st.shown = False, None, None, None
        self.active_states = [s for s in self.states if s.active]
        return span

    def active(self) -> list[FaultState]:
        """The active faults, in rule order (a copy)."""
        return list(self.active_states)

    def blocking(self) -> bool:
        """Whether a warning or stop fault is active (a hold clock pauses for those)."""
        if not self.active_states:  # most frames: no generator to build
            return False
        return any(st.fault.severity != "info" for st in self.active_states)

    def shown(self) -> list[ActiveFault]:
        """The report's entries for the active faults, in rule order."""
        return [st.shown for st in self.active_states if st.shown is not None]
