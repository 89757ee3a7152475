"""``SessionResult``: what a whole session came to, and its JSON form ``formcheck.session/1``.

The JSON form is documented (with an example) in the repo's rules/README.md, "Session result".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from formcheck.errors import InputError

FORMAT = "formcheck.session/1"


def _r(x: float) -> float:
    return round(float(x), 3)


@dataclass(frozen=True, slots=True)
class RepEvent:
    t_s: float  # time of the peak
    start_s: float
    end_s: float
    side: str | None
    peak: dict[str, float | None]
    faults: tuple[str, ...]
    good: bool
    hold_s: float | None = None  # time held at the peak, when the rule holds inside reps

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "t_s": _r(self.t_s), "start_s": _r(self.start_s), "end_s": _r(self.end_s),
            "side": self.side,
            "peak": {k: (None if v is None else round(v, 2)) for k, v in self.peak.items()},
            "faults": list(self.faults), "good": self.good,
        }  # fmt: skip
        if self.hold_s is not None:
            out["hold_s"] = _r(self.hold_s)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RepEvent:
        return cls(
            t_s=d["t_s"], start_s=d["start_s"], end_s=d["end_s"], side=d["side"],
            peak=dict(d["peak"]), faults=tuple(d["faults"]), good=d["good"], hold_s=d.get("hold_s"),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class HoldSpan:
    side: str | None
    start_s: float
    end_s: float
    seconds: float  # time held correctly (pauses excluded)
    target_s: float
    completed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side, "start_s": _r(self.start_s), "end_s": _r(self.end_s),
            "seconds": _r(self.seconds), "target_s": self.target_s, "completed": self.completed,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HoldSpan:
        return cls(d["side"], d["start_s"], d["end_s"], d["seconds"], d["target_s"], d["completed"])


@dataclass(frozen=True, slots=True)
class FaultRecord:
    id: str
    side: str | None
    severity: str
    start_s: float
    end_s: float
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "side": self.side, "severity": self.severity,
            "start_s": _r(self.start_s), "end_s": _r(self.end_s), "message": self.message,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FaultRecord:
        return cls(d["id"], d["side"], d["severity"], d["start_s"], d["end_s"], d["message"])


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    kind: str
    message: str
    start_s: float
    end_s: float

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "message": self.message, "start_s": _r(self.start_s),
            "end_s": _r(self.end_s), "seconds": _r(self.seconds),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NoticeRecord:
        return cls(d["kind"], d["message"], d["start_s"], d["end_s"])


@dataclass(frozen=True, slots=True)
class SessionResult:
    exercise: str
    exercise_name: str
    partial: bool
    duration_s: float
    frames: int
    pose_coverage: float
    view: dict[str, Any]  # {"required", "detected", "suited", "shares": {view: share}}
    dose: dict[str, Any]
    reps: dict[str, int | None]  # total, left, right, good, faulty
    rep_events: tuple[RepEvent, ...] = ()
    holds: tuple[HoldSpan, ...] = ()
    faults: tuple[FaultRecord, ...] = ()
    notices: tuple[NoticeRecord, ...] = ()
    format: str = field(default=FORMAT)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "exercise": self.exercise,
            "exercise_name": self.exercise_name,
            "partial": self.partial,
            "duration_s": _r(self.duration_s),
            "frames": self.frames,
            "pose_coverage": round(self.pose_coverage, 4),
            "view": dict(self.view),
            "dose": dict(self.dose),
            "reps": dict(self.reps),
            "rep_events": [r.to_dict() for r in self.rep_events],
            "holds": [h.to_dict() for h in self.holds],
            "faults": [f.to_dict() for f in self.faults],
            "notices": [n.to_dict() for n in self.notices],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SessionResult:
        """The inverse of ``to_dict``; a malformed document raises ``InputError``."""
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            got = d.get("format") if isinstance(d, dict) else type(d).__name__
            raise InputError(f"not a {FORMAT} session result (format: {got!r})")
        try:
            return cls(
                exercise=d["exercise"], exercise_name=d["exercise_name"], partial=bool(d["partial"]),
                duration_s=d["duration_s"], frames=d["frames"], pose_coverage=d["pose_coverage"],
                view=dict(d["view"]), dose=dict(d["dose"]), reps=dict(d["reps"]),
                rep_events=tuple(RepEvent.from_dict(r) for r in d["rep_events"]),
                holds=tuple(HoldSpan.from_dict(h) for h in d["holds"]),
                faults=tuple(FaultRecord.from_dict(f) for f in d["faults"]),
                notices=tuple(NoticeRecord.from_dict(n) for n in d["notices"]),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise InputError(f"malformed {FORMAT} session result: {type(err).__name__}: {err}") from None
