"""Writing output files safely: checked before the work, complete or absent after it.

Every output (JSON, CSV, HTML report, video, pose track, model download) is written to a hidden
temporary file beside its target and renamed into place when complete, so a reader never sees
half a file and a crash leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from formcheck.errors import OutputError


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


@contextlib.contextmanager
def replacing(path: Path, *, what: str, text: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it into place when the block completes,
    remove it when the block fails. ``what`` names the file in the error ("report", "pose
    track") when the disk refuses it."""
    try:
        fd, tmp = temp_beside(path, ".tmp")
    except OSError as err:
        raise OutputError(f"cannot write {what} {path}: {err.strerror or err}") from err
    try:
        with os.fdopen(fd, "w", encoding="utf-8") if text else os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {what} {path}: {err.strerror or err}") from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Refuse an output path that cannot be written before any work is done, not after.

    Probes by creating (and removing) a file in the folder: permission bits alone lie (root,
    read-only mounts, full disks, ACLs).
    """
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"output path is a folder: {target}")
    if not parent.is_dir():
        raise OutputError(f"output folder does not exist: {parent}")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"output file is not writable: {target}")
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".tmp-"):
            pass
    except OSError as err:
        raise OutputError(f"cannot write to folder {parent}: {err.strerror}") from err
    return target
