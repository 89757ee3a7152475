"""What the person can ask of a live session, and the keys that ask it."""

from __future__ import annotations

from enum import Enum


class Command(Enum):
    QUIT = "quit"
    PAUSE = "pause"  # toggles
    RESET = "reset"  # end this set (it is saved) and start a fresh one of the same exercise
    NEXT = "next"  # next exercise (ends this set)
    PREV = "prev"  # previous exercise (ends this set)


# Arrow keys as cv2.waitKeyEx reports them: Qt, GTK, Windows, macOS.
_LEFT = (0x1000012, 65361, 2424832, 63234)
_RIGHT = (0x1000014, 65363, 2555904, 63235)

KEYS: dict[int, Command] = {
    ord("q"): Command.QUIT,
    ord("Q"): Command.QUIT,
    27: Command.QUIT,  # Esc
    ord(" "): Command.PAUSE,
    ord("r"): Command.RESET,
    ord("R"): Command.RESET,
    ord("n"): Command.NEXT,
    ord("N"): Command.NEXT,
    ord("p"): Command.PREV,
    ord("P"): Command.PREV,
    **{code: Command.PREV for code in _LEFT},
    **{code: Command.NEXT for code in _RIGHT},
}

HELP = "q/Esc quit · space pause · r new set · ←/→ or n/p exercise"


def command_for_key(code: int) -> Command | None:
    """The command for a key code from ``cv2.waitKeyEx`` (-1: no key)."""
    if code < 0:
        return None
    return KEYS.get(code)
