"""Fuzzing the rule loader: any input gives a valid exercise or a clear RuleError, never a crash."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formcheck.errors import RuleError
from formcheck.rules import rule_paths, validate_file

BUNDLED = sorted(rule_paths().values())
FIELD_WORDS = [
    "format", "id", "name", "view", "dose", "measures", "reps", "hold", "faults", "kind", "points",
    "side", "convention", "from", "per", "measure", "rest", "peak", "when", "above", "below", "all",
    "any", "not", "for_s", "phase", "severity", "message", "cue", "explain", "target_s", "sides",
    "knee", "hip", "ankle", "left_knee", "nearer", "each", "flexion", "side", "front",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(FIELD_WORDS),
    st.text(max_size=12),
)
trees = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(FIELD_WORDS) | st.text(max_size=6), children, max_size=5),
    ),
    max_leaves=25,
)


def _check(path: Path) -> None:
    try:
        exercise = validate_file(path)
    except RuleError as err:
        assert err.message.strip() and "\n" not in err.message
        return
    assert exercise.id and exercise.measures


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees)
def test_random_yaml_trees(tree: Any, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    _check(path)


def _mutate(doc: Any, rng: random.Random, replacement: Any) -> Any:
    """Replace, delete or retype one randomly chosen node of a parsed rule."""
    if isinstance(doc, dict) and doc:
        key = rng.choice(list(doc))
        action = rng.random()
        if action < 0.25:
            doc = {k: v for k, v in doc.items() if k != key}
        elif action < 0.5:
            doc = {**doc, key: replacement}
        elif action < 0.6:
            doc = {**doc, f"{key}x": doc[key]}
        else:
            doc = {**doc, key: _mutate(doc[key], rng, replacement)}
        return doc
    if isinstance(doc, list) and doc:
        i = rng.randrange(len(doc))
        return [*doc[:i], _mutate(doc[i], rng, replacement), *doc[i + 1 :]]
    return replacement


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.integers(0, max(len(BUNDLED) - 1, 0)),
    seed=st.integers(0, 2**32 - 1),
    replacement=scalars | trees,
    rounds=st.integers(1, 3),
)
def test_mutated_bundled_rules(which: int, seed: int, replacement: Any, rounds: int, tmp_path: Path) -> None:
    source = BUNDLED[which]
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    for _ in range(rounds):
        doc = _mutate(doc, rng, replacement)
    path = tmp_path / source.name  # keep the file name: the id must match it
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _check(path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_random_bytes(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "bytes.yaml"
    path.write_bytes(data)
    _check(path)
