"""Validate a parsed routine document into a ``Routine``, in the rule files' error style.

The same ``Document`` (values with their lines) and the same checker as the rule files, so a
routine error reads like a rule error: ``file:line: field: what is wrong (did you mean …?)``
with the line and a caret under the bad value. Each entry's exercise is looked up among the
rules (bundled and the user's), and its dose overrides are checked against that rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from formcheck.routines import model as m
from formcheck.rules.model import Exercise
from formcheck.rules.schema import ID_RE, did_you_mean
from formcheck.rules.schema import _Checker as Checker
from formcheck.rules.yamlnodes import Document, PathKey

TOP_FIELDS = ("format", "id", "name", "description", "note", "rest_s", "exercises")
ENTRY_FIELDS = ("exercise", "reps", "hold_s", "sets", "per_side", "rest_s", "note")
MAX_REST_S = 600.0

# Looks up a rule by id: the rule, or None when there is no such id (``known`` lists the ids).
RuleLookup = Callable[[str], Exercise | None]


def build_routine(doc: Document, lookup: RuleLookup, known: list[str]) -> m.Routine:
    """The routine of ``doc``; every problem found on the way is reported together, by line."""
    c = Checker(doc)
    # Unknown fields are collected rather than raised: they are reported with the error that
    # stopped the check, so a misspelt field is not hidden behind what it caused.
    routine = c.attempt(lambda: _routine(c, doc, lookup, known), None)
    c.raise_collected()
    assert routine is not None  # a check that stopped always left its problem collected
    return routine


def _routine(c: Checker, doc: Document, lookup: RuleLookup, known: list[str]) -> m.Routine:
    top = c.mapping(doc.value, (), "a mapping with format, id, name, exercises at the top level")
    c.fields(top, (), TOP_FIELDS)
    fmt = c.require(top, "format", ())
    if isinstance(fmt, bool) or fmt != m.FORMAT_VERSION:
        raise c.fail(
            ("format",), f"unsupported format {fmt!r}; this formcheck reads routine format {m.FORMAT_VERSION}"
        )
    routine_id = c.text(c.require(top, "id", ()), ("id",))
    if not ID_RE.match(routine_id):
        raise c.fail(("id",), f"id '{routine_id}' must be lowercase words joined by '-' (like 'knee-basics')")
    stem = doc.path.name.rsplit(".", 1)[0]
    if routine_id != stem:
        raise c.fail(("id",), f"id '{routine_id}' must match the file name '{stem}'")
    name = c.text(c.require(top, "name", ()), ("name",))
    rest_s = _rest(c, top.get("rest_s", m.DEFAULT_REST_S), ("rest_s",))
    raw = c.require(top, "exercises", ())
    if not isinstance(raw, list):
        raise c.fail(("exercises",), "expected a list of exercises (- exercise: squat)")
    if not raw:
        raise c.fail(("exercises",), "the list of exercises is empty; a routine needs at least one")
    entries = tuple(_entry(c, item, ("exercises", i), lookup, known) for i, item in enumerate(raw))
    return m.Routine(
        id=routine_id,
        name=name,
        entries=entries,
        rest_s=rest_s,
        description=c.text(top["description"], ("description",)) if "description" in top else "",
        note=c.text(top["note"], ("note",)) if "note" in top else "",
        source=doc.path,
    )


def _rest(c: Checker, value: Any, path: PathKey) -> float:
    seconds = c.seconds(value, path)
    if seconds > MAX_REST_S:
        raise c.fail(path, f"a rest of {seconds:g} s is more than {MAX_REST_S:g} s; is it minutes?")
    return seconds


def _entry(c: Checker, raw: Any, path: PathKey, lookup: RuleLookup, known: list[str]) -> m.RoutineEntry:
    if isinstance(raw, str):  # "- squat" is a natural slip for "- exercise: squat"
        raise c.fail(path, f"expected a mapping like 'exercise: {raw}', got text")
    item = c.mapping(raw, path, "a mapping with 'exercise: ID' and optional dose overrides")
    c.fields(item, path, ENTRY_FIELDS)
    ex_path = (*path, "exercise")
    ex_id = c.text(c.require(item, "exercise", path), ex_path)
    rule = lookup(ex_id)
    if rule is None:
        raise c.fail(ex_path, f"unknown exercise '{ex_id}'{did_you_mean(ex_id, known)}")
    if "reps" in item and rule.reps is None:
        raise c.fail((*path, "reps"), f"{ex_id} is a timed hold: it has no reps to count (use hold_s)")
    if "hold_s" in item and rule.hold_target_s is None:
        raise c.fail((*path, "hold_s"), f"{ex_id} has no hold to time (its rule counts reps only)")
    per_side = None
    if "per_side" in item:
        per_side = c.boolean(item["per_side"], (*path, "per_side"))
    mark = c.doc.marks.get(path)
    return m.RoutineEntry(
        exercise=ex_id,
        reps=c.range_(item["reps"], (*path, "reps"), integer=True) if "reps" in item else None,
        hold_s=c.range_(item["hold_s"], (*path, "hold_s")) if "hold_s" in item else None,
        sets=c.range_(item["sets"], (*path, "sets"), integer=True) if "sets" in item else None,
        per_side=per_side,
        rest_s=_rest(c, item["rest_s"], (*path, "rest_s")) if "rest_s" in item else None,
        note=c.text(item["note"], (*path, "note")) if "note" in item else "",
        line=mark.line if mark else 0,
    )


__all__ = ["build_routine"]
