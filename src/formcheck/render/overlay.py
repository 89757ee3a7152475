"""The per-frame annotator: skeleton, the joints the rule reads with their live values, rep and
set progress, the hold timer, the current cue or fault, and guidance when the rule cannot see
what it needs.

Used for the live window and for burning the annotated video, so it draws with OpenCV only and
costs a few milliseconds per 720p frame. Sizes scale with the frame's shorter side, so the
text reads the same in 720p, 1080p and portrait video, and from a few metres on a laptop.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import cv2
import numpy as np

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
# Notices shown as a small note in the corner instead of replacing the numbers.
SOFT_NOTICES = frozenset({"multiple_people"})  # panel background keeps this share of the image behind it


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
        if report.pose is not None:
            xy = self._pixels(report, w, h)
            vis = report.pose.landmarks[:, VISIBILITY]
            self._draw_skeleton(out, xy, vis, scale)
            self._draw_highlights(out, xy, vis, report, scale, values=not blocked)
        self._draw_progress(out, report, scale, t_s)
        if blocked:
            self._draw_notice(out, blocking, scale)
        else:
            self._draw_status(out, report, scale)
        shown_fps = self.show_fps and (fps is not None or latency_ms is not None)
        if shown_fps:
            self._draw_fps(out, fps, latency_ms, scale)
        if soft:
            self._draw_note(out, soft[0], scale, below_fps=shown_fps)
        return out

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

    def _measure_color(self, key: str, faults: list[ActiveFault]) -> BGR:
        """A joint turns the colour of the worst active fault that reads its measure."""
        name = base_measure(key)
        worst: ActiveFault | None = None
        for fault in faults:
            if name in self._fault_measures.get(fault.id, ()) and (
                worst is None or SEVERITY_RANK.get(fault.severity, 3) < SEVERITY_RANK.get(worst.severity, 3)
            ):
                worst = fault
        return ACCENT if worst is None else SEVERITY_COLOR.get(worst.severity, WARNING)

    def _draw_highlights(
        self,
        img: np.ndarray,
        xy: np.ndarray,
        vis: np.ndarray,
        report: FrameReport,
        scale: float,
        *,
        values: bool,
    ) -> None:
        h, w = img.shape[:2]
        thick = max(3, round(6 * scale))
        radius = max(5, round(9 * scale))
        min_vis = self.exercise.min_visibility
        labelled: set[tuple[int, int]] = set()
        for key, indices in report.highlight.items():
            idx = [i for i in indices if 0 <= i < len(xy)]
            if not idx or min(vis[i] for i in idx) < min_vis:
                continue
            color = self._measure_color(key, report.faults)
            pts = [(int(xy[i, 0]), int(xy[i, 1])) for i in idx]
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
            if not values or value is None:
                continue
            # The label goes beside the joint with the most bones in the measure (the knee of
            # hip-knee-ankle), else the middle point.
            degree = {i: sum(i in bone for bone in bones) for i in idx}
            best = max(idx, key=lambda i: degree[i]) if bones else idx[len(idx) // 2]
            anchor = (int(xy[best, 0]), int(xy[best, 1]))
            if anchor in labelled:  # two measures on one joint: stack the second label
                anchor = (anchor[0], anchor[1] + round(40 * scale))
            labelled.add(anchor)
            self._value_label(img, self._format_value(key, value), anchor, color, scale, w, h)

    def _format_value(self, key: str, value: float) -> str:
        return f"{value:.0f}°" if base_measure(key) in self._degrees else f"{value:.2f}"

    def _value_label(
        self, img: np.ndarray, text: str, anchor: tuple[int, int], color: BGR, scale: float, w: int, h: int
    ) -> None:
        fs, th = 1.1 * scale, max(1, round(2 * scale))
        tw, tht, base = text_size(text, fs, th)
        pad = round(8 * scale)
        gap = round(18 * scale)
        x = anchor[0] + gap
        if x + tw + 2 * pad > w:
            x = anchor[0] - gap - tw - 2 * pad
        y = anchor[1] - tht // 2 - pad
        x = max(0, min(x, w - tw - 2 * pad))
        y = max(0, min(y, h - tht - base - 2 * pad))
        self._panel(img, x, y, tw + 2 * pad, tht + base + 2 * pad)
        cv2.rectangle(img, (x, y), (x + tw + 2 * pad, y + tht + base + 2 * pad), color, max(1, th // 2 + 1))
        put_text(img, text, (x + pad, y + pad + tht), fs, WHITE, th)

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

    def _draw_progress(self, img: np.ndarray, report: FrameReport, scale: float, t_s: float) -> None:
        margin = round(16 * scale)
        pad = round(14 * scale)
        title_fs, big_fs, small_fs = 0.8 * scale, 1.9 * scale, 0.9 * scale
        th_small, th_big = max(1, round(2 * scale)), max(2, round(3 * scale))
        lines: list[tuple[str, float, int, BGR]] = [(self.exercise.name, title_fs, th_small, (220, 220, 220))]
        big, small, has_reps = self._progress_lines(report)
        flashing = self._last_rep_t is not None and 0 <= t_s - self._last_rep_t < REP_FLASH_S
        if has_reps:
            lines.append((big, big_fs, th_big, GOOD if flashing else WHITE))
            if small:
                lines.append((small, small_fs, th_small, (220, 220, 220)))
        hold = report.hold
        hold_target = hold.target_s if hold is not None else self.exercise.hold_target_s
        hold_line: str | None = None
        if hold is not None:
            side = f" {hold.side}" if hold.side in ("left", "right") else ""
            hold_line = f"Hold{side} {hold.elapsed_s:4.1f} / {hold_target:g} s"
            lines.append((hold_line, 1.2 * scale, th_big, WHITE))
        elif self.exercise.reps is None and hold_target:
            hold_line = f"Hold 0.0 / {hold_target:g} s"
            lines.append((hold_line, 1.2 * scale, th_big, (200, 200, 200)))

        sizes = [text_size(t, fs, th) for t, fs, th, _ in lines]
        gap = round(10 * scale)
        bar_h = round(16 * scale) if hold_line else 0
        width = max(s[0] for s in sizes) + 2 * pad
        width = max(width, round(300 * scale)) if hold_line else width
        height = sum(s[1] + s[2] for s in sizes) + gap * (len(lines) - 1) + 2 * pad
        height += (bar_h + gap) if hold_line else 0
        self._panel(img, margin, margin, width, height)
        y = margin + pad
        for (text, fs, th, color), (_, th_px, base) in zip(lines, sizes, strict=True):
            y += th_px
            put_text(img, text, (margin + pad, y), fs, color, th)
            y += base + gap
        if hold_line:
            elapsed = hold.elapsed_s if hold is not None else 0.0
            frac = min(1.0, elapsed / hold_target) if hold_target else 0.0
            x0, x1 = margin + pad, margin + width - pad
            cv2.rectangle(img, (x0, y), (x1, y + bar_h), (90, 90, 90), -1)
            fill = GOOD if frac >= 1.0 else ACCENT
            if frac > 0:
                cv2.rectangle(img, (x0, y), (x0 + round((x1 - x0) * frac), y + bar_h), fill, -1)
            cv2.rectangle(img, (x0, y), (x1, y + bar_h), WHITE, 1)

    def _status(self, report: FrameReport) -> tuple[str, str | None, BGR] | None:
        """(headline, detail, colour) for the bottom banner, or None for no banner."""
        if report.faults:
            worst = min(report.faults, key=lambda f: SEVERITY_RANK.get(f.severity, 3))
            side = f" ({worst.side})" if worst.side in ("left", "right") else ""
            extra = len(report.faults) - 1
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

    def _draw_status(self, img: np.ndarray, report: FrameReport, scale: float) -> None:
        status = self._status(report)
        if status is None:
            return
        headline, detail, color = status
        h, w = img.shape[:2]
        pad = round(14 * scale)
        head_fs, detail_fs = 1.6 * scale, 0.9 * scale
        head_th, detail_th = max(2, round(3 * scale)), max(1, round(2 * scale))
        head_lines = wrap(headline, head_fs, head_th, w - 4 * pad)
        detail_lines = wrap(detail, detail_fs, detail_th, w - 4 * pad) if detail else []
        rows = [(t, head_fs, head_th, color) for t in head_lines] + [
            (t, detail_fs, detail_th, (230, 230, 230)) for t in detail_lines
        ]
        sizes = [text_size(t, fs, th) for t, fs, th, _ in rows]
        gap = round(8 * scale)
        height = sum(s[1] + s[2] for s in sizes) + gap * (len(rows) - 1) + 2 * pad
        top = h - height
        self._panel(img, 0, top, w, height)
        cv2.rectangle(img, (0, top), (round(10 * scale), h), color, -1)
        y = top + pad
        for (text, fs, th, c), (_, th_px, base) in zip(rows, sizes, strict=True):
            y += th_px
            put_text(img, text, (2 * pad, y), fs, c, th)
            y += base + gap

    def _draw_notice(self, img: np.ndarray, messages: list[str], scale: float) -> None:
        """Guidance in the middle of the picture, big, instead of numbers."""
        h, w = img.shape[:2]
        fs, th = 1.6 * scale, max(2, round(3 * scale))
        pad = round(24 * scale)
        max_w = int(w * 0.86) - 2 * pad
        seen: list[str] = []
        for m in messages:
            if m and m not in seen:
                seen.append(m)
        lines: list[str] = []
        for m in seen[:3]:
            lines.extend(wrap(m[:1].upper() + m[1:], fs, th, max_w))
        if not lines:
            return
        sizes = [text_size(t, fs, th) for t in lines]
        gap = round(14 * scale)
        box_w = max(s[0] for s in sizes) + 2 * pad
        box_h = sum(s[1] + s[2] for s in sizes) + gap * (len(lines) - 1) + 2 * pad
        x0, y0 = (w - box_w) // 2, (h - box_h) // 2
        self._panel(img, x0, y0, box_w, box_h)
        cv2.rectangle(img, (x0, y0), (x0 + box_w, y0 + box_h), WARNING, max(2, round(4 * scale)))
        y = y0 + pad
        for text, (tw, th_px, base) in zip(lines, sizes, strict=True):
            y += th_px
            put_text(img, text, (x0 + (box_w - tw) // 2, y), fs, WARNING, th)
            y += base + gap

    def _draw_note(self, img: np.ndarray, message: str, scale: float, *, below_fps: bool) -> None:
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
        y = margin + (round(48 * scale) if below_fps else 0)
        self._panel(img, x, y, box_w, box_h)
        cy = y + pad
        for text, (_, th_px, base) in zip(lines, sizes, strict=True):
            cy += th_px
            put_text(img, text, (x + pad, cy), fs, WARNING, th)
            cy += base + gap

    def _draw_fps(self, img: np.ndarray, fps: float | None, latency_ms: float | None, scale: float) -> None:
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
        x, y = w - tw - 2 * pad - round(16 * scale), round(16 * scale)
        self._panel(img, x, y, tw + 2 * pad, tht + base + 2 * pad)
        put_text(img, text, (x + pad, y + pad + tht), fs, (200, 200, 200), th)
