"""Spoken counts and cues, offline: ``espeak-ng`` (if on PATH) or pyttsx3 (the ``voice`` extra).

Speaking takes longer than a frame, so a worker thread speaks while the frame loop goes on. It
holds one pending utterance: a newer one replaces it (a count that was not said in time is
stale), a cue is not pushed out by a count, and one that waited too long is dropped. The same
phrase is not repeated within a cooldown, so a fault that flickers is not nagged about.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from formcheck.live.events import speech

if TYPE_CHECKING:
    from formcheck.engine import SessionResult
    from formcheck.pipeline import Step

# Priorities: a cue (fault, guidance) matters more than a count.
COUNT, CUE = 0, 1
_PRIORITY = {
    "rep": COUNT, "rep_refused": COUNT, "hold_start": COUNT, "hold_end": COUNT,
    "fault_start": CUE, "notice_start": CUE,
}  # fmt: skip


def _espeak(path: str) -> Callable[[str], None]:
    def say(text: str) -> None:
        subprocess.run(
            [path, "-s", "165", text],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=15,
            check=False,
        )

    return say


def _pyttsx3() -> Callable[[str], None] | None:
    try:
        import pyttsx3  # the optional `voice` extra
    except ImportError:
        return None
    engine: Any = None

    def say(text: str) -> None:
        nonlocal engine
        if engine is None:  # created in the worker thread, which must also run its loop
            engine = pyttsx3.init()
        engine.say(text)
        engine.runAndWait()

    return say


def find_speaker() -> tuple[str, Callable[[str], None]] | None:
    """The first offline speech engine available, as (name, say), or None."""
    path = shutil.which("espeak-ng") or shutil.which("espeak")
    if path:
        return "espeak-ng", _espeak(path)
    say = _pyttsx3()
    return ("pyttsx3", say) if say is not None else None


@dataclass
class _Utterance:
    text: str
    priority: int
    queued_at: float


class Voice:
    """Speaks one utterance at a time on a worker thread; ``say`` never blocks."""

    def __init__(
        self,
        speak: Callable[[str], None],
        *,
        cooldown_s: float = 4.0,
        max_wait_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._speak = speak
        self._cooldown_s = cooldown_s
        self._max_wait_s = max_wait_s
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: _Utterance | None = None
        self._last_said: dict[str, float] = {}
        self._closed = False
        self.spoken: list[str] = []  # what was said, in order (for the tests and the log)
        self.dropped = 0
        self._thread = threading.Thread(target=self._work, name="formcheck-voice", daemon=True)
        self._thread.start()

    def say(self, text: str, priority: int = COUNT) -> None:
        now = self._clock()
        with self._cond:
            last = self._last_said.get(text)
            if last is not None and now - last < self._cooldown_s:
                return
            pending = self._pending
            if pending is not None and pending.priority > priority:
                self.dropped += 1
                return  # a cue waiting to be said outranks a count
            if pending is not None:
                self.dropped += 1
            self._pending = _Utterance(text, priority, now)
            self._cond.notify()

    def _work(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                item = self._pending
                self._pending = None
                assert item is not None
                now = self._clock()
                if now - item.queued_at > self._max_wait_s:
                    self.dropped += 1
                    continue
                self._last_said[item.text] = now
            try:
                self._speak(item.text)
                self.spoken.append(item.text)
            except Exception:  # a speech engine failing must never stop the session
                self.dropped += 1

    def close(self, timeout: float = 1.0) -> None:
        with self._cond:
            self._closed = True
            self._pending = None
            self._cond.notify_all()
        self._thread.join(timeout)

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until nothing is pending (tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if self._pending is None:
                    break
            time.sleep(0.01)


class VoiceSink:
    """Sink: speaks the counts and cues of each step's events through a ``Voice``."""

    def __init__(self, voice: Voice) -> None:
        self.voice = voice

    def write(self, step: Step) -> None:
        for event in step.report.events:
            text = speech(event, step.report)
            if text:
                self.voice.say(text, _PRIORITY.get(event.kind, COUNT))

    def finish(self, result: SessionResult) -> None:
        pass

    def close(self) -> None:
        pass  # the voice outlives a set; the session closes it
