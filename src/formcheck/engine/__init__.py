"""The engine: apply an exercise rule to a pose stream (pure, driven by ``PoseFrame.t_ms``)."""

from formcheck.engine.exercise_engine import ExerciseEngine
from formcheck.engine.report import ActiveFault, Event, FrameReport, HoldProgress, Notice
from formcheck.engine.session import (
    FORMAT,
    FaultRecord,
    HoldSpan,
    NoticeRecord,
    RepEvent,
    SessionResult,
)

__all__ = [
    "FORMAT",
    "ActiveFault",
    "Event",
    "ExerciseEngine",
    "FaultRecord",
    "FrameReport",
    "HoldProgress",
    "HoldSpan",
    "Notice",
    "NoticeRecord",
    "RepEvent",
    "SessionResult",
]
