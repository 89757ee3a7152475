"""The per-frame annotator: skeleton, the joints the rule reads with their live values, rep and
set progress, the hold clock, the current cue or fault, and guidance when the rule cannot see
what it needs.

Used for the live window and for burning the annotated video, so it draws with OpenCV only and
costs a few milliseconds per 720p frame. Sizes scale with the frame's shorter side, so the
text reads the same in 720p, 1080p and portrait video, and from 3 m on a laptop (the count,
the cue and the hold clock; see README "Reading the overlay from 3 m").

Every number is labelled in a runner's words ("knee 92°"); ratios of body sizes are not shown
as numbers (the joints turn amber or red instead). Banners go in the top or the bottom band,
whichever is clear of the joints being judged. The joints change colour the frame their value
crosses a fault's limit, and a cue is taken down the frame its value is back within limits (the
engine keeps a fault open a little longer, so that one noisy frame does not split it).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import cv2
import numpy as np

from formcheck.engine.conditions import compile_condition
from formcheck.engine.faults import PHASE_MATCH
from formcheck.landmarks import INDEX, SKELETON
from formcheck.pose import VISIBILITY
from formcheck.render.text import put_text, text_size, wrap
from formcheck.rules.model import DEFAULT_READY_MESSAGE

if TYPE_CHECKING:
    from formcheck.engine.report import ActiveFault, FrameReport
    from formcheck.rules.model import Condition, Exercise

BGR = tuple[int, int, int]

GOOD: BGR = (90, 205, 70)
WARNING: BGR = (0, 175, 255)
STOP: BGR = (60, 60, 235)
INFO: BGR = (235, 190, 90)
WHITE: BGR = (255, 255, 255)
FAINT: BGR = (120, 120, 120)
ACCENT: BGR = (255, 215, 0)  # cyan-ish: the joints the rule reads
SEVERITY_COLOR: dict[str, BGR] = {"stop": STOP, "warning": WARNING, "info": INFO}
SEVERITY_RANK = {"stop": 0, "warning": 1, "info": 2}

# How long the rep count stays green after a rep is counted.
REP_FLASH_S = 0.8
# Landmarks drawn as dots: the nose and the body (the face's ten points are clutter).
_BODY_POINTS = (0, *range(11, 33))
_BONES = tuple((INDEX[a], INDEX[b]) for a, b in SKELETON)
_SAME_SIDE_BONES = tuple((INDEX[a], INDEX[b]) for a, b in SKELETON if a.split("_")[0] == b.split("_")[0])
_PANEL_DARKEN = 0.35
# Notices shown as a small note in the corner instead of replacing the numbers: counting goes
# on under them (a few frames a second still count a slow rep).
SOFT_NOTICES = frozenset({"multiple_people", "exercise_mismatch", "frame_rate", "not_counted"})


Box = tuple[int, int, int, int]  # x0, y0, x1, y1


def label_box(
    anchor: tuple[int, int], size: tuple[int, int], gap: int, frame: tuple[int, int], placed: list[Box]
) -> Box:
    """Where a value's label of ``size`` (w, h) goes: beside the joint at ``anchor``, ``gap``
    pixels to its right, else to its left; then stepped down, then up, a label's height at a
    time, until it overlaps none of the boxes already ``placed`` (side-on, a hip and a knee a
    hand apart would otherwise print one value over the other). Always inside the frame."""
    bw, bh = size
    fw, fh = frame
    step = bh + max(2, gap // 3)
    top = anchor[1] - bh // 2

    def clamped(x: int, y: int) -> Box:
        x, y = max(0, min(x, fw - bw)), max(0, min(y, fh - bh))
        return x, y, x + bw, y + bh

    candidates = [
        clamped(x, top + k * step)
        for k in (0, 1, -1, 2, -2, 3, -3)
        for x in (anchor[0] + gap, anchor[0] - gap - bw)
    ]
    return next((c for c in candidates if not any(_overlap(c, other) for other in placed)), candidates[0])


def _overlap(a: Box, b: Box) -> bool:
    """Whether two boxes (x0, y0, x1, y1) share any pixel."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def condition_measures(condition: Condition | None) -> set[str]:
    """Names of the measures a rule condition reads."""
    from formcheck.rules.model import AllOf, AnyOf, Compare, NotOf

    if condition is None:
        return set()
    if isinstance(condition, Compare):
        return {condition.measure}
    if isinstance(condition, NotOf):
        return condition_measures(condition.item)
    if isinstance(condition, AllOf | AnyOf):
        out: set[str] = set()
        for item in condition.items:
            out |= condition_measures(item)
        return out
    return set()


def joint_words(name: str) -> str:
    """A measure's name as a label beside a joint: ``knee_flexion`` → "knee", ``trunk_lean`` →
    "trunk lean", ``raised_vs_floor`` → "raised vs floor"."""
    for suffix in ("_flexion", "_extension", "_angle"):
        if name.endswith(suffix):
            return name[: -len(suffix)].replace("_", " ")
    return name.replace("_", " ")


def base_measure(key: str) -> str:
    """``"knee_flexion.left"`` → ``"knee_flexion"`` (per-side report keys share one measure)."""
    return key.split(".", 1)[0]


class OverlayAnnotator:
    """Draws a ``FrameReport`` onto a BGR frame.

    ``annotate`` never modifies the image it is given; it returns a new image (the copy costs
    well under a millisecond at 720p, and callers keep the clean frame, e.g. for thumbnails).
    With ``mirror=True`` the picture is flipped like a mirror (for a webcam preview) but the
    text stays readable and left/right labels stay the subject's own.
    """

    def __init__(self, exercise: Exercise, *, mirror: bool = False, show_fps: bool = False) -> None:
        self.exercise = exercise
        self.mirror = mirror
        self.show_fps = show_fps
        self._degrees = {name for name, m in exercise.measures.items() if m.unit == "°"}
        self._fault_measures = {f.id: condition_measures(f.when) for f in exercise.faults}
        self._fault_checks = {f.id: compile_condition(f.when) for f in exercise.faults}
        self._fault_phases = {f.id: PHASE_MATCH.get(f.phase, frozenset()) for f in exercise.faults}
        self._severity = {f.id: f.severity for f in exercise.faults}
        # the measures whose value is always shown: those the rep or the hold is counted on
        counted: set[str] = set()
        if exercise.reps is not None:
            counted = {mv.measure for mv in exercise.reps.movements}
        elif exercise.hold is not None:
            counted = condition_measures(exercise.hold.when)
        self._labels_always = counted
        self._last_rep_t: float | None = None

    # ---------------------------------------------------------------- public API

    def annotate(
        self,
        image_bgr: np.ndarray,
        report: FrameReport,
        *,
        fps: float | None = None,
        latency_ms: float | None = None,
    ) -> np.ndarray:
        if image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
            raise ValueError(f"expected a BGR image (h, w, 3), got shape {image_bgr.shape}")
        out = cv2.flip(image_bgr, 1) if self.mirror else image_bgr.copy()
        h, w = out.shape[:2]
        scale = min(w, h) / 720.0
        t_s = report.t_ms / 1000.0
        if any(e.kind == "rep" for e in report.events):
            self._last_rep_t = t_s

        # Guidance that means the numbers cannot be trusted replaces them; a note that the
        # engine still follows one of several people does not.
        blocking = [n.message for n in report.notices if n.kind not in SOFT_NOTICES]
        soft = [n.message for n in report.notices if n.kind in SOFT_NOTICES]
        blocked = bool(blocking)
        faults = self.live_faults(report)
        judged_y: list[int] = []
        if report.pose is not None:
            xy = self._pixels(report, w, h)
            vis = report.pose.landmarks[:, VISIBILITY]
            self._draw_skeleton(out, xy, vis, scale)
            judged_y = self._draw_highlights(out, xy, vis, report, faults, scale, values=not blocked)
        banner = self._notice_banner(blocking) if blocked else self._status(report, faults)
        top_band = 0
        if banner is not None:
            top_band = self._draw_banner(out, banner, scale, judged_y, guidance=blocked)
        self._draw_progress(out, report, scale, t_s, top=top_band)
        shown_fps = self.show_fps and (fps is not None or latency_ms is not None)
        if shown_fps:
            self._draw_fps(out, fps, latency_ms, scale, top=top_band)
        if soft:
            self._draw_note(out, soft[0], scale, below_fps=shown_fps, top=top_band)
        return out

    def live_faults(self, report: FrameReport) -> list[ActiveFault]:
        """The report's active faults whose condition still holds on this frame's values: a cue
        is taken down as soon as the value is back within limits (unknown keeps it up)."""
        out = []
        for fault in report.faults:
            check = self._fault_checks.get(fault.id)
            if check is None or check(report.measures) is not False:  # built-in, or still true
                out.append(fault)
        return out

    def _crossing(self, report: FrameReport) -> list[str]:
        """Faults whose condition holds on this frame in a phase they apply to, fired or not yet
        (the engine waits ``for_s`` before it fires one: the joint colour need not)."""
        return [
            fid
            for fid, check in self._fault_checks.items()
            if report.phase in self._fault_phases[fid] and check(report.measures) is True
        ]

    # ---------------------------------------------------------------- geometry

    def _pixels(self, report: FrameReport, w: int, h: int) -> np.ndarray:
        assert report.pose is not None
        xy = report.pose.landmarks[:, :2] * np.array([w, h], dtype=np.float32)
        if self.mirror:
            xy[:, 0] = (w - 1) - xy[:, 0]
        return np.rint(xy).astype(np.int32)

    # ---------------------------------------------------------------- body

    def _draw_skeleton(self, img: np.ndarray, xy: np.ndarray, vis: np.ndarray, scale: float) -> None:
        solid_min = self.exercise.min_visibility
        faint_min = solid_min * 0.5
        thick = max(2, round(3 * scale))
        for a, b in _BONES:
            v = min(vis[a], vis[b])
            if v < faint_min:
                continue
            pa, pb = (int(xy[a, 0]), int(xy[a, 1])), (int(xy[b, 0]), int(xy[b, 1]))
            if v >= solid_min:
                cv2.line(img, pa, pb, (30, 30, 30), thick + 2, cv2.LINE_AA)
                cv2.line(img, pa, pb, WHITE, thick, cv2.LINE_AA)
            else:
                cv2.line(img, pa, pb, FAINT, max(1, thick // 2), cv2.LINE_AA)
        radius = max(3, round(4 * scale))
        for i in _BODY_POINTS:
            if vis[i] < faint_min:
                continue
            p = (int(xy[i, 0]), int(xy[i, 1]))
            if vis[i] >= solid_min:
                cv2.circle(img, p, radius, (30, 30, 30), -1, cv2.LINE_AA)
                cv2.circle(img, p, max(2, radius - 1), WHITE, -1, cv2.LINE_AA)
            else:
                cv2.circle(img, p, max(2, radius // 2), FAINT, -1, cv2.LINE_AA)

    def _measure_color(self, key: str, faults: list[ActiveFault], crossing: list[str]) -> BGR:
        """A joint turns the colour of the worst fault that reads its measure and is active or
        crossing its limit on this frame."""
        name = base_measure(key)
        severities = [f.severity for f in faults if name in self._fault_measures.get(f.id, ())]
        severities += [self._severity[fid] for fid in crossing if name in self._fault_measures[fid]]
        if not severities:
            return ACCENT
        worst = min(severities, key=lambda sev: SEVERITY_RANK.get(sev, 3))
        return SEVERITY_COLOR.get(worst, WARNING)

    def _draw_highlights(
        self,
        img: np.ndarray,
        xy: np.ndarray,
        vis: np.ndarray,
        report: FrameReport,
        faults: list[ActiveFault],
        scale: float,
        *,
        values: bool,
    ) -> list[int]:
        """Draw the rule's joints (and their values); returns the judged joints' heights."""
        crossing = self._crossing(report) if self._fault_checks else []
        judged_y: list[int] = []
        thick = max(3, round(6 * scale))
        radius = max(5, round(9 * scale))
        min_vis = self.exercise.min_visibility
        placed: list[Box] = []  # the value labels drawn so far
        for key, indices in report.highlight.items():
            idx = [i for i in indices if 0 <= i < len(xy)]
            if not idx or min(vis[i] for i in idx) < min_vis:
                continue
            color = self._measure_color(key, faults, crossing)
            pts = [(int(xy[i, 0]), int(xy[i, 1])) for i in idx]
            judged_y += [p[1] for p in pts]
            # Draw the body's own bones between the points (a measure read on both sides lists
            # both legs' points in no fixed order); points that share no bone are joined in turn.
            members = set(idx)
            bones = [(a, b) for a, b in _SAME_SIDE_BONES if a in members and b in members]
            pairs = bones or list(itertools.pairwise(idx))
            for a, b in pairs:
                pa, pb = (int(xy[a, 0]), int(xy[a, 1])), (int(xy[b, 0]), int(xy[b, 1]))
                cv2.line(img, pa, pb, color, thick, cv2.LINE_AA)
            for p in pts:
                cv2.circle(img, p, radius, (20, 20, 20), -1, cv2.LINE_AA)
                cv2.circle(img, p, radius - max(2, radius // 3), color, -1, cv2.LINE_AA)
            value = report.measures.get(key)
            text = None
            if values and value is not None and self._labelled(key, faults, crossing):
                text = self._format_value(key, value, report.side)
            if text is None:
                continue
            # The label goes beside the joint with the most bones in the measure (the knee of
            # hip-knee-ankle), else the middle point.
            degree = {i: sum(i in bone for bone in bones) for i in idx}
            best = max(idx, key=lambda i: degree[i]) if bones else idx[len(idx) // 2]
            anchor = (int(xy[best, 0]), int(xy[best, 1]))
            placed.append(self._value_label(img, text, anchor, color, scale, placed))
        return judged_y

    def _labelled(self, key: str, faults: list[ActiveFault], crossing: list[str]) -> bool:
        """Whether a measure gets its value beside its joint: the measures the rep or hold is
        counted on, and those of a fault firing or crossing its limit now; one value per
        measure (not its left and right copies too), none for a difference (it has no joint)."""
        if "." in key or key not in self._labels_always | self._fault_labels(faults, crossing):
            return False
        return self.exercise.measures[key].kind != "difference"

    def _fault_labels(self, faults: list[ActiveFault], crossing: list[str]) -> set[str]:
        names: set[str] = set()
        for fid in [*(f.id for f in faults), *crossing]:
            names |= self._fault_measures.get(fid, set())
        return names

    def _format_value(self, key: str, value: float, side: str | None = None) -> str | None:
        """The label: "knee 92°", or "left knee 92°" (``side``: the working side, for a measure
        read on it); None for a ratio of body sizes (not a number to read)."""
        name, _, key_side = key.partition(".")
        if name not in self._degrees:
            return None
        measure = self.exercise.measures[name]
        if not key_side and measure.side in ("working", "stance") and side in ("left", "right"):
            key_side = side if measure.side == "working" else ("right" if side == "left" else "left")
        return f"{key_side + ' ' if key_side else ''}{joint_words(name)} {value:.0f}°"

    def _value_label(
        self,
        img: np.ndarray,
        text: str,
        anchor: tuple[int, int],
        color: BGR,
        scale: float,
        placed: list[Box],
    ) -> Box:
        """Draw a value's label beside its joint, clear of the labels already ``placed`` (a hip
        and a knee a hand apart, side-on, would otherwise print one value over the other);
        returns the box it took."""
        h, w = img.shape[:2]
        fs, th = 1.1 * scale, max(1, round(2 * scale))
        tw, tht, base = text_size(text, fs, th)
        pad = round(8 * scale)
        gap = round(18 * scale)
        bw, bh = tw + 2 * pad, tht + base + 2 * pad
        x, y, _, _ = label_box(anchor, (bw, bh), gap, (w, h), placed)
        self._panel(img, x, y, bw, bh)
        cv2.rectangle(img, (x, y), (x + bw, y + bh), color, max(1, th // 2 + 1))
        put_text(img, text, (x + pad, y + pad + tht), fs, WHITE, th)
        return x, y, x + bw, y + bh

    # ---------------------------------------------------------------- panels

    @staticmethod
    def _panel(img: np.ndarray, x: int, y: int, pw: int, ph: int) -> None:
        """Darken a rectangle so white and coloured text reads on any background."""
        h, w = img.shape[:2]
        x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + pw), min(h, y + ph)
        if x1 > x0 and y1 > y0:
            roi = img[y0:y1, x0:x1]
            roi[:] = cv2.convertScaleAbs(roi, alpha=_PANEL_DARKEN)

    def _progress_lines(self, report: FrameReport) -> tuple[str, str | None, bool]:
        """(big count line, smaller set/dose line, whether reps are shown at all)."""
        dose = self.exercise.dose
        reps = report.reps or {}
        if self.exercise.reps is None:
            return "", None, False
        per_set = int(dose.reps.hi) if dose.reps is not None else None
        left, right = reps.get("left"), reps.get("right")
        if left is not None or right is not None:
            big = f"L {left or 0}   R {right or 0}"
            done = {"left": left or 0, "right": right or 0}.get(report.side or "", max(left or 0, right or 0))
        else:
            done = int(reps.get("total") or 0)
            big = f"Reps {done}"
        small: str | None = None
        if per_set and dose.sets is not None:
            sets_hi = max(1, int(dose.sets.hi))
            current = min(done // per_set + 1, sets_hi)
            in_set = done - (current - 1) * per_set
            side_word = " per side" if dose.per_side else ""
            small = f"set {current} of {dose.sets}, rep {in_set}/{per_set}{side_word}"
        elif dose.reps is not None:
            small = f"target {dose.reps}{' per side' if dose.per_side else ''}"
        return big, small, True

    def _draw_progress(
        self, img: np.ndarray, report: FrameReport, scale: float, t_s: float, *, top: int
    ) -> None:
        margin = round(16 * scale)
        pad = round(14 * scale)
        title_fs, big_fs, small_fs = 0.9 * scale, 2.3 * scale, 0.9 * scale
        th_small, th_big = max(1, round(2 * scale)), max(2, round(4 * scale))
        lines: list[tuple[str, float, int, BGR]] = [(self.exercise.name, title_fs, th_small, (220, 220, 220))]
        big, small, has_reps = self._progress_lines(report)
        flashing = self._last_rep_t is not None and 0 <= t_s - self._last_rep_t < REP_FLASH_S
        hold = report.hold
        hold_target = hold.target_s if hold is not None else self.exercise.hold_target_s
        # The hold clock: always for a timed hold (a stretch), while holding for a hold at the
        # peak of each rep (a wall squat's 5 s at the bottom).
        ring = bool(hold_target) and (hold is not None or self.exercise.reps is None)
        if has_reps:
            lines.append((big, big_fs, th_big, GOOD if flashing else WHITE))
            if small:
                lines.append((small, small_fs, th_small, (220, 220, 220)))
        elif ring:
            side = hold.side if hold is not None and hold.side in ("left", "right") else None
            lines.append((f"Hold {side}" if side else "Hold", big_fs, th_big, WHITE))
            lines.append(
                (f"target {hold_target:g} s{self._sets_text()}", small_fs, th_small, (220, 220, 220))
            )

        sizes = [text_size(t, fs, th) for t, fs, th, _ in lines]
        gap = round(10 * scale)
        text_w = max(s[0] for s in sizes)
        text_h = sum(s[1] + s[2] for s in sizes) + gap * (len(lines) - 1)
        radius = round(62 * scale)
        ring_w = 2 * radius + pad if ring else 0
        width = text_w + ring_w + 2 * pad
        height = max(text_h, 2 * radius if ring else 0) + 2 * pad
        y0 = margin + top
        self._panel(img, margin, y0, width, height)
        y = y0 + pad + max(0, (height - 2 * pad - text_h) // 2)
        for (text, fs, th, color), (_, th_px, base) in zip(lines, sizes, strict=True):
            y += th_px
            put_text(img, text, (margin + pad, y), fs, color, th)
            y += base + gap
        if ring:
            elapsed = hold.elapsed_s if hold is not None else 0.0
            assert hold_target is not None
            centre = (margin + pad + text_w + pad + radius, y0 + height // 2)
            self._draw_hold_ring(img, centre, radius, elapsed, hold_target, scale, active=hold is not None)

    def _sets_text(self) -> str:
        dose = self.exercise.dose
        if dose.sets is None:
            return ""
        return f", {dose.sets}x{' per side' if dose.per_side else ''}"

    @staticmethod
    def _draw_hold_ring(
        img: np.ndarray, centre: tuple[int, int], radius: int, elapsed: float, target: float,
        scale: float, *, active: bool,
    ) -> None:  # fmt: skip
        """A ring that fills clockwise toward the target, the seconds held inside it."""
        thick = max(4, round(12 * scale))
        frac = min(1.0, elapsed / target) if target else 0.0
        r = radius - thick // 2
        cv2.circle(img, centre, r, (80, 80, 80), thick, cv2.LINE_AA)
        fill = GOOD if frac >= 1.0 else ACCENT
        if frac > 0:
            cv2.ellipse(img, centre, (r, r), -90, 0, 360 * frac, fill, thick, cv2.LINE_AA)
        seconds = f"{elapsed:.0f}" if elapsed >= 10 else f"{elapsed:.1f}"
        fs, th = 1.5 * scale, max(2, round(3 * scale))
        tw, tht, _ = text_size(seconds, fs, th)
        color = (GOOD if frac >= 1.0 else WHITE) if active else (170, 170, 170)
        put_text(img, seconds, (centre[0] - tw // 2, centre[1] + tht // 2 - round(6 * scale)), fs, color, th)
        unit = f"of {target:g} s"
        ufs, uth = 0.6 * scale, max(1, round(1.5 * scale))
        uw, uh, _ = text_size(unit, ufs, uth)
        put_text(
            img,
            unit,
            (centre[0] - uw // 2, centre[1] + tht // 2 + uh + round(4 * scale)),
            ufs,
            (210, 210, 210),
            uth,
        )

    def _status(
        self, report: FrameReport, faults: list[ActiveFault] | None = None
    ) -> tuple[str, str | None, BGR] | None:
        """(headline, detail, colour) for the banner, or None for no banner. ``faults``: those
        to show (default: the report's)."""
        faults = report.faults if faults is None else faults
        if faults:
            worst = min(faults, key=lambda f: SEVERITY_RANK.get(f.severity, 3))
            side = f" ({worst.side})" if worst.side in ("left", "right") else ""
            extra = len(faults) - 1
            detail = worst.message + side + (f"  (+{extra} more)" if extra else "")
            return worst.cue or worst.message, detail, SEVERITY_COLOR.get(worst.severity, WARNING)
        if report.pose is None:
            return None
        if report.phase == "waiting":
            reps = self.exercise.reps
            return reps.ready.message if reps is not None else DEFAULT_READY_MESSAGE, None, WHITE
        if report.phase in ("rest", "moving", "peak", "hold"):
            return "Good form", None, GOOD
        return None

    @staticmethod
    def _notice_banner(messages: list[str]) -> tuple[str, str | None, BGR] | None:
        """Guidance (instead of numbers) as a banner: the first message big, others below."""
        seen: list[str] = []
        for m in messages:
            if m and m not in seen:
                seen.append(m[:1].upper() + m[1:])
        if not seen:
            return None
        return seen[0], "; ".join(seen[1:3]) or None, WARNING

    def _draw_banner(
        self,
        img: np.ndarray,
        banner: tuple[str, str | None, BGR],
        scale: float,
        judged_y: list[int],
        *,
        guidance: bool = False,
    ) -> int:
        """Draw the cue or guidance across the bottom band, or the top band when the bottom one
        would cover a joint being judged (the feet of a squat filmed close up). Returns the
        height taken at the top (0 when drawn at the bottom)."""
        headline, detail, color = banner
        h, w = img.shape[:2]
        pad = round(14 * scale)
        head_fs, detail_fs = 2.0 * scale, 1.0 * scale
        head_th, detail_th = max(2, round(4 * scale)), max(1, round(2 * scale))
        head_lines = wrap(headline, head_fs, head_th, w - 4 * pad)
        detail_lines = wrap(detail, detail_fs, detail_th, w - 4 * pad) if detail else []
        rows = [(t, head_fs, head_th, color) for t in head_lines] + [
            (t, detail_fs, detail_th, (230, 230, 230)) for t in detail_lines
        ]
        sizes = [text_size(t, fs, th) for t, fs, th, _ in rows]
        gap = round(8 * scale)
        height = sum(s[1] + s[2] for s in sizes) + gap * (len(rows) - 1) + 2 * pad
        clear = round(12 * scale)  # a joint this close to the band is covered by it too
        covered_below = sum(1 for y in judged_y if y >= h - height - clear)
        covered_above = sum(1 for y in judged_y if y <= height + clear)
        at_top = covered_below > 0 and covered_above < covered_below
        top = 0 if at_top else h - height
        self._panel(img, 0, top, w, height)
        if guidance:  # an amber rule on the picture's side, no colour at the edges
            edge = top + height - 1 if at_top else top
            cv2.line(img, (pad, edge), (w - pad, edge), WARNING, max(2, round(3 * scale)))
        else:
            cv2.rectangle(img, (0, top), (round(10 * scale), top + height), color, -1)
        y = top + pad
        for (text, fs, th, c), (_, th_px, base) in zip(rows, sizes, strict=True):
            y += th_px
            put_text(img, text, (2 * pad, y), fs, c, th)
            y += base + gap
        return height if at_top else 0

    def _draw_note(
        self, img: np.ndarray, message: str, scale: float, *, below_fps: bool, top: int = 0
    ) -> None:
        """A small amber note in the top-right corner, wrapped to a third of the width."""
        w = img.shape[1]
        fs, th = 0.7 * scale, max(1, round(2 * scale))
        pad, margin = round(8 * scale), round(16 * scale)
        lines = wrap(message[:1].upper() + message[1:], fs, th, max(w // 3, round(200 * scale)))
        sizes = [text_size(t, fs, th) for t in lines]
        gap = round(6 * scale)
        box_w = max(s[0] for s in sizes) + 2 * pad
        box_h = sum(s[1] + s[2] for s in sizes) + gap * (len(lines) - 1) + 2 * pad
        x = w - box_w - margin
        y = top + margin + (round(48 * scale) if below_fps else 0)
        self._panel(img, x, y, box_w, box_h)
        cy = y + pad
        for text, (_, th_px, base) in zip(lines, sizes, strict=True):
            cy += th_px
            put_text(img, text, (x + pad, cy), fs, WARNING, th)
            cy += base + gap

    def _draw_fps(
        self, img: np.ndarray, fps: float | None, latency_ms: float | None, scale: float, *, top: int = 0
    ) -> None:
        parts = []
        if fps is not None:
            parts.append(f"{fps:.0f} fps")
        if latency_ms is not None:
            parts.append(f"{latency_ms:.0f} ms")
        text = "  ".join(parts)
        fs, th = 0.6 * scale, max(1, round(1.5 * scale))
        tw, tht, base = text_size(text, fs, th)
        pad = round(8 * scale)
        w = img.shape[1]
        x, y = w - tw - 2 * pad - round(16 * scale), top + round(16 * scale)
        self._panel(img, x, y, tw + 2 * pad, tht + base + 2 * pad)
        put_text(img, text, (x + pad, y + pad + tht), fs, (200, 200, 200), th)
