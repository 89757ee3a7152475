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


def text_size(text: str, scale: float, thickness: int) -> tuple[int, int, int]:
    """(width, height above the baseline, depth below it) of ``text`` in pixels."""
    body = plain(text)
    ring = body.endswith(DEGREE)
    (w, h), base = cv2.getTextSize(body.rstrip(DEGREE).replace(DEGREE, " "), FONT, scale, thickness)
    if ring:
        w += round(h * 0.55)
    return w, h, base


def put_text(
    image: np.ndarray,
    text: str,
    origin: tuple[int, int],
    scale: float,
    color: tuple[int, int, int],
    thickness: int,
) -> int:
    """Draw ``text`` with its baseline at ``origin``; returns the width drawn."""
    body = plain(text)
    ring = body.endswith(DEGREE)
    core = body.rstrip(DEGREE).replace(DEGREE, " ")
    x, y = origin
    cv2.putText(image, core, (x, y), FONT, scale, color, thickness, cv2.LINE_AA)
    (w, h), _ = cv2.getTextSize(core, FONT, scale, thickness)
    if ring:
        r = max(2, round(h * 0.16))
        centre = (x + w + r + max(1, thickness // 2), y - h + r)
        cv2.circle(image, centre, r, color, max(1, thickness // 2 + 1), cv2.LINE_AA)
        w += round(h * 0.55)
    return w


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
