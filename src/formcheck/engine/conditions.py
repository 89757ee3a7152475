"""Compile rule conditions into closures over a dict of measure values.

Conditions are tri-state: True, False, or None (unknown, because a measure it reads is
unknown). ``all`` is False if any part is False, else unknown if any part is unknown; ``any``
is True if any part is True, else unknown if any part is unknown; ``not`` keeps unknown.
Only True ever counts, holds or fires.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from formcheck.rules.model import AllOf, AnyOf, Compare, Condition, NotOf

Values = Mapping[str, float | None]
Compiled = Callable[[Values], bool | None]


def compile_condition(cond: Condition) -> Compiled:
    if isinstance(cond, Compare):
        return _compare(cond)
    if isinstance(cond, NotOf):
        inner = compile_condition(cond.item)

        def negate(v: Values) -> bool | None:
            r = inner(v)
            return None if r is None else not r

        return negate
    if isinstance(cond, AllOf) and all(isinstance(c, Compare) for c in cond.items):
        return _all_compares(tuple(c for c in cond.items if isinstance(c, Compare)))
    parts = tuple(compile_condition(c) for c in cond.items)
    if isinstance(cond, AllOf):

        def all_of(v: Values) -> bool | None:
            unknown = False
            for p in parts:
                r = p(v)
                if r is False:
                    return False
                if r is None:
                    unknown = True
            return None if unknown else True

        return all_of
    assert isinstance(cond, AnyOf)

    def any_of(v: Values) -> bool | None:
        unknown = False
        for p in parts:
            r = p(v)
            if r is True:
                return True
            if r is None:
                unknown = True
        return None if unknown else False

    return any_of


def _all_compares(items: tuple[Compare, ...]) -> Compiled:
    """``all`` of comparisons only (the usual hold and ready conditions), in one function: the
    same result as ``all_of`` over ``_compare`` parts, without a call per part."""
    checks = tuple((c.measure, c.above, c.below) for c in items)

    def all_compares(v: Values) -> bool | None:
        unknown = False
        for name, lo, hi in checks:
            x = v[name]
            if x is None:
                unknown = True
            elif (lo is not None and not x > lo) or (hi is not None and not x < hi):
                return False
        return None if unknown else True

    return all_compares


def _compare(cond: Compare) -> Compiled:
    name, lo, hi = cond.measure, cond.above, cond.below
    if lo is not None and hi is not None:

        def between(v: Values) -> bool | None:
            x = v[name]
            return None if x is None else lo < x < hi

        return between
    if lo is not None:

        def above(v: Values) -> bool | None:
            x = v[name]
            return None if x is None else x > lo

        return above
    assert hi is not None

    def below(v: Values) -> bool | None:
        x = v[name]
        return None if x is None else x < hi

    return below


def measures_of(cond: Condition) -> set[str]:
    """Names of the measures a condition reads."""
    if isinstance(cond, Compare):
        return {cond.measure}
    if isinstance(cond, NotOf):
        return measures_of(cond.item)
    return set().union(*(measures_of(c) for c in cond.items))
