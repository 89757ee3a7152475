"""Fault tracking: a fault fires once its condition has been True for ``for_s`` seconds in a
phase it applies to, and ends once the condition has not been True for ``RELEASE_S`` (so one
noisy frame neither starts nor splits a fault). Unknown never fires a fault.
"""

from __future__ import annotations

from dataclasses import dataclass

from formcheck.engine.conditions import Compiled, Values, compile_condition
from formcheck.rules.model import Fault

RELEASE_S = 0.25

# Which engine phases each rule ``phase`` covers. "any" means once counting has started
# (not while getting into the ready position, and never when nothing is known).
PHASE_MATCH: dict[str, frozenset[str]] = {
    "any": frozenset({"rest", "moving", "peak", "hold"}),
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


@dataclass(slots=True)
class FaultState:
    fault: Fault
    check: Compiled
    since_s: float | None = None  # condition True (in phase) since
    last_true_s: float | None = None
    active: bool = False
    side: str | None = None


@dataclass(frozen=True, slots=True)
class FaultSpan:
    id: str
    side: str | None
    severity: str
    start_s: float
    end_s: float
    message: str


class FaultTracker:
    def __init__(self, faults: tuple[Fault, ...]) -> None:
        self.states = [FaultState(f, compile_condition(f.when)) for f in faults]

    def update(
        self, t_s: float, values: Values, phase: str, side: str | None, view: str = "unknown"
    ) -> tuple[list[FaultState], list[FaultSpan]]:
        """(faults that started now, fault spans that ended now). ``view``: the detected view;
        a fault for one view is checked only in the views ``VIEWS_CHECKED`` lists for it."""
        started: list[FaultState] = []
        ended: list[FaultSpan] = []
        for st in self.states:
            views = VIEWS_CHECKED.get(st.fault.view) if st.fault.view else None
            in_phase = phase in PHASE_MATCH[st.fault.phase] and (views is None or view in views)
            true = in_phase and st.check(values) is True
            if st.active and (not in_phase or st.side != side):
                ended.append(self.close(st, t_s))
            if true:
                if st.since_s is None:
                    st.since_s = t_s
                st.last_true_s = t_s
                if not st.active and t_s - st.since_s >= st.fault.for_s:
                    st.active, st.side = True, side
                    started.append(st)
            elif st.active:
                assert st.last_true_s is not None
                if t_s - st.last_true_s >= RELEASE_S:
                    ended.append(self.close(st, st.last_true_s))
            else:
                st.since_s = None
        return started, ended

    def close(self, st: FaultState, end_s: float) -> FaultSpan:
        assert st.since_s is not None
        span = FaultSpan(st.fault.id, st.side, st.fault.severity, st.since_s, end_s, st.fault.message)
        st.active, st.since_s, st.last_true_s = False, None, None
        return span

    def active(self) -> list[FaultState]:
        return [st for st in self.states if st.active]
