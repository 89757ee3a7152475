"""The sample suite's expectations: ``samples/expected.yaml`` read into ``ClipSpec``s.

Each entry says which pose track to replay through which exercise's rules, and what a correct
run reports: reps (total and by side), held seconds, form faults with their spans, and how far
the result may stray (``tolerance``). A bad file fails with one line naming the entry and field.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from formcheck.errors import InputError

DEFAULT_REP_TOLERANCE = 0
DEFAULT_HOLD_TOLERANCE_S = 2.0
HOLD_SIDES = ("left", "right", "both")
PERSON_CHOICES = ("auto", "largest", "left", "right", "center")


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled hold (``label`` = side) or fault (``label`` = fault id) from start to end."""

    label: str
    start_s: float
    end_s: float

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class RepCount:
    total: int
    left: int | None = None
    right: int | None = None


@dataclass(frozen=True, slots=True)
class Tolerance:
    reps: int = DEFAULT_REP_TOLERANCE
    hold_s: float = DEFAULT_HOLD_TOLERANCE_S
    # False: faults are scored in the metrics but a mismatch does not fail the clip.
    faults_strict: bool = True
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ClipSpec:
    key: str  # unique name of the entry (the clip stem, plus "@person" when one clip has several)
    clip: str
    track: Path
    exercise: str
    reps: RepCount | None = None  # None: not a rep clip
    rep_times: tuple[float, ...] = ()
    holds: tuple[Span, ...] = ()
    faults: tuple[Span, ...] = ()
    tolerance: Tolerance = field(default_factory=Tolerance)
    person: str = "auto"
    synthetic: bool = False
    source: str | None = None  # where the clip came from (the repository it was taken from)
    added: str | None = None  # the batch of labels it came in (``2026-12``), None for the first

    @property
    def is_rep_clip(self) -> bool:
        return self.reps is not None

    @property
    def is_hold_clip(self) -> bool:
        return bool(self.holds)


@dataclass(frozen=True, slots=True)
class SuiteSpec:
    path: Path
    clips: tuple[ClipSpec, ...]
    # Per exercise: the fault ids a labeller looked for (reported faults of other ids are not
    # scored for precision). Union of the ids labelled in that exercise's clips plus any
    # ``checked_faults`` listed in the file.
    checked_faults: Mapping[str, frozenset[str]]
    # Rule fault id -> the label id it is scored as (rule files may name a fault differently).
    fault_aliases: Mapping[str, str] = field(default_factory=dict)
    # Sources whose clips are never looked at while tuning rules: the untouched part of the
    # split, scored apart so that fitting the tuned part shows (samples/README.md).
    untouched_sources: frozenset[str] = frozenset()

    def group_of(self, clip: ClipSpec) -> str:
        """``tuned`` or ``untouched`` (a real clip's part of the split), ``synthetic``."""
        if clip.synthetic:
            return "synthetic"
        return "untouched" if clip.source in self.untouched_sources else "tuned"


class _Entry:
    """Reads one entry's fields, raising ``InputError`` that names file, entry and field."""

    def __init__(self, path: Path, where: str, raw: Any) -> None:
        self.path, self.where = path, where
        if not isinstance(raw, dict):
            self.fail("", f"must be a mapping, got {type(raw).__name__}")
        self.raw: dict[str, Any] = raw

    def fail(self, name: str, why: str) -> None:
        at = f"{self.where}.{name}" if name else self.where
        raise InputError(f"{self.path}: {at}: {why}")

    def text(self, name: str, default: str | None = None) -> str:
        value = self.raw.get(name, default)
        if not isinstance(value, str) or not value:
            self.fail(name, "must be a non-empty string")
        return str(value)

    def number(self, raw: Any, name: str, *, minimum: float = 0.0) -> float:
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < minimum:
            self.fail(name, f"must be a number >= {minimum:g}, got {raw!r}")
        return float(raw)

    def count(self, raw: Any, name: str, *, nullable: bool = False) -> int | None:
        if raw is None and nullable:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            self.fail(name, f"must be a whole number >= 0{' or null' if nullable else ''}, got {raw!r}")
        return int(raw)

    def items(self, name: str) -> list[Any]:
        value = self.raw.get(name) or []
        if not isinstance(value, list):
            self.fail(name, "must be a list")
        return list(value)

    def spans(self, name: str, label_key: str, choices: tuple[str, ...] | None = None) -> tuple[Span, ...]:
        out = []
        for i, item in enumerate(self.items(name)):
            at = f"{name}[{i}]"
            if not isinstance(item, dict):
                self.fail(at, "must be a mapping")
            label = item.get(label_key)
            if not isinstance(label, str) or (choices is not None and label not in choices):
                allowed = f"one of {', '.join(choices)}" if choices else "a string"
                self.fail(f"{at}.{label_key}", f"must be {allowed}, got {label!r}")
            start = self.number(item.get("start_s"), f"{at}.start_s")
            end = self.number(item.get("end_s"), f"{at}.end_s")
            if end < start:
                self.fail(at, f"end_s {end:g} is before start_s {start:g}")
            out.append(Span(str(label), start, end))
        return tuple(out)

    def rep_count(self) -> RepCount | None:
        raw = self.raw.get("reps")
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.fail("reps", "must be a mapping {total, left, right} or null")
        total = self.count(raw.get("total"), "reps.total")
        assert total is not None
        left = self.count(raw.get("left"), "reps.left", nullable=True)
        right = self.count(raw.get("right"), "reps.right", nullable=True)
        return RepCount(total, left, right)

    def tolerance(self) -> Tolerance:
        raw = self.raw.get("tolerance") or {}
        if not isinstance(raw, dict):
            self.fail("tolerance", "must be a mapping {reps, hold_s, faults}")
        reps = self.count(raw.get("reps", DEFAULT_REP_TOLERANCE), "tolerance.reps")
        hold_s = self.number(raw.get("hold_s", DEFAULT_HOLD_TOLERANCE_S), "tolerance.hold_s")
        faults = raw.get("faults", "strict")
        if faults not in ("strict", "report"):
            self.fail("tolerance.faults", f"must be 'strict' or 'report', got {faults!r}")
        reason = self.raw.get("tolerance_reason")
        widened = reps != DEFAULT_REP_TOLERANCE or hold_s != DEFAULT_HOLD_TOLERANCE_S or faults != "strict"
        if widened and not reason:
            self.fail("tolerance_reason", "a widened tolerance needs a reason")
        assert reps is not None
        return Tolerance(reps, hold_s, faults == "strict", reason)


def load_suite(path: str | os.PathLike[str]) -> SuiteSpec:
    """Read an expectations file; track paths are resolved relative to it."""
    p = Path(path)
    if p.is_dir():
        p = p / "expected.yaml"
    if not p.is_file():
        raise InputError(f"sample suite expectations not found: {p}")
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InputError(f"cannot read {p}: {str(err).splitlines()[0]}") from err
    if not isinstance(doc, dict) or not isinstance(doc.get("clips"), list):
        raise InputError(f"{p}: expected a mapping with a 'clips' list")
    clips: list[ClipSpec] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["clips"]):
        entry = _Entry(p, f"clips[{i}]", raw)
        clip = entry.text("clip")
        key = entry.text("id", clip.removesuffix(".mp4"))
        if key in seen:
            entry.fail("id", f"duplicate entry {key!r} (give each entry of the same clip an 'id')")
        seen.add(key)
        person = entry.text("person", "auto")
        if person not in PERSON_CHOICES:
            entry.fail("person", f"must be one of {', '.join(PERSON_CHOICES)}")
        rep_times = tuple(entry.number(t, f"rep_times[{k}]") for k, t in enumerate(entry.items("rep_times")))
        clips.append(
            ClipSpec(
                key=key,
                clip=clip,
                track=p.parent / entry.text("track"),
                exercise=entry.text("exercise", clip.split("--", 1)[0]),
                reps=entry.rep_count(),
                rep_times=rep_times,
                holds=entry.spans("holds", "side", HOLD_SIDES),
                faults=entry.spans("faults", "id"),
                tolerance=entry.tolerance(),
                person=person,
                synthetic=bool(entry.raw.get("synthetic", False)),
                source=entry.raw.get("source") and entry.text("source"),
                added=None if entry.raw.get("added") is None else str(entry.raw["added"]),
            )
        )
    aliases = doc.get("fault_aliases") or {}
    if not isinstance(aliases, dict) or not all(isinstance(v, str) for v in aliases.values()):
        raise InputError(f"{p}: fault_aliases: must map rule fault ids to label fault ids")
    checked = _checked_faults(p, doc.get("checked_faults"), clips)
    untouched = doc.get("untouched_sources") or []
    if not isinstance(untouched, list) or not all(isinstance(u, str) for u in untouched):
        raise InputError(f"{p}: untouched_sources: must be a list of source names")
    return SuiteSpec(
        p, tuple(clips), checked, {str(k): v for k, v in aliases.items()}, frozenset(untouched)
    )


def _checked_faults(path: Path, raw: Any, clips: list[ClipSpec]) -> dict[str, frozenset[str]]:
    checked: dict[str, set[str]] = {}
    for c in clips:
        checked.setdefault(c.exercise, set()).update(f.label for f in c.faults)
    if raw is not None:
        if not isinstance(raw, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in raw.values()
        ):
            raise InputError(f"{path}: checked_faults: must map exercise ids to lists of fault ids")
        for exercise, ids in raw.items():
            checked.setdefault(str(exercise), set()).update(ids)
    return {k: frozenset(v) for k, v in checked.items()}
