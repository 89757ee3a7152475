"""The rep counter: a hysteresis state machine over one measure's progress (or several
measures' combined with a rule's ``and``/``or``), per side when asked.

Progress ``p`` maps the measure onto 0 at the rule's ``rest`` level and 1 at its ``peak`` level
(so rising and falling measures are handled alike). A rep is: leave rest (p > 0), reach the
peak (p ≥ 1), come back to rest (p ≤ 0), taking at least ``min_duration_s``. The wide gap between
the two levels is what stops jitter from double-counting: jitter around rest never reaches the
peak, jitter around the peak happens inside one rep. Counting starts only after the ready
position (rest, plus the rule's extra conditions) has been held for ``ready.hold_s`` (one
reading out of it, as likely the model's jitter, does not break the hold; two in a row do).

Per side (``sides: each``) only one side may be mid-rep at a time, and a side may start a rep
only from rest: a bilateral motion (both legs moving together) therefore counts once, for the
side that left rest first (the larger excursion on a tie), never on both. A side seen at rest once
the rep in progress is past its peak may start as soon as that rep ends (alternating taps overlap).
A side that leaves rest but never reaches its peak (a leg left on the floor, read a few degrees
off) gives way to a side that was at rest meanwhile: when that one reaches its peak, or when the
stray is back at rest (``_taken_over``). A side hidden for a moment stays as it was last seen.

Unknown values (a joint not seen) never move the machine. A rep in progress whose side stays
unknown is suspended (SUSPENDED_REP_MAX_S), and goes on where it is seen again; one lost on its
way back and seen again moving away from rest turned unseen: it ends there and the next rep is
under way (TURNED_UNSEEN_S). Waiting counters take the person up under way after a cut.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from math import exp

from formcheck.rules.model import Movement, Reach, Reps

PEAK_EXIT = 0.75  # once at the peak, stay there until p falls below this (hold-at-peak jitter)


@dataclass(slots=True)
class RepInProgress:
    side: str | None
    start_s: float
    last_known_s: float
    best_p: float = float("-inf")
    last_p: float = 0.0
    peak_t_s: float = 0.0
    peak_values: dict[str, float | None] = field(default_factory=dict)
    reached_peak: bool = False
    in_peak: bool = False
    hold_started: bool = False
    hold_start_s: float = 0.0
    hold_s: float = 0.0
    hold_counting: bool = False  # was the hold clock running on the previous frame (not paused)
    too_long: bool = False
    faults: set[str] = field(default_factory=set)
    seen_from_rest: bool = True  # False: first seen under way (after a cut, a dropout, the first frame)
    # Seen again after a gap, nearer rest than when lost (see TURNED_UNSEEN_S): (when, progress then,
    # lowest progress since). None otherwise.
    regained: tuple[float, float, float] | None = None
    # The other sides at rest when this rep began or seen at rest since, and when last
    # (see ``_taken_over``).
    rivals: dict[str | None, float] = field(default_factory=dict)
    back_at_rest_s: float | None = None  # the first reading just back at rest (BACK_AT_REST_SHARE)
    # the rule's ``steady`` measures: [lowest, highest] read in this rep so far, and the position
    # of the first that ranged further than it may (then the rep was something else: the person
    # stepped away)
    steady_ranges: dict[str, list[float]] = field(default_factory=dict)
    moved_by: int | None = None
    # the rule's ``reaches`` and ``never`` levels (by position in ``Reps.shape``): how many readings
    # in a row each has been past in this rep (absent: not read in it; SHAPE_READINGS: it went
    # past), and the first ``never`` one that went past
    past_in_a_row: dict[int, int] = field(default_factory=dict)
    past_by: int | None = None


@dataclass(frozen=True, slots=True)
class RepOutcome:
    """A rep that ended: counted (``counted``) or abandoned/too quick/never reached the peak."""

    rep: RepInProgress
    end_s: float
    counted: bool
    # "counted", "no_peak", "too_fast", "too_slow", "lost", "moved", "not_reached", "went_past"
    reason: str


FINISH_COUNTS_BELOW = 0.5

# A rep reading only just back at rest (within this share of the gap between the rule's levels,
# the model's jitter as OWN_REST_STILL_SHARE) ends only if the next reading is at rest too, and
# then at the first one: while the person is nearly back, or moves slowly low in the rep, one
# such reading is as likely the model's jitter as the return (its error is independent frame to
# frame), and ending there cut the rep short or split one rep into two.
# A reading clearly back at rest ends the rep at once, so a quick touch-and-go rep at 15 fps
# (one frame clearly at rest between two reps) is still two.
BACK_AT_REST_SHARE = 0.25

# A rep first seen under way (the person re-found after a cut or dropout, or the recording
# starting mid-rep) was seen for only part of its length, so its seen part needs only this share
# of ``min_duration_s`` (a descent and a return take about the same time: half of it is seen).
UNSEEN_START_SHARE = 0.5

# A recording that opens past the rep's peak level has seen that rep's bottom only if the reading
# then goes this share of the gap between the rule's levels further (past the model's jitter, a
# quarter of the gap as OWN_REST_STILL_SHARE): opening on the way down, before the lowest point,
# it sees the bottom and the way back, which is a rep; opening at the lowest point, or crouched
# while getting into position, it sees only a way up, which is not. It must read that deep on two
# readings in a row: one frame's reading is as likely the model's jitter (its error is independent
# from frame to frame, and a 15 fps camera's frames are too far apart for anything to smooth it),
# while a descent goes on for a good part of a second.
BOTTOM_SEEN_SHARE = 0.25

# A rule's ``reaches`` or ``never`` level counts as gone past on this many readings in a row:
# one frame's reading is as likely the model's error as the movement (see BOTTOM_SEEN_SHARE), and
# at a camera cut, where the pose jumps, one frame can read a leg anywhere.
SHAPE_READINGS = 2

# How long a rep in progress survives the person being unseen (past the rule's dropout grace,
# the rep is suspended, not dropped): seen again under way it goes on, seen back at rest it is
# complete if it had reached its peak. The programme's tempo is 2-3 s down and up with holds at
# the peak of up to 10 s, so a gap longer than this is longer than a whole rep: the rep is lost.
# A rule's ``max_duration_s`` bounds it further.
SUSPENDED_REP_MAX_S = 12.0

# A rep under way for longer than a whole rep of the programme (as SUSPENDED_REP_MAX_S, plus the
# rule's hold at the peak) was not a rep but a change of position kept: the person lay down after
# setting up, or a camera moved. Where the levels are changes from the person's resting level
# (``from_rest_level``), a resting level learnt before that change would make every later reading
# look raised and the rep never end: it ends there, uncounted ("too_slow"), and the resting levels
# are learnt afresh from the position the person is in now. (With the rule's own levels there is
# nothing to learn again: the rep ends when the reading comes back to rest, as before.)
# A rule's ``max_duration_s`` bounds it further.
POSITION_CHANGE_S = SUSPENDED_REP_MAX_S

# A rep lost on its way back and seen again after a gap of more than this, nearer rest, may have
# turned unseen: the person came back and went on into the next rep. If the reading then moves away
# from rest again (by TURN_SHARE of the gap between the levels, past the model's jitter as
# OWN_REST_STILL_SHARE), the turn was in the gap: the rep ends there and the next one is under
# way. Counted only when the lost rep was past its peak and more than half way back, the same
# evidence as a rep whose return the end of the clip cut off (``nearly_done``).
TURNED_UNSEEN_S = 0.25
TURN_SHARE = 0.25

# The hold at a rep's peak counts the time between two frames only when they are this close:
# a joint hidden for a while pauses the hold clock (neither ends nor credits it).
HOLD_FRAME_GAP_S = 0.25

# How far back the resting level looks (``from_rest_level``): longer than the still moments
# between reps, shorter than the drift of a hand-held camera.
REST_LEVEL_WINDOW_S = 2.0


# The resting level follows a slowly smoothed copy of the measure, so one noisy low frame
# does not drag it down (and leave every later frame looking "raised").
REST_LEVEL_SMOOTHING_S = 0.25


class RestLevel:
    """The resting level of a measure: the lowest value (highest, for a falling measure) of its
    slowly smoothed copy over the last ``REST_LEVEL_WINDOW_S`` seconds, kept with a monotonic
    queue (O(1) a frame).

    Frozen while a rep is in progress, so holding the peak never lifts it. Time-based, so the
    same at any frame rate."""

    __slots__ = ("_last_t", "_queue", "_sign", "_smooth")

    def __init__(self, rising: bool) -> None:
        self._sign = 1.0 if rising else -1.0  # track the minimum of sign * value
        self._queue: deque[tuple[float, float]] = deque()
        self._smooth: float | None = None
        self._last_t = 0.0

    def push(self, t_s: float, value: float) -> None:
        if self._smooth is None or t_s - self._last_t > REST_LEVEL_WINDOW_S:
            self._smooth = value
        else:
            alpha = 1.0 - math.exp(-(t_s - self._last_t) / REST_LEVEL_SMOOTHING_S)
            self._smooth += alpha * (value - self._smooth)
        self._last_t = t_s
        v = self._sign * self._smooth
        q = self._queue
        while q and q[-1][1] >= v:
            q.pop()
        q.append((t_s, v))
        while q[0][0] < t_s - REST_LEVEL_WINDOW_S:
            q.popleft()

    def forget(self) -> None:
        """No resting level until the next readings set one again."""
        self._queue.clear()
        self._smooth = None

    @property
    def level(self) -> float | None:
        return self._sign * self._queue[0][1] if self._queue else None


# The person's own resting reading (``OwnRest``): the measure's smoothed value while it keeps
# still. Still: its mean deviation from the smoothed value under this share of the rule's gap
# between rest and peak (jitter of a held position is a few degrees; a rep moves through the
# whole gap). A reading more than half way from rest to peak is never a resting position.
OWN_REST_STILL_SHARE = 0.25
OWN_REST_MAX_PROGRESS = 0.5
OWN_REST_SMOOTHING_S = 0.3
# Past the person's own resting reading, the rest level sits this share of the gap further on,
# so that the jitter of their resting position stays "at rest" (as PEAK_EXIT does at the peak).
OWN_REST_MARGIN_SHARE = 0.25


class OwnRest:
    """The person's own resting reading of one measure on one side, learnt while it is still
    and not in a rep. A standing knee that reads 37° in a wide stance, hips that read 52° lying
    down: where that reading lies past the rule's ``rest``, the levels move with it (the rule's
    numbers stay the bounds: rest never moves toward the person's way to the peak by more than
    half the gap, the peak stays at least the rule's gap past their rest).

    Its state only: ``MovementProgress`` updates it on every frame at rest (the update spelled out
    there, since it runs for every movement and side on every such frame): ``smooth`` follows the
    reading (time constant OWN_REST_SMOOTHING_S), ``dev`` its mean deviation from it, and
    ``level`` takes ``smooth`` while ``dev`` is under OWN_REST_STILL_SHARE and ``smooth`` under
    OWN_REST_MAX_PROGRESS. A gap of more than a second starts it afresh."""

    __slots__ = ("dev", "last_t", "level", "smooth")

    def __init__(self) -> None:
        self.smooth: float | None = None
        self.dev = 0.0
        self.last_t = 0.0
        self.level: float | None = None  # in progress units of the rule's levels


class MovementProgress:
    """One movement's progress: 0 at its rest level, 1 at its peak level (for ``from_rest_level``
    movements, levels taken as changes from each side's resting level; otherwise the rule's
    levels, moved along with the person's own resting reading where it lies past them)."""

    __slots__ = ("measure", "own", "rest", "rest_levels", "span")

    def __init__(self, movement: Movement, sides: tuple[str | None, ...]) -> None:
        self.measure = movement.measure
        self.rest, self.span = movement.rest, movement.peak - movement.rest
        self.rest_levels = (
            {s: RestLevel(movement.rising) for s in sides} if movement.from_rest_level else None
        )
        self.own = {s: OwnRest() for s in sides} if not movement.from_rest_level else None

    def __call__(self, side: str | None, t_s: float, value: float | None, frozen: bool) -> float | None:
        """``frozen``: a rep is in progress, so the resting level must not follow the measure
        (holding the peak would lift it)."""
        if value is None:
            return None
        levels = self.rest_levels
        if levels is None:
            p = (value - self.rest) / self.span
            own = self.own[side]  # type: ignore[index]
            if not frozen:
                # the person's own resting reading follows this one (see OwnRest)
                smooth = own.smooth
                if smooth is None or t_s - own.last_t > 1.0:
                    own.smooth, own.dev, own.last_t = p, OWN_REST_STILL_SHARE, t_s
                else:
                    alpha = 1.0 - exp(-(t_s - own.last_t) / OWN_REST_SMOOTHING_S)
                    own.last_t = t_s
                    smooth += alpha * (p - smooth)
                    own.smooth = smooth
                    dev = own.dev = own.dev + alpha * (abs(p - smooth) - own.dev)
                    if dev < OWN_REST_STILL_SHARE and smooth < OWN_REST_MAX_PROGRESS:
                        own.level = smooth
            level = own.level
            if level is None or level <= 0.0:
                return p
            # rest moves to just past the person's own reading, the peak keeps the rule's gap
            # from it: p' = (p - (level + margin)) / (1 + level - (level + margin))
            return (p - level - OWN_REST_MARGIN_SHARE) / (1.0 - OWN_REST_MARGIN_SHARE)
        tracker = levels[side]
        if not frozen:
            tracker.push(t_s, value)
        level = tracker.level
        return None if level is None else (value - level - self.rest) / self.span


def _at_rest(p_by_side: dict[str | None, float | None]) -> bool:
    """Every side that is seen is at rest, and one is seen at least. A side hidden behind the
    other (the far leg, side-on) must not keep counting from ever starting; it is armed only once
    it is seen at rest."""
    seen = False
    for p in p_by_side.values():
        if p is None:
            continue
        if not p <= 0:
            return False
        seen = True
    return seen


def _all_at_peak(ps: list[float | None]) -> float | None:
    """``and`` of movements: the least advanced one. Unknown if one is unknown, unless a known one
    is already at rest (then the combination is at rest whatever the unknown one does)."""
    lowest: float | None = None
    unknown = False
    for p in ps:
        if p is None:
            unknown = True
        elif lowest is None or p < lowest:
            lowest = p
    if unknown and (lowest is None or lowest > 0):
        return None
    return lowest


def _any_at_peak(ps: list[float | None]) -> float | None:
    """``or`` of movements: the most advanced one. Unknown if one is unknown, unless a known one
    is already at its peak."""
    highest: float | None = None
    unknown = False
    for p in ps:
        if p is None:
            unknown = True
        elif highest is None or p > highest:
            highest = p
    if unknown and (highest is None or highest < 1):
        return None
    return highest


def reach_missed(rep: RepInProgress, shape: tuple[tuple[Reach, bool], ...]) -> int | None:
    """The position in ``shape`` (``Reps.shape``) of the first ``reaches`` level read in ``rep``
    that it never went past (None: every one read went past). Unread counts neither way."""
    counts = rep.past_in_a_row
    for i, (_, never) in enumerate(shape):
        if not never and counts.get(i, SHAPE_READINGS) < SHAPE_READINGS:
            return i
    return None


class RepCounter:
    def __init__(
        self, reps: Reps, sides: tuple[str | None, ...], grace_s: float, opens_recording: bool = True
    ) -> None:
        """``opens_recording``: the first frame is where the recording begins, so a rep may be
        seen from part-way (the camera started late, the clip was cut from a longer one). False
        where the person was in view before this counter began (a routine's next set, started
        the moment the last one ended): a reading already under way then is the exercise before,
        not a rep of this one, and counting awaits the start position."""
        self.rule = reps
        self._opens_recording = opens_recording
        self.sides = sides
        self.grace_s = grace_s
        self.waiting = True
        self.active: RepInProgress | None = None
        self._ready_since: float | None = None
        self._ready_lapsed = False  # the last reading broke the start position (see _update_waiting)
        self._armed: dict[str | None, bool] = dict.fromkeys(sides, False)
        self._last_rest_s: dict[str | None, float] = {}
        self._last_known_s: float | None = None
        self._prev_s: float | None = None
        # Re-acquisition: counting had started when the person was lost, so when they are seen
        # again no start position is needed (they were in it); a rep seen under way counts.
        self._resume = False
        self._ever_known = False  # the counted measure has been seen: the next sight is not the first
        # The recording opened past the peak level: (the side, its progress then, when); see
        # BOTTOM_SEEN_SHARE.
        self._opening: tuple[str | None, float, float] | None = None
        self._deeper = False  # the opening side's last reading was that much deeper (ditto)
        self._max_gap_s = min(SUSPENDED_REP_MAX_S, reps.max_duration_s or SUSPENDED_REP_MAX_S)
        # past this a rep under way was a change of position (POSITION_CHANGE_S); only where
        # there is a resting level to learn again
        longest = POSITION_CHANGE_S + (reps.hold.target_s if reps.hold is not None else 0.0)
        self._position_change_s = (
            min(longest, reps.max_duration_s or longest) if reps.main.from_rest_level else None
        )
        self.known = False  # was the counted measure known on this frame (any side)
        self.main = MovementProgress(reps.main, sides)
        self._others = tuple(MovementProgress(mv, sides) for mv in (*reps.and_also, *reps.or_else))
        self._combine = _all_at_peak if reps.and_also else _any_at_peak
        self._instead = tuple(MovementProgress(mv, sides) for mv in reps.instead)
        self._steady = tuple((st.measure, st.within) for st in reps.steady)
        self._shape = reps.shape

    def progress(self, side: str | None, t_s: float, values: dict[str, float | None]) -> float | None:
        """The progress of the rep on ``side`` this frame, from that side's measure values
        (every movement follows a resting level, the person's own or ``from_rest_level``'s)."""
        frozen = self.active is not None
        main = self.main
        p = main(side, t_s, values[main.measure], frozen)
        if self._instead:
            # each read every frame, so its resting level follows its measure; the first one
            # known stands in for the main movement while that one is unknown
            for mv in self._instead:
                q = mv(side, t_s, values[mv.measure], frozen)
                if p is None:
                    p = q
            return p
        if not self._others:
            return p
        # every movement is read each frame, so each resting level keeps following its measure
        ps = [p]
        for mv in self._others:  # (a loop, not a generator: this runs per side on every frame)
            ps.append(mv(side, t_s, values[mv.measure], frozen))
        return self._combine(ps)

    @property
    def phase(self) -> str:
        if self.waiting:
            return "waiting"
        if self.active is None:
            return "rest"
        if self.active.in_peak:
            return "hold" if self.rule.hold is not None else "peak"
        return "moving"

    def update(
        self,
        t_s: float,
        p_by_side: dict[str | None, float | None],
        values_by_side: dict[str | None, dict[str, float | None]],
        ready_ok: bool | None,
        paused: bool = False,
    ) -> list[RepOutcome]:
        """``paused``: a warning/stop fault is firing, so the hold at the peak does not count."""
        prev_s, self._prev_s = self._prev_s, t_s
        self.known = False
        for p in p_by_side.values():
            if p is not None:
                self.known = True
                break
        if self.known:
            self._last_known_s = t_s
        if self.active is not None:
            return self._update_active(t_s, prev_s, p_by_side, values_by_side, paused)
        if self.waiting:
            self._update_waiting(t_s, p_by_side, values_by_side, ready_ok)
            return []
        if not self.known:
            if self._last_known_s is None or t_s - self._last_known_s > self.grace_s:
                self._to_waiting(resume=True)
            return []
        starters = [(p, s) for s, p in p_by_side.items() if p is not None and p > 0 and self._armed[s]]
        for s, p in p_by_side.items():
            if p is None:
                # hidden for a frame or two (its visibility flickering about the rule's limit):
                # still armed, as last seen at rest; hidden longer than the grace, it must be
                # seen at rest again
                if self._armed[s] and t_s - self._last_rest_s.get(s, t_s) > self.grace_s:
                    self._armed[s] = False
                continue
            self._armed[s] = p <= 0
            if p <= 0:
                self._last_rest_s[s] = t_s
        if starters:
            p, side = max(starters, key=lambda ps: ps[0])
            start = self._last_rest_s.get(side, t_s) if prev_s is not None else t_s
            self.active = RepInProgress(side=side, start_s=min(start, t_s), last_known_s=t_s)
            if len(p_by_side) > 1:  # the other sides at rest now (or a moment ago, hidden since)
                self.active.rivals = {
                    s: self._last_rest_s[s] for s in p_by_side if s != side and self._armed[s]
                }
            self._advance(self.active, t_s, None, p, values_by_side[side])
        return []

    def nearly_done(self) -> RepOutcome | None:
        """The rep in progress when the stream ends, if it is past its peak and more than half way
        back to rest (a clip cut on the way up): counted, as the person evidently completed it."""
        rep = self.active
        if (
            rep is None
            or not rep.reached_peak
            or rep.too_long
            or rep.moved_by is not None
            or not self._shaped(rep)
        ):
            return None
        # "Half way back" on the rep's own range, from the furthest it went to the rest level:
        # a deep rep (a clamshell opened twice the rule's peak) is well on its way back while
        # still past the rule's peak level.
        back = (rep.best_p - rep.last_p) / rep.best_p if rep.best_p > 0 else 0.0
        if back <= 1.0 - FINISH_COUNTS_BELOW or rep.last_known_s - rep.start_s < self.rule.min_duration_s:
            return None
        return RepOutcome(rep, rep.last_known_s, True, "counted")

    def _update_waiting(
        self,
        t_s: float,
        p_by_side: dict[str | None, float | None],
        values_by_side: dict[str | None, dict[str, float | None]],
        ready_ok: bool | None,
    ) -> None:
        first_sight = False
        if self.known:
            first_sight, self._ever_known = not self._ever_known, True
        if first_sight and ready_ok is True and _at_rest(p_by_side):
            # The recording opens on the person already in the start position: they got into it
            # before it began (a camera started late, a clip cut from a longer one), so there was
            # no getting into position to see and the hold would only drop a rep begun within
            # ``ready.hold_s`` of the first frame. Counting starts at once, as after a dropout.
            self._start_counting(t_s, p_by_side)
            return
        if (
            self.known
            and (self._resume or (first_sight and self._opens_recording))
            and ready_ok is not False
            and self._start_seen_under_way(t_s, p_by_side, values_by_side, first_sight)
        ):
            return
        if self._opening is not None and self._opening_goes_deeper(t_s, p_by_side, values_by_side):
            return
        if ready_ok is True and _at_rest(p_by_side):
            self._ready_lapsed = False
            if self._ready_since is None:
                self._ready_since = t_s
            if t_s - self._ready_since >= self.rule.ready.hold_s:
                self._start_counting(t_s, p_by_side)
        elif self._ready_since is not None and not self._ready_lapsed:
            # one reading out of the start position is as likely the model's jitter as a move
            # (see BOTTOM_SEEN_SHARE): the hold goes on, and ends if the next reading is out too
            self._ready_lapsed = True
        else:
            self._ready_since = None

    def _start_seen_under_way(
        self,
        t_s: float,
        p_by_side: dict[str | None, float | None],
        values_by_side: dict[str | None, dict[str, float | None]],
        first_sight: bool,
    ) -> bool:
        """The person seen again after being lost (or for the first time): counting resumes at
        once, and a rep already under way is taken up where it is seen. On the very first sight
        a rep already past its peak counts only if it goes on deeper: a clip that opens at the
        lowest point of a squat has not seen that rep's bottom. Returns whether counting resumed."""
        moving = [(p, s) for s, p in p_by_side.items() if p is not None and p > 0]
        if first_sight:
            # Taken up only when clearly on its way: past half way to the peak (a reading short
            # of that may be the person's own resting position, see OwnRest); one already past
            # the peak counts only if its bottom is seen (BOTTOM_SEEN_SHARE).
            best, best_side = max(moving, key=lambda ps: ps[0]) if moving else (0.0, None)
            if best >= 1.0:
                self._opening = (best_side, best, t_s)
            if not OWN_REST_MAX_PROGRESS <= best < 1.0:
                return False
        self._start_counting(t_s, p_by_side)
        if moving:
            p, side = max(moving, key=lambda ps: ps[0])
            start_s = t_s if self._opening is None else self._opening[2]
            self.active = RepInProgress(side=side, start_s=start_s, last_known_s=t_s, seen_from_rest=False)
            self._advance(self.active, t_s, None, p, values_by_side[side])
        return True

    def _opening_goes_deeper(
        self,
        t_s: float,
        p_by_side: dict[str | None, float | None],
        values_by_side: dict[str | None, dict[str, float | None]],
    ) -> bool:
        """The recording opened past the peak level: once the side that opened there goes clearly
        deeper (BOTTOM_SEEN_SHARE, on two readings in a row), the rep's bottom is seen and it is
        taken up (counted when it is back at rest); once that side is back at rest, or nobody is
        seen, it was not a rep and the start position is awaited as usual. The other sides are not
        asked: the leg left lying on the floor is at rest while the other one lifts. Returns
        whether counting started."""
        assert self._opening is not None
        side, opened_p, _ = self._opening
        if all(p is None for p in p_by_side.values()):
            self._opening, self._deeper = None, False
            return False
        p = p_by_side.get(side)
        if p is None:
            return False  # that side hidden for a moment: its rep neither starts nor ends
        if p <= 0:
            self._opening, self._deeper = None, False
            return False
        if p < opened_p + BOTTOM_SEEN_SHARE:
            self._deeper = False
            return False
        if not self._deeper:  # the first reading that deep: the next one must be too
            self._deeper = True
            return False
        self._start_seen_under_way(t_s, p_by_side, values_by_side, first_sight=False)
        self._opening, self._deeper = None, False
        return True

    def _start_counting(self, t_s: float, p_by_side: dict[str | None, float | None]) -> None:
        """Counting starts now: the sides seen at rest may start a rep, the others (hidden, or
        already under way) must first be seen at rest."""
        self.waiting = self._resume = False
        self._ready_since = None
        self._armed = {s: p is not None and p <= 0 for s, p in p_by_side.items()}
        self._last_rest_s = {s: t_s for s, p in p_by_side.items() if p is not None and p <= 0}

    def _to_waiting(self, resume: bool = False) -> None:
        self.waiting = True
        self._ready_since = None
        self._armed = dict.fromkeys(self.sides, False)
        self._resume = resume

    def _update_active(
        self,
        t_s: float,
        prev_s: float | None,
        p_by_side: dict[str | None, float | None],
        values_by_side: dict[str | None, dict[str, float | None]],
        paused: bool,
    ) -> list[RepOutcome]:
        rep = self.active
        assert rep is not None
        rival_at_peak = False
        for s, other_p in p_by_side.items():
            if s == rep.side:
                continue
            # The other sides must pass through rest before they start: until this rep's peak,
            # one leaving rest with it is the same bilateral movement (never counted twice). Past
            # its peak, a side seen at rest is a movement of its own, taken up once this rep
            # ends: quick alternating taps overlap, one leg leaving as the other comes back.
            if not rep.reached_peak:
                self._armed[s] = False
                if other_p is not None:
                    if other_p <= 0:
                        rep.rivals[s] = t_s
                    elif other_p >= 1.0 and s in rep.rivals:
                        rival_at_peak = True
            elif other_p is not None and other_p <= 0:
                self._armed[s] = True
                self._last_rest_s[s] = t_s
        if rival_at_peak:
            return self._taken_over(t_s, rep, p_by_side, values_by_side)
        p = p_by_side[rep.side]
        if p is None:
            if t_s - rep.last_known_s > self._max_gap_s:
                self.active = None
                self._to_waiting(resume=True)
                return [RepOutcome(rep, rep.last_known_s, False, "lost")]
            return []  # suspended: seen again, it goes on where it is

        was_known_s = rep.last_known_s
        if t_s - was_known_s > TURNED_UNSEEN_S and self._more_than_half_back(rep) and 0 < p < rep.last_p:
            rep.regained = (t_s, p, p)
        if rep.regained is not None:
            turned = self._turned_unseen(rep, t_s, p, values_by_side[rep.side])
            if turned is not None:
                return turned
        rep.last_known_s = t_s
        self._advance(
            rep, t_s, was_known_s if prev_s is not None else None, p, values_by_side[rep.side], paused
        )
        max_dur = self.rule.max_duration_s
        if max_dur is not None and t_s - rep.start_s > max_dur:
            rep.too_long = True
        if p > 0:
            rep.back_at_rest_s = None
            limit = self._position_change_s
            if limit is not None and t_s - rep.start_s > limit:
                return self._position_changed(t_s, rep)
            return []
        if rep.back_at_rest_s is None and p > -BACK_AT_REST_SHARE:
            rep.back_at_rest_s = t_s  # the rep ends on the next reading if it is at rest too
            return []
        if rep.back_at_rest_s is not None:
            t_s = rep.back_at_rest_s  # it ended when it first came back
        self.active = None
        self._armed[rep.side] = True
        self._last_rest_s[rep.side] = t_s
        duration = t_s - rep.start_s
        if not rep.reached_peak:
            reason = "no_peak"
            # what strayed from rest was no rep: the sides seen at rest meanwhile may start one
            # now, from then (the kicking leg left rest while the other one strayed)
            for s, since in rep.rivals.items():
                self._armed[s] = True
                self._last_rest_s[s] = since
        else:
            reason = self._judged(rep, duration)
        return [RepOutcome(rep, t_s, reason == "counted", reason)]

    def _shaped(self, rep: RepInProgress) -> bool:
        """The rep had the rule's shape: each ``reaches`` measure read in it went past its level,
        no ``never`` measure did."""
        return rep.past_by is None and reach_missed(rep, self._shape) is None

    def _judged(self, rep: RepInProgress, duration: float) -> str:
        """Why a rep that reached its peak and ended after ``duration`` counts, or does not."""
        if rep.too_long:
            return "too_slow"
        if rep.moved_by is not None:
            return "moved"
        if rep.past_by is not None:
            return "went_past"
        if not self._shaped(rep):
            return "not_reached"
        if duration < self.rule.min_duration_s * (1.0 if rep.seen_from_rest else UNSEEN_START_SHARE):
            return "too_fast"
        return "counted"

    def _taken_over(
        self,
        t_s: float,
        rep: RepInProgress,
        p_by_side: dict[str | None, float | None],
        values_by_side: dict[str | None, dict[str, float | None]],
    ) -> list[RepOutcome]:
        """Before its peak, the rep in progress gives way to another side that went from rest to
        its peak meanwhile: that side is the one exercising. The leg left on the floor, read
        near its rest level (the far leg, half hidden, jitters by several degrees), may stray
        past it first; taken for a rep, it kept the kicking leg from starting one until it was
        back at rest, and the kick went uncounted. The side that strayed ends uncounted, as a
        rep that never reached its peak; the new rep began when its side was last at rest.
        (A bilateral movement still counts once: for whichever side reached its peak first.)"""
        p, side = max(
            ((p, s) for s in rep.rivals if (p := p_by_side.get(s)) is not None and p >= 1.0),
            key=lambda ps: ps[0],
        )
        self.active = RepInProgress(side=side, start_s=rep.rivals[side], last_known_s=t_s)
        self._advance(self.active, t_s, None, p, values_by_side[side])
        return [RepOutcome(rep, t_s, False, "no_peak")]

    def _position_changed(self, t_s: float, rep: RepInProgress) -> list[RepOutcome]:
        """The rep under way lasted longer than any rep: the person is in a new position, which
        becomes their rest (POSITION_CHANGE_S)."""
        self.active = None
        for movement in (self.main, *self._others):
            for tracker in (movement.rest_levels or {}).values():
                tracker.forget()
        self._to_waiting(resume=True)
        return [RepOutcome(rep, t_s, False, "too_slow")]

    def _more_than_half_back(self, rep: RepInProgress) -> bool:
        """Past its peak and more than half way back from the furthest it went (FINISH_COUNTS_BELOW)."""
        if not rep.reached_peak or rep.best_p <= 0:
            return False
        return (rep.best_p - rep.last_p) / rep.best_p > 1.0 - FINISH_COUNTS_BELOW

    def _turned_unseen(
        self, rep: RepInProgress, t_s: float, p: float, values: dict[str, float | None]
    ) -> list[RepOutcome] | None:
        """A rep seen again after a gap (``regained``): if the reading now moves away from rest
        past where it was regained, it turned in the gap: the rep ends there (judged as any other)
        and the next one is under way from then. If it goes on clearly toward rest, it is the
        same rep coming back. Returns the ended rep, or None while it cannot be told."""
        assert rep.regained is not None
        since_s, first_p, lowest = rep.regained
        lowest = min(lowest, p)
        if lowest < first_p - TURN_SHARE:
            rep.regained = None  # seen coming on back: the same rep
            return None
        rep.regained = (since_s, first_p, lowest)
        if p <= first_p + TURN_SHARE:
            return None
        reason = self._judged(rep, since_s - rep.start_s)
        self.active = RepInProgress(side=rep.side, start_s=since_s, last_known_s=t_s, seen_from_rest=False)
        self._advance(self.active, t_s, None, p, values)
        return [RepOutcome(rep, since_s, reason == "counted", reason)]

    def _advance(
        self, rep: RepInProgress, t_s: float, prev_known_s: float | None, p: float,
        values: dict[str, float | None], paused: bool = False,
    ) -> None:  # fmt: skip
        was_in_peak = rep.in_peak
        rep.last_p = p
        if p > rep.best_p:
            rep.best_p, rep.peak_t_s, rep.peak_values = p, t_s, dict(values)
        if self._steady and rep.moved_by is None:
            ranges = rep.steady_ranges
            for i, (name, within) in enumerate(self._steady):
                v = values.get(name)
                if v is None:
                    continue  # unseen: neither moved nor still
                r = ranges.get(name)
                if r is None:
                    ranges[name] = [v, v]
                    continue
                if v < r[0]:
                    r[0] = v
                elif v > r[1]:
                    r[1] = v
                if r[1] - r[0] > within and rep.moved_by is None:
                    rep.moved_by = i
        if self._shape:
            counts = rep.past_in_a_row
            for i, (level, never) in enumerate(self._shape):
                v = values.get(level.measure)
                n = counts.get(i, 0)
                if v is None or n >= SHAPE_READINGS:
                    continue  # unseen: neither way; gone past: for good
                counts[i] = n = n + 1 if level.past(v) else 0
                if never and n >= SHAPE_READINGS and (rep.past_by is None or i < rep.past_by):
                    rep.past_by = i
        if not rep.in_peak and p >= 1.0:
            rep.in_peak = rep.reached_peak = True
        elif rep.in_peak and p < PEAK_EXIT:
            rep.in_peak = False
        if rep.in_peak and self.rule.hold is not None:
            if not rep.hold_started:
                rep.hold_started, rep.hold_start_s = True, t_s
            counting = not paused  # the time since the last frame counts if both frames counted
            if (
                was_in_peak
                and prev_known_s is not None
                and counting
                and rep.hold_counting
                and t_s - prev_known_s <= HOLD_FRAME_GAP_S
            ):
                rep.hold_s += t_s - prev_known_s
            rep.hold_counting = counting
