"""Small JPEG thumbnails of each rep's peak frame (and each hold), for the HTML report.

From the start of a rep until the next one starts, the tracker keeps a downscaled copy of the
frame where the rep
measure was most extreme; when the engine reports the rep, that copy is the rep's picture.
Only one small image is held at a time, so memory stays flat on long videos.
"""

from __future__ import annotations

import base64

import cv2
import numpy as np

THUMB_HEIGHT = 160
JPEG_QUALITY = 72
# While holding, a fresh copy at most this often (downscaling every frame would be waste).
HOLD_SAMPLE_S = 0.5


def downscale(image_bgr: np.ndarray, height: int = THUMB_HEIGHT) -> np.ndarray:
    h, w = image_bgr.shape[:2]
    if h <= height:
        return image_bgr.copy()
    width = max(1, round(w * height / h))
    return cv2.resize(image_bgr, (width, height), interpolation=cv2.INTER_AREA)


def jpeg_data_uri(image_bgr: np.ndarray, quality: int = JPEG_QUALITY) -> str:
    ok, buf = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 BGR image
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


class PeakThumbnails:
    """Feed it every frame; it returns a data URI when a rep or a hold ends.

    ``rising`` says whether the rep measure grows toward the peak (a squat's knee flexion) or
    shrinks (a calf raise's ankle angle).
    """

    def __init__(self, rising: bool) -> None:
        self.rising = rising
        self._best: np.ndarray | None = None
        self._best_value: float | None = None
        self._hold: np.ndarray | None = None
        self._hold_sampled_s = -1e9

    def _better(self, value: float) -> bool:
        if self._best_value is None:
            return True
        return value > self._best_value if self.rising else value < self._best_value

    def start_rep(self) -> None:
        """A new rep began: forget the previous candidate (a rep that was never counted)."""
        self._best, self._best_value = None, None

    def offer_rep(self, image_bgr: np.ndarray | None, value: float | None) -> None:
        """A frame during the rep competes for the peak."""
        if image_bgr is None or value is None or value != value:
            return
        if self._better(value):
            self._best, self._best_value = downscale(image_bgr), value
            return
        if self._best is None:
            self._best = downscale(image_bgr)

    def take_rep(self) -> tuple[str | None, float | None]:
        """The finished rep's (thumbnail data URI, peak value); resets for the next rep."""
        uri = jpeg_data_uri(self._best) if self._best is not None else None
        value = self._best_value
        self._best, self._best_value = None, None
        return uri, value

    def offer_hold(self, image_bgr: np.ndarray | None, t_s: float) -> None:
        if image_bgr is not None and t_s - self._hold_sampled_s >= HOLD_SAMPLE_S:
            self._hold = downscale(image_bgr)
            self._hold_sampled_s = t_s

    def take_hold(self) -> str | None:
        uri = jpeg_data_uri(self._hold) if self._hold is not None else None
        self._hold, self._hold_sampled_s = None, -1e9
        return uri
