"""Writes a session into the history as it happens: the session when it starts, each set as
soon as it ends (one transaction), the status at the end."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from formcheck.history.store import HistoryStore

if TYPE_CHECKING:
    from formcheck.live.session import SavedSet
    from formcheck.routines.runner import SetRecord


class HistoryRecorder:
    def __init__(
        self, store: HistoryStore, kind: str, *, routine: str | None = None, source: str | None = None
    ) -> None:
        self.store = store
        self.session_id = store.begin_session(kind, routine=routine, source=source)
        self.sets = 0

    def add(self, result: dict[str, Any], **details: Any) -> None:
        self.store.add_set(self.session_id, result, **details)
        self.sets += 1

    def routine_set(self, record: SetRecord) -> None:
        """``RoutineRunner``'s ``on_set_end``."""
        self.add(
            record.result.to_dict(),
            set_number=record.set_number,
            started_s=record.started_s,
            completed=record.completed,
            ended_by=record.ended_by,
            prescribed=dict(record.prescribed),
        )

    def live_set(self, saved: SavedSet) -> None:
        """``LiveSession``'s ``on_set_saved``."""
        self.add(saved.result, set_number=1)

    def end(self, *, interrupted: bool, completed: bool = True) -> None:
        self.store.end_session(self.session_id, interrupted=interrupted, completed=completed)
