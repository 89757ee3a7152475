"""The live window: shows each annotated frame, reads the keys, measures what the person sees.

Latency is measured here, not in the engine (which stays clock-free): from the moment the
grabber received the frame (``LatestFrames.captured_at``) to the moment it was on screen
(after ``cv2.waitKey``, which is when HighGUI paints). The effective fps is the rate of frames
actually shown.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from formcheck.errors import UsageError
from formcheck.live.controls import HELP, Command, command_for_key

if TYPE_CHECKING:
    from formcheck.engine import FrameReport, SessionResult
    from formcheck.pipeline import Step
    from formcheck.rules import Exercise

# Frames are scaled to fit this box before annotation: the overlay is drawn at the size it is
# shown, so its text stays readable from across the room, and drawing stays cheap.
DISPLAY_MAX = (1280, 720)
SNAPSHOT_EVENTS = ("rep", "fault_start", "hold_end")


class Annotator(Protocol):
    def annotate(
        self,
        image: np.ndarray,
        report: FrameReport,
        *,
        fps: float | None = ...,
        latency_ms: float | None = ...,
    ) -> np.ndarray: ...


def fit(image: np.ndarray, box: tuple[int, int] = DISPLAY_MAX) -> np.ndarray:
    """Scale down (never up) to fit ``box`` (width, height) for a portrait or landscape frame."""
    import cv2

    h, w = image.shape[:2]
    # A portrait phone clip gets the box turned on its side rather than shrinking to a stamp.
    bw, bh = box if w >= h else (box[1], box[0])
    scale = min(bw / w, bh / h, 1.0)
    if scale >= 1.0:
        return image
    return cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


class RateMeter:
    """Effective frames per second over the last couple of seconds of displayed frames."""

    def __init__(self, window_s: float = 2.0) -> None:
        self._times: deque[float] = deque()
        self._window_s = window_s

    def tick(self, now: float) -> None:
        self._times.append(now)
        while self._times and now - self._times[0] > self._window_s:
            self._times.popleft()

    @property
    def fps(self) -> float | None:
        if len(self._times) < 2:
            return None
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else None


class LiveWindow:
    """Sink: the OpenCV window. Keys become ``Command``s for the session (``take_command``).

    The window outlives the sets of a session: ``close`` (called by the pipeline after each
    set) does nothing; ``destroy`` closes it.
    """

    def __init__(
        self,
        *,
        title: str = "formcheck",
        mirror: bool = False,
        show_fps: bool = False,
        snapshot_dir: Path | None = None,
        captured_at: Callable[[int], float | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import cv2

        self._cv2: Any = cv2
        self.title = title
        self.mirror = mirror
        self.show_fps = show_fps
        self.snapshot_dir = snapshot_dir
        self._captured_at = captured_at or (lambda _index: None)
        self._clock = clock
        self._annotator: Annotator | None = None
        self._pending: Command | None = None
        self._rate = RateMeter()
        self._last_latency_ms: float | None = None
        self.latencies_ms: list[float] = []  # every displayed frame's capture-to-display time
        self.snapshots: list[Path] = []
        self.shown = 0
        if snapshot_dir is not None:
            snapshot_dir.mkdir(parents=True, exist_ok=True)
        try:
            cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        except cv2.error as err:
            raise UsageError("cannot open a window (no display?): use --no-window to run headless") from err
        self._sized = False

    def set_capture_clock(self, captured_at: Callable[[int], float | None]) -> None:
        """Where capture times come from (the frame feed, created after the window)."""
        self._captured_at = captured_at

    def start_set(self, exercise: Exercise) -> None:
        from formcheck.render.overlay import OverlayAnnotator

        self._annotator = OverlayAnnotator(exercise, mirror=self.mirror, show_fps=self.show_fps)

    # -- the sink ---------------------------------------------------------------------------
    def write(self, step: Step) -> None:
        if step.frame is None or self._annotator is None:
            return
        image = fit(step.frame.image)
        report = _scaled(step.report, image)
        fps = self._rate.fps if self.show_fps else None
        shown = self._annotator.annotate(image, report, fps=fps, latency_ms=self._last_latency_ms)
        self._show(shown, step.frame.index)
        if self.snapshot_dir is not None:
            for event in step.report.events:
                if event.kind in SNAPSHOT_EVENTS:
                    self._snapshot(shown, f"{event.kind}-{event.t_s:06.1f}s")
                    break

    def finish(self, result: SessionResult) -> None:
        pass

    def close(self) -> None:
        pass

    # -- used by the session ----------------------------------------------------------------
    def show_paused(self, image: np.ndarray, index: int) -> None:
        """Show a live frame while paused (no analysis), with the way out written on it."""
        self.show_message(image, index, "PAUSED", "space: continue   q: quit")

    def show_message(self, image: np.ndarray, index: int, title: str, hint: str) -> None:
        """Show a live frame dimmed, a title and a line of text across it (paused; the exercise
        being recognised)."""
        cv2 = self._cv2
        shown = fit(image)
        shown = np.ascontiguousarray(shown[:, ::-1]) if self.mirror else shown.copy()
        h, w = shown.shape[:2]
        overlay = shown.copy()
        cv2.rectangle(overlay, (0, 0), (w, h), (0, 0, 0), -1)
        shown = cv2.addWeighted(overlay, 0.45, shown, 0.55, 0)
        scale = max(w, h) / 900

        def fitting(text: str, size: float, thickness: int) -> float:  # across a narrow portrait frame too
            width = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, 1.0, thickness)[0][0]
            return min(size, 0.95 * w / max(width, 1))

        _centred(cv2, shown, title, h // 2, fitting(title, 2.2 * scale, 5), 5)
        _centred(cv2, shown, hint, h // 2 + int(70 * scale), fitting(hint, 0.9 * scale, 2), 2)
        self._show(shown, index)

    def take_command(self) -> Command | None:
        """The command asked since the last call (a quit is never overwritten)."""
        command, self._pending = self._pending, None
        return command

    def poll(self, wait_ms: int = 1) -> Command | None:
        """Process window events without a new frame (while waiting for the camera)."""
        self._read_keys(wait_ms)
        return self.take_command()

    def destroy(self) -> None:
        cv2 = self._cv2
        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            pass

    # -- internals --------------------------------------------------------------------------
    def _show(self, image: np.ndarray, index: int) -> None:
        cv2 = self._cv2
        if not self._sized:
            cv2.resizeWindow(self.title, image.shape[1], image.shape[0])
            self._sized = True
        cv2.imshow(self.title, image)
        self._read_keys(1)
        now = self._clock()
        self.shown += 1
        self._rate.tick(now)
        captured = self._captured_at(index)
        if captured is not None:
            self._last_latency_ms = (now - captured) * 1000.0
            self.latencies_ms.append(self._last_latency_ms)

    def _read_keys(self, wait_ms: int) -> None:
        cv2 = self._cv2
        command = command_for_key(cv2.waitKeyEx(wait_ms))
        try:
            closed = cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            closed = True
        if closed:
            command = Command.QUIT
        if command is not None and self._pending is not Command.QUIT:
            if command is Command.PAUSE and self._pending is Command.PAUSE:
                self._pending = None  # pressed twice before the session looked: no change
            else:
                self._pending = command

    def _snapshot(self, image: np.ndarray, label: str) -> None:
        assert self.snapshot_dir is not None
        path = self.snapshot_dir / f"{len(self.snapshots) + 1:03d}-{label}.png"
        if self._cv2.imwrite(str(path), image):
            self.snapshots.append(path)


def _scaled(report: FrameReport, image: np.ndarray) -> FrameReport:
    """The report for the displayed (scaled) image: landmarks are normalised, only the size changes."""
    from dataclasses import replace

    size = (int(image.shape[1]), int(image.shape[0]))
    return report if report.image_size == size else replace(report, image_size=size)


def _centred(cv2: Any, image: np.ndarray, text: str, y: int, scale: float, thickness: int) -> None:
    font = cv2.FONT_HERSHEY_DUPLEX
    (tw, _), _ = cv2.getTextSize(text, font, scale, thickness)
    x = (image.shape[1] - tw) // 2
    cv2.putText(image, text, (x, y), font, scale, (255, 255, 255), thickness, cv2.LINE_AA)


__all__ = ["HELP", "LiveWindow", "RateMeter", "fit"]
