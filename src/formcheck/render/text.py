"""Text drawing with OpenCV's Hershey fonts: ASCII only, so typographic characters from rule
files are mapped to their plain equivalents, and "°" is drawn as a small ring."""

from __future__ import annotations

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_DUPLEX

_PLAIN = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "−": "-",
        "×": "x",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "·": "-",
        "≈": "~",
        "≤": "<=",
        "≥": ">=",
    }
)
DEGREE = "°"


def plain(text: str) -> str:
    """``text`` with every character the Hershey fonts cannot draw replaced."""
    mapped = text.translate(_PLAIN)
    return "".join(ch if ch == DEGREE or 32 <= ord(ch) < 127 else "?" for ch in mapped)


def _ring_width(height: int) -> int:
    """Width taken by a drawn degree ring after a digit, for text ``height`` pixels tall."""
    return round(height * 0.55)


def text_size(text: str, scale: float, thickness: int) -> tuple[int, int, int]:
    """(width, height above the baseline, depth below it) of ``text`` in pixels, as
    ``put_text`` draws it."""
    pieces = plain(text).split(DEGREE)
    # "°" alone is as tall as a digit
    (_, h), base = cv2.getTextSize("".join(pieces) or "0", FONT, scale, thickness)
    w = sum(cv2.getTextSize(piece, FONT, scale, thickness)[0][0] for piece in pieces if piece)
    return w + _ring_width(h) * (len(pieces) - 1), h, base


def put_text(
    image: np.ndarray,
    text: str,
    origin: tuple[int, int],
    scale: float,
    color: tuple[int, int, int],
    thickness: int,
) -> int:
    """Draw ``text`` with its baseline at ``origin``; returns the width drawn. Each "°" (a
    threshold in a cue, "stop at a 45° knee bend", as well as a value's unit) is a ring."""
    x, y = origin
    pieces = plain(text).split(DEGREE)
    h = cv2.getTextSize("".join(pieces) or "0", FONT, scale, thickness)[0][1]  # as text_size measures it
    drawn = 0
    for i, piece in enumerate(pieces):
        if piece:
            cv2.putText(image, piece, (x + drawn, y), FONT, scale, color, thickness, cv2.LINE_AA)
            drawn += cv2.getTextSize(piece, FONT, scale, thickness)[0][0]
        if i < len(pieces) - 1:
            r = max(2, round(h * 0.16))
            centre = (x + drawn + r + max(1, thickness // 2), y - h + r)
            cv2.circle(image, centre, r, color, max(1, thickness // 2 + 1), cv2.LINE_AA)
            drawn += _ring_width(h)
    return drawn


def wrap(text: str, scale: float, thickness: int, max_width: int) -> list[str]:
    """Greedy word wrap so no line is wider than ``max_width`` pixels (a single long word
    stays on its own line)."""
    lines: list[str] = []
    current = ""
    for word in plain(text).split():
        trial = f"{current} {word}" if current else word
        if current and text_size(trial, scale, thickness)[0] > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines
