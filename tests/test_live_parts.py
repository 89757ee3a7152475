"""The pieces of live mode: newest-frame feed, keys, voice worker, event lines."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from formcheck.engine.report import ActiveFault, Event, FrameReport, HoldProgress
from formcheck.errors import CameraError
from formcheck.live.controls import Command, command_for_key
from formcheck.live.events import describe, speech
from formcheck.live.latest import LatestFrames
from formcheck.live.voice import COUNT, CUE, Voice
from formcheck.live.window import RateMeter, fit
from formcheck.sources.base import Frame

IMAGE = np.zeros((4, 4, 3), np.uint8)


def _frames(n: int, *, pace: float = 0.0, fail_at: int | None = None) -> Iterator[Frame]:
    for i in range(n):
        if i == fail_at:
            raise RuntimeError("device unplugged")
        if pace:
            time.sleep(pace)
        yield Frame(i, i * 33, IMAGE)


def test_latest_frames_hands_out_each_frame_once_in_order_and_the_last_one() -> None:
    feed = LatestFrames(_frames(200, pace=0.001))
    got = []
    for frame in feed:
        got.append(frame.index)
        time.sleep(0.01)  # a consumer ten times slower than the source
    assert got == sorted(set(got))
    assert got[-1] == 199  # the newest frame is never lost
    assert feed.received == 200
    assert feed.dropped == 200 - len(got)
    assert len(got) < 100


def test_latest_frames_records_capture_times() -> None:
    feed = LatestFrames(_frames(3))
    before = time.monotonic()
    frame = feed.next(timeout=2)
    assert frame is not None
    captured = feed.captured_at(frame.index)
    assert captured is not None and captured <= time.monotonic()
    assert before - 1 < captured


def test_latest_frames_reports_a_source_failure_after_its_frames() -> None:
    feed = LatestFrames(_frames(10, pace=0.002, fail_at=5))
    got = []
    with pytest.raises(CameraError, match="stopped delivering frames: device unplugged"):
        for frame in feed:
            got.append(frame.index)
    assert got and got[-1] == 4


def test_latest_frames_next_times_out_without_ending() -> None:
    release = threading.Event()

    def slow() -> Iterator[Frame]:
        release.wait(5)
        yield Frame(0, 0, IMAGE)

    feed = LatestFrames(slow())
    assert feed.next(timeout=0.05) is None and not feed.ended
    release.set()
    assert feed.next(timeout=2) is not None
    assert feed.next(timeout=2) is None and feed.ended


@pytest.mark.parametrize(
    ("code", "command"),
    [
        (ord("q"), Command.QUIT),
        (27, Command.QUIT),
        (ord(" "), Command.PAUSE),
        (ord("r"), Command.RESET),
        (ord("n"), Command.NEXT),
        (ord("p"), Command.PREV),
        (0x1000014, Command.NEXT),  # Qt right arrow
        (65361, Command.PREV),  # GTK left arrow
        (-1, None),
        (ord("x"), None),
    ],
)
def test_keys(code: int, command: Command | None) -> None:
    assert command_for_key(code) is command


class SlowSpeaker:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.said: list[str] = []
        self.started = threading.Event()

    def __call__(self, text: str) -> None:
        self.started.set()
        time.sleep(self.seconds)
        self.said.append(text)


def test_voice_never_blocks_and_drops_stale_counts() -> None:
    speaker = SlowSpeaker(0.3)
    voice = Voice(speaker, cooldown_s=0.0)
    t0 = time.monotonic()
    voice.say("1")
    assert speaker.started.wait(2)
    for n in range(2, 6):  # said while "1" is still being spoken
        voice.say(str(n))
    assert time.monotonic() - t0 < 0.25  # say() returned at once every time
    time.sleep(0.8)
    voice.close()
    assert speaker.said == ["1", "5"]  # 2..4 were replaced by the newer count
    assert voice.dropped == 3


def test_voice_keeps_a_cue_over_a_count_and_cools_down_repeats() -> None:
    speaker = SlowSpeaker(0.2)
    voice = Voice(speaker, cooldown_s=10.0)
    voice.say("knees out", CUE)
    assert speaker.started.wait(2)
    voice.say("chest up", CUE)
    voice.say("3", COUNT)  # must not push the waiting cue out
    time.sleep(0.6)
    voice.say("knees out", CUE)  # said less than the cooldown ago
    time.sleep(0.3)
    voice.close()
    assert speaker.said == ["knees out", "chest up"]


def test_voice_survives_a_failing_engine() -> None:
    def broken(text: str) -> None:
        raise OSError("no audio device")

    voice = Voice(broken, cooldown_s=0.0)
    voice.say("1")
    time.sleep(0.2)
    voice.say("2")
    time.sleep(0.2)
    voice.close()
    assert voice.spoken == [] and voice.dropped == 2


def _report(**kw) -> FrameReport:  # type: ignore[no-untyped-def]
    base = dict(
        t_ms=1000,
        pose=None,
        image_size=(640, 480),
        measures={},
        phase="rest",
        side=None,
        reps={"total": 3, "left": 2, "right": 1, "good": 2, "faulty": 1},
        hold=None,
        faults=[],
        notices=[],
        events=[],
        highlight={},
    )
    base.update(kw)
    return FrameReport(**base)  # type: ignore[arg-type]


def test_event_lines_and_speech() -> None:
    rep = Event("rep", 1.7, "left", {"count": 3, "good": True})
    assert describe(rep, _report()) == "    1.7s  rep (left)  total 3 (left 2, right 1)  good"
    assert speech(rep, _report()) == "left 2"
    fault = Event("fault_start", 2.0, "right", {"id": "knee_valgus", "severity": "warning"})
    report = _report(faults=[ActiveFault("knee_valgus", "right", "warning", "Knee caves in", "Knees out")])
    assert describe(fault, report) == "    2.0s  FAULT knee_valgus (right): Knee caves in — Knees out"
    assert speech(fault, report) == "Knees out"
    hold = Event("hold_start", 3.0, None, {})
    assert describe(hold, _report(hold=HoldProgress(None, 0.0, 30.0))) == "    3.0s  hold started, target 30s"
    done = Event("hold_end", 33.0, None, {"seconds": 30.0, "completed": True})
    assert describe(done, _report()) == "   33.0s  hold completed after 30.0s"
    assert describe(Event("fault_end", 4.0, None, {"id": "x"}), _report()) is None
    why = "thigh split went above 45°, which it does not in a bodyweight squat"
    refused = Event("rep_refused", 5.2, None, {"reason": "went_past", "message": why})
    assert describe(refused, _report()) == f"    5.2s  not counted: {why}"
    assert speech(refused, _report()) == "not counted"


def test_fit_scales_down_portrait_and_landscape_and_never_up() -> None:
    assert fit(np.zeros((1920, 1080, 3), np.uint8)).shape == (1280, 720, 3)
    assert fit(np.zeros((1080, 1920, 3), np.uint8)).shape == (720, 1280, 3)
    assert fit(np.zeros((240, 320, 3), np.uint8)).shape == (240, 320, 3)


def test_rate_meter() -> None:
    meter = RateMeter(window_s=2.0)
    for i in range(31):
        meter.tick(i / 15)
    assert meter.fps == pytest.approx(15.0)
