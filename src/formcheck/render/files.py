"""Temporary files beside an output, renamed into place when complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temp_beside(path: Path, suffix: str) -> tuple[int, Path]:
    """(open fd, path) of a hidden temporary file in ``path``'s folder, so the final rename
    is atomic; it gets the permissions a normally created file would (mkstemp makes 0600)."""
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=suffix)
    with contextlib.suppress(OSError):  # e.g. a filesystem without permissions
        os.fchmod(fd, 0o666 & ~_umask())
    return fd, Path(tmp)
