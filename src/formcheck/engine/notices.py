"""Notices (guidance such as "turn side-on"), debounced so a flickering cause does not flicker
on screen: a notice starts after its cause has lasted ``ON_S`` and ends after it has been gone
for ``OFF_S``.
"""

from __future__ import annotations

from dataclasses import dataclass

from formcheck.engine.session import NoticeRecord

ON_S = 0.3
OFF_S = 0.3


@dataclass(slots=True)
class NoticeState:
    kind: str
    message: str
    wanted_since: float | None = None
    last_wanted_s: float | None = None
    active: bool = False
    start_s: float = 0.0


class NoticeTracker:
    def __init__(self, kinds: tuple[str, ...]) -> None:
        self.states = {k: NoticeState(k, "") for k in kinds}
        # No notice active or pending: a frame without causes then changes nothing (most frames)
        self.quiet = True

    def update(self, t_s: float, wanted: dict[str, str]) -> tuple[list[NoticeState], list[NoticeRecord]]:
        """``wanted``: kind -> message for every cause present now. Returns (started, ended)."""
        started: list[NoticeState] = []
        ended: list[NoticeRecord] = []
        if not wanted:
            if self.quiet:
                return started, ended
            self.quiet = True  # unless one stays active below
        for kind, st in self.states.items():
            message = wanted.get(kind)
            if message is not None:
                if st.wanted_since is None:
                    st.wanted_since = t_s
                st.last_wanted_s = t_s
                if st.active and message != st.message:  # a new cause: a new notice
                    ended.append(self.close(st, t_s))
                    st.wanted_since = t_s
                st.message = message
                if not st.active and t_s - st.wanted_since >= ON_S:
                    st.active, st.start_s = True, st.wanted_since
                    started.append(st)
            elif st.active:
                assert st.last_wanted_s is not None
                if t_s - st.last_wanted_s >= OFF_S:
                    ended.append(self.close(st, st.last_wanted_s))
                else:
                    self.quiet = False
            else:
                st.wanted_since = None
        if wanted:
            self.quiet = False
        return started, ended

    def close(self, st: NoticeState, end_s: float) -> NoticeRecord:
        span = NoticeRecord(st.kind, st.message, st.start_s, end_s)
        st.active, st.wanted_since = False, None
        return span

    def active(self) -> list[NoticeState]:
        if self.quiet:
            return []
        return [st for st in self.states.values() if st.active]
