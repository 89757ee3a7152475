"""MediaPipe PoseLandmarker (Tasks API, VIDEO running mode) behind the ``Estimator`` interface.

This is the only module that imports mediapipe: the import costs about a second, so it happens
when the first estimator is built, never at ``formcheck --help``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from formcheck.closing import Closing
from formcheck.errors import ModelError
from formcheck.landmarks import COUNT
from formcheck.pose import Pose

# Two poses by default: a bystander (a therapist beside the patient) must be seen to be
# ignored; the person selector downstream picks the exercising one.
DEFAULT_MAX_PEOPLE = 2


class MediaPipeEstimator(Closing):
    def __init__(
        self,
        model_path: str | Path,
        *,
        max_people: int = DEFAULT_MAX_PEOPLE,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        import mediapipe as mp  # deferred: see module docstring
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp: Any = mp
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=max_people,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        try:
            with _native_stderr_silenced():
                self._landmarker: Any = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as err:
            raise ModelError(f"cannot load pose model {model_path}: {err}") from err
        self._last_t_ms = -1
        self._warmed_up = False

    def estimate(self, image_bgr: np.ndarray, t_ms: int) -> tuple[Pose, ...]:
        # MediaPipe needs strictly increasing timestamps; nudge equal ones forward by 1 ms.
        t_ms = max(int(t_ms), self._last_t_ms + 1)
        self._last_t_ms = t_ms
        # cv2 swaps the channels with SIMD: ~0.2 ms for 720p against ~3 ms for a numpy
        # reversed-axis copy (benchmarks/bench_analyze.py), several percent of a frame's budget.
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        if self._warmed_up:
            result = self._landmarker.detect_for_video(image, t_ms)
        else:
            with _native_stderr_silenced():  # the first call logs a harmless projection warning
                result = self._landmarker.detect_for_video(image, t_ms)
            self._warmed_up = True
        poses = []
        for norm, world in zip(result.pose_landmarks, result.pose_world_landmarks, strict=False):
            lm = np.array(
                [(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in norm],
                dtype=np.float32,
            )
            wl = np.array([(p.x, p.y, p.z) for p in world], dtype=np.float32)
            if lm.shape == (COUNT, 5):
                poses.append(Pose(lm, wl if wl.shape == (COUNT, 3) else None))
        return tuple(poses)

    def close(self) -> None:
        # Close explicitly, on the thread that ran the model and after the last inference
        # (``estimate`` is synchronous): MediaPipe's own __del__ fails noisily at interpreter
        # shutdown. Tearing the graph down logs "INFO: ... DestroyAccelerator" lines to fd 2.
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is not None:
            with _native_stderr_silenced():
                landmarker.close()
                del landmarker  # the graph's last reference: its destructor logs too


# Landmarkers are built, warmed up and closed on several threads at once (estimation/alternating):
# fd 2 is one per process, so the first to silence it saves it and the last to finish restores
# it. Two threads each saving and restoring it on their own could leave it pointing at /dev/null
# for the rest of the process, and every error message after that would be lost.
_silence_lock = threading.Lock()
_silence_depth = 0
_saved_stderr: int | None = None


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Hide what MediaPipe's C++ code writes to file descriptor 2 while loading or closing the model.

    TFLite and absl log INFO/WARNING lines ("Created TensorFlow Lite XNNPACK delegate", "Feedback
    manager requires a model with a single signature", "DestroyAccelerator") straight to fd 2,
    ignoring Python and environment settings; a user would take them for errors. Real failures
    still surface as exceptions, which become one-line ``ModelError``s. ``FORMCHECK_DEBUG=1``
    keeps the lines.
    """
    global _silence_depth, _saved_stderr
    if os.environ.get("FORMCHECK_DEBUG"):
        yield
        return
    with _silence_lock:
        if _silence_depth == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(2)
            except (OSError, ValueError):  # no usable fd 2 (embedded, closed): nothing to hide
                saved = None
            if saved is not None:
                with open(os.devnull, "wb") as devnull:
                    os.dup2(devnull.fileno(), 2)
            _saved_stderr = saved
        _silence_depth += 1
    try:
        yield
    finally:
        with _silence_lock:
            _silence_depth -= 1
            if _silence_depth == 0 and _saved_stderr is not None:
                os.dup2(_saved_stderr, 2)
                os.close(_saved_stderr)
                _saved_stderr = None
