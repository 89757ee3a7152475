"""BackgroundSink: the wrapped sink sees every step in order; failures reach the main thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from formcheck.errors import OutputError
from formcheck.pipeline import BackgroundSink


class RecordingSink:
    def __init__(self, fail_at: int | None = None) -> None:
        self.steps: list[Any] = []
        self.threads: set[str] = set()
        self.finished: Any = None
        self.closed = False
        self.fail_at = fail_at

    def write(self, step: Any) -> None:
        if self.fail_at is not None and len(self.steps) == self.fail_at:
            raise OutputError("disk full")
        self.threads.add(threading.current_thread().name)
        self.steps.append(step)

    def finish(self, result: Any) -> None:
        self.finished = result

    def close(self) -> None:
        self.closed = True


def test_writes_every_step_in_order_off_the_main_thread() -> None:
    inner = RecordingSink()
    sink = BackgroundSink(inner, depth=2)
    for i in range(50):
        sink.write(i)  # type: ignore[arg-type]
    sink.finish("result")  # type: ignore[arg-type]
    sink.close()
    assert inner.steps == list(range(50))
    assert threading.current_thread().name not in inner.threads
    assert inner.finished == "result" and inner.closed


def test_a_failed_write_is_raised_on_the_main_thread_and_the_sink_still_finishes() -> None:
    inner = RecordingSink(fail_at=3)
    sink = BackgroundSink(inner, depth=1)
    with pytest.raises(OutputError):
        for i in range(100):
            sink.write(i)  # type: ignore[arg-type]
        sink.finish("result")  # type: ignore[arg-type]
    sink.close()
    assert inner.steps == [0, 1, 2]
    assert inner.closed


def test_close_without_finish_stops_the_worker() -> None:
    inner = RecordingSink()
    sink = BackgroundSink(inner)
    sink.write(1)  # type: ignore[arg-type]
    sink.close()
    assert inner.closed and inner.finished is None
    assert not sink._thread.is_alive()
