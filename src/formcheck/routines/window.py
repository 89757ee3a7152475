"""The routine on screen: the live window with the routine's cards drawn over the overlay.

States, each drawn over the camera picture (already annotated by the live overlay of the
exercise in progress):

- start card: exercise n of N, its name, what to do, what to watch for, the dose and the view
  it needs ("turn side-on" while the view does not suit), the routine's note on the first one;
- counting: a top bar with the exercise, the set, the count against the dose per side, and the
  latest step ("now the left leg") or what is awaited ("waiting for: …");
- rest: the countdown and what comes next;
- summary: each exercise's done against prescribed, good and faulty reps, holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from formcheck.live.window import LiveWindow, _scaled, fit
from formcheck.render.text import put_text, text_size, wrap
from formcheck.routines.runner import RoutineRunner, main_cues

if TYPE_CHECKING:
    from formcheck.pipeline import Step
    from formcheck.render.overlay import OverlayAnnotator

WHITE = (255, 255, 255)
GREY = (200, 200, 200)
GREEN = (120, 220, 120)
AMBER = (40, 190, 255)
VIEW_WORDS = {"side": "side-on to the camera", "front": "facing the camera", "any": "any view"}
RECENT_S = 4.0  # how long a step ("now the left leg") stays in the top bar


class RoutineWindow(LiveWindow):
    """Sink: the live window, drawing the runner's state (see the module doc)."""

    def __init__(self, runner: RoutineRunner, *, note: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runner = runner
        self.note = note
        self._annotators: dict[int, OverlayAnnotator] = {}
        self.states_shown: dict[str, int] = {}  # how many frames each state was drawn (tests)

    def write(self, step: Step) -> None:
        if step.frame is None:
            return
        from formcheck.render.overlay import OverlayAnnotator

        runner = self.runner
        planned = runner.current
        annotator = self._annotators.get(planned.number)
        if annotator is None:
            annotator = OverlayAnnotator(planned.exercise, mirror=self.mirror, show_fps=self.show_fps)
            self._annotators[planned.number] = annotator
        image = fit(step.frame.image)
        if state_of(runner) == "counting":
            report = _scaled(step.report, image)
            fps = self._rate.fps if self.show_fps else None
            shown = annotator.annotate(image, report, fps=fps, latency_ms=self._last_latency_ms)
        else:  # a card over the plain picture: the counting overlay would only compete with it
            shown = np.ascontiguousarray(image[:, ::-1]) if self.mirror else image.copy()
        state = draw_state(shown, runner, step, note=self.note, below_fps=self.show_fps)
        self.states_shown[state] = self.states_shown.get(state, 0) + 1
        self._show(shown, step.frame.index)
        if self.snapshot_dir is not None and self.states_shown[state] == 1:
            self._snapshot(shown, f"{state}-{planned.id}")


def state_of(runner: RoutineRunner) -> str:
    """Which of the window's states the runner is in: card, counting, rest or summary."""
    if runner.stage == "done":
        return "summary"
    if runner.stage == "rest":
        return "rest"
    return "card" if runner.card_visible else "counting"


def draw_state(
    image: np.ndarray, runner: RoutineRunner, step: Step, *, note: str = "", below_fps: bool = False
) -> str:
    """Draw the runner's state on ``image`` (in place); returns the state's name."""
    state = state_of(runner)
    if state == "summary":
        _summary(image, runner)
    elif state == "rest":
        _rest(image, runner)
    elif state == "card":
        _card(image, runner, step, note)
    else:
        _top_bar(image, runner, step, below_fps=below_fps)
    return state


def _scale(image: np.ndarray) -> float:
    return min(image.shape[:2]) / 720.0


def _darken(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, alpha: float = 0.3) -> None:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 > x0 and y1 > y0:
        roi = image[y0:y1, x0:x1]
        roi[:] = cv2.convertScaleAbs(roi, alpha=alpha)


def _lines(
    image: np.ndarray, items: list[tuple[str, float, tuple[int, int, int], int]], x: int, y: int, width: int
) -> int:
    """Draw wrapped lines (text, scale, colour, thickness) from ``y``; returns the y below them."""
    for text, scale, color, thickness in items:
        for line in wrap(text, scale, thickness, width) or [""]:
            _, th, base = text_size(line or "x", scale, thickness)
            y += th + base + int(8 * scale)
            put_text(image, line, (x, y), scale, color, thickness)
        y += int(6 * scale)
    return y


def _card(image: np.ndarray, runner: RoutineRunner, step: Step, note: str) -> None:
    planned = runner.current
    s = _scale(image)
    h, w = image.shape[:2]
    margin = int(30 * s)
    _darken(image, 0, 0, w, h, 0.35)
    items: list[tuple[str, float, tuple[int, int, int], int]] = []
    if planned.number == 1 and note:
        items.append((note, 0.7 * s, AMBER, 1))
    items.append((f"Exercise {planned.number} of {len(runner.plan)}", 0.7 * s, GREY, 1))
    items.append((planned.name, 1.3 * s, WHITE, 2))
    if planned.exercise.description:
        items.append((planned.exercise.description, 0.62 * s, WHITE, 1))
    items.append((f"Dose: {planned.dose_text()}", 0.75 * s, GREEN, 2))
    cues = main_cues(planned)
    if cues:
        items.append(("Watch for: " + "; ".join(cues), 0.6 * s, GREY, 1))
    if planned.note:
        items.append((planned.note, 0.6 * s, AMBER, 1))
    view = planned.exercise.view
    items.append((f"Camera: {VIEW_WORDS.get(view, view)}", 0.7 * s, WHITE, 1))
    guidance = [n.message for n in step.report.notices if n.kind == "view"]
    if guidance:
        items.append((guidance[0], 0.9 * s, AMBER, 2))
    _lines(image, items, margin, margin, w - 2 * margin)


def _count_text(runner: RoutineRunner) -> str:
    done, targets = runner.progress(), runner.targets()
    unit = "reps" if runner.current.reps is not None else "holds"
    parts = [
        f"{k} {done.get(k, 0)}/{v}" if k != "total" else f"{done.get(k, 0)}/{v} {unit}"
        for k, v in targets.items()
    ]
    return "  ".join(parts)


def _top_bar(image: np.ndarray, runner: RoutineRunner, step: Step, *, below_fps: bool) -> None:
    """The routine's line at the top right (the counting overlay has the top left)."""
    planned = runner.current
    s = _scale(image)
    w = image.shape[1]
    sets = f" - set {runner.set_number}/{planned.sets}" if planned.sets > 1 else ""
    head = f"{planned.number}/{len(runner.plan)} {planned.name}{sets}: {_count_text(runner)}"
    message, color = "", WHITE
    now = step.pose_frame.t_ms / 1000.0
    recent = [a for a in runner.log if a.kind in ("side", "set") and now - a.t_s < RECENT_S]
    if runner.waiting:
        message, color = runner.waiting_text, AMBER
    elif recent:
        message, color = recent[-1].text, GREEN
    pad, right = int(10 * s), w - int(16 * s)
    top = int((64 if below_fps else 16) * s)
    lines = [(head, 0.7 * s, WHITE), *([(message, 0.6 * s, color)] if message else [])]
    sizes = [text_size(text, scale, 2) for text, scale, _ in lines]
    width = max(tw for tw, _, _ in sizes) + 2 * pad
    height = sum(th + base + pad for _, th, base in sizes) + pad
    x = max(0, right - width)
    _darken(image, x, top, right, top + height, 0.3)
    y = top
    for (text, scale, col), (_, th, base) in zip(lines, sizes, strict=True):
        y += th + pad
        put_text(image, text, (x + pad, y), scale, col, 2)
        y += base


def _rest(image: np.ndarray, runner: RoutineRunner) -> None:
    s = _scale(image)
    h, w = image.shape[:2]
    _darken(image, 0, 0, w, h, 0.3)
    left = runner.rest_left_s
    items = [("REST", 1.2 * s, GREY, 2), (f"{int(np.ceil(left))} s", 3.0 * s, WHITE, 5)]
    following = runner.upcoming
    if following is not None:
        after = runner._after_rest
        if after is not None and after[1] > 1:
            items.append((f"next: {following.name}, set {after[1]} of {following.sets}", 0.9 * s, GREEN, 2))
        else:
            items.append((f"next: {following.name} - {following.dose_text()}", 0.9 * s, GREEN, 2))
    items.append(("n / right arrow: skip the rest", 0.6 * s, GREY, 1))
    _lines(image, items, int(40 * s), int(h * 0.2), w - int(80 * s))


def _summary(image: np.ndarray, runner: RoutineRunner) -> None:
    from formcheck.routines.results import summarise

    s = _scale(image)
    h, w = image.shape[:2]
    _darken(image, 0, 0, w, h, 0.2)
    items: list[tuple[str, float, tuple[int, int, int], int]] = [("Routine done", 1.2 * s, WHITE, 2)]
    size = 0.55 * s if len(runner.plan) > 8 else 0.7 * s
    for planned in runner.plan:
        done = summarise(planned, runner.sets)
        if done.reps_prescribed is not None:
            what = (
                f"{done.reps['total']}/{done.reps_prescribed} reps, good {done.reps['good']}, "
                f"faulty {done.reps['faulty']}"
            )
        else:
            what = f"{done.holds_completed}/{done.holds_prescribed} holds"
        ok = done.sets_done >= planned.sets
        items.append((f"{planned.number}. {planned.name}: {what}", size, GREEN if ok else AMBER, 1))
    items.append(("q: quit", 0.6 * s, GREY, 1))
    _lines(image, items, int(30 * s), int(10 * s), w - int(60 * s))
