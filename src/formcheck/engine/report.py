"""What the engine says about one frame (``FrameReport``) and its parts.

Pinned by docs/ARCHITECTURE.md: the overlay, the CSV writer and the live mode read these.
A report is read-only (though ``FrameReport`` is not frozen, for speed): its ``reps``,
``highlight``, ``notices`` and fault entries may be shared with the reports of other frames
(they are rebuilt only when they change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from formcheck.pose import Pose

PHASES = ("waiting", "rest", "moving", "peak", "hold", "unknown")
EVENT_KINDS = (
    "rep", "rep_refused", "hold_start", "hold_end", "fault_start", "fault_end", "notice_start", "notice_end",
)  # fmt: skip
NOTICE_KINDS = ("no_person", "view", "visibility", "multiple_people", "frame_rate")


@dataclass(frozen=True, slots=True)
class HoldProgress:
    side: str | None
    elapsed_s: float
    target_s: float
    max_s: float | None = None


@dataclass(frozen=True, slots=True)
class ActiveFault:
    id: str
    side: str | None
    severity: str
    message: str
    cue: str


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    t_s: float
    side: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


# Not frozen, unlike the parts: one is built per frame, and a frozen dataclass's __init__ costs
# about a microsecond more (object.__setattr__ per field), a twentieth of the engine's budget.
@dataclass(slots=True)
class FrameReport:
    t_ms: int
    pose: Pose | None
    image_size: tuple[int, int]
    measures: dict[str, float | None]
    phase: str
    side: str | None
    reps: dict[str, int | None]
    hold: HoldProgress | None
    faults: list[ActiveFault]
    notices: list[Notice]
    events: list[Event]
    highlight: dict[str, tuple[int, ...]]
