"""Is there a screen to open the live window on? Asked before the window is made.

OpenCV's Qt backend does not fail when there is no display: it prints xcb errors and aborts the
process (exit 134), losing the session. On Linux the window needs an X server (``DISPLAY``; a
Wayland session provides one through XWayland), so formcheck checks that ``DISPLAY`` names a
server that accepts a connection, and otherwise says how to run headless.
"""

from __future__ import annotations

import os
import re
import socket
import sys

NO_DISPLAY = "no display: use --no-window to run headless"
_DISPLAY_RE = re.compile(r"^(?P<host>[^:]*):(?P<number>\d+)(\.\d+)?$")


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """None when a window can open, else the one-line reason (``formcheck: error: ...``)."""
    if not sys.platform.startswith("linux"):
        return None  # macOS and Windows always have their own window system
    env = os.environ if environ is None else environ
    display = env.get("DISPLAY", "").strip()
    if not display:
        return NO_DISPLAY
    match = _DISPLAY_RE.match(display)
    if match is None:
        return f"{NO_DISPLAY} (DISPLAY={display!r} is not a display name)"
    if not _reachable(match["host"], int(match["number"])):
        return f"{NO_DISPLAY} (no X server answers at DISPLAY={display})"
    return None


def _reachable(host: str, number: int, timeout: float = 1.0) -> bool:
    if host in ("", "unix") or host.startswith("/"):
        path = host if host.startswith("/") else f"/tmp/.X11-unix/X{number}"
        # Linux X servers also listen on the abstract socket of the same name.
        for address in (path, "\0" + path):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout)
                try:
                    sock.connect(address)
                except OSError:
                    continue
                return True
        return False
    try:
        with socket.create_connection((host, 6000 + number), timeout=timeout):
            return True
    except OSError:
        return False
