"""Movements the rule refused as reps, and why: said as each happens (the engine's
``rep_refused`` event and a note on screen) and once more, counted, when the session ends.

A movement that went from rest to the rep's peak and back is not counted when the rule says it
was something else: a measure of its ``steady`` ranged too far (a heel lifted to walk away),
one of its ``reaches`` never went past its level, or one of its ``never`` did (a lunge's split
thighs, analysed as a squat). The count alone would then read "0 reps" with no reason; the
summary says how many were refused and by which measure, in the rule's own words.
"""

from __future__ import annotations

from collections import defaultdict

from formcheck.engine.reps import RepOutcome, reach_missed
from formcheck.engine.session import NoticeRecord
from formcheck.rules.describe import a_name, past_words, value_words, words
from formcheck.rules.model import Exercise

NOT_COUNTED = "not_counted"  # the notice's kind
TOLD = ("moved", "went_past", "not_reached")  # the refusals a user can learn from


class RefusedReps:
    """Collects the refused movements (``add``) and words them (``notices``)."""

    def __init__(self, exercise: Exercise) -> None:
        self.exercise = exercise
        # (reason, which) -> [(start, end)] of the movements refused so; ``which``: the position
        # of the measure in the rule's ``steady`` ("moved"), else in ``Reps.shape``
        self._spans: dict[tuple[str, int], list[tuple[float, float]]] = defaultdict(list)

    def add(self, outcome: RepOutcome) -> str | None:
        """Note a movement that was not counted; returns why in words when it was refused (for
        the moment it happens: "not counted: ..."), else None."""
        if outcome.reason not in TOLD or self.exercise.reps is None:
            return None
        which = self._which(outcome)
        if which is None:
            return None
        self._spans[(outcome.reason, which)].append((outcome.rep.start_s, outcome.end_s))
        return self._why(outcome.reason, which)

    def _which(self, outcome: RepOutcome) -> int | None:
        """The position of the measure the movement was refused by (see ``_spans``), as the
        counter recorded it."""
        reps, rep = self.exercise.reps, outcome.rep
        assert reps is not None
        if outcome.reason == "moved":
            return rep.moved_by
        if outcome.reason == "went_past":
            return rep.past_by
        return reach_missed(rep, reps.shape)

    def notices(self) -> list[NoticeRecord]:
        out = []
        for (reason, which), spans in self._spans.items():
            n = len(spans)
            what = f"{n} movement{'s' if n > 1 else ''} not counted as {'reps' if n > 1 else 'a rep'}"
            message = f"{what}: {self._why(reason, which)}"
            out.append(NoticeRecord(NOT_COUNTED, message, spans[0][0], spans[-1][1]))
        return out

    def _why(self, reason: str, which: int) -> str:
        ex = self.exercise
        reps = ex.reps
        assert reps is not None
        exercise = a_name(ex.name)
        if reason == "moved":
            st = reps.steady[which]
            amount = value_words(ex, st.measure, st.within)
            return f"{words(st.measure)} moved more than {amount}, where it stays put in {exercise}"
        level, _ = reps.shape[which]
        past = past_words(ex, level)
        if reason == "went_past":
            return f"{words(level.measure)} went {past}, which it does not in {exercise}"
        return f"{words(level.measure)} never went {past}, as it does in {exercise}"
