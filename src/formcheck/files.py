"""Writing output files safely: checked before the work, complete or absent after it.

A regular file (JSON, CSV, HTML report, video, pose track, model download) is written to a
hidden temporary file beside its target and renamed into place when complete, so a reader never
sees half a file and a crash leaves nothing behind. Write-then-rename is only right for regular
files, though: renaming onto ``/dev/stdout``, a FIFO or a character device would replace the
device with a plain file (as root, destroying ``/dev/full``) and the reader would get nothing. So
an output path is one of three kinds (``output_kind``):

- ``-``: standard output;
- a *stream*: an existing FIFO, character device or socket (also through a symlink), written
  in place;
- a regular file (or a symlink to one, or a new name): written beside the symlink's *target*,
  so the link stays a link.

A stream is written from a temporary file once the output is complete (a video muxer must seek
in its file; a reader of a FIFO then gets the whole output or nothing). A full disk or device is
an ``OutputError`` naming the file, never a silent success.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from formcheck.errors import OutputError

STDOUT = "-"
OutputKind = Literal["stdout", "stream", "file"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def is_stdout(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path) == STDOUT


def output_kind(path: str | os.PathLike[str]) -> OutputKind:
    """``stdout`` for ``-``; ``stream`` for an existing FIFO, character device or socket (followed
    through symlinks) or anything under /dev or /proc; ``file`` otherwise (a regular file, a
    symlink to one, or a new name)."""
    if is_stdout(path):
        return "stdout"
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "file"
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode):
        return "stream"
    # /dev/stdout, /dev/fd/N, /proc/self/fd/N name a process's open file even when it is a
    # regular one: write through them, never rename beside what they point to.
    if os.path.abspath(path).startswith(("/dev/", "/proc/")):
        return "stream"
    return "file"


def describe(path: str | os.PathLike[str]) -> str:
    """How a message names an output: ``standard output`` for ``-``, else the path."""
    return "standard output" if is_stdout(path) else os.fspath(path)


def _rename_target(path: Path) -> Path:
    """Where a regular output really goes: a symlink's target (the link stays a link)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def temp_beside(path: Path, suffix: str) -> tuple[int, Path]:
    """(open fd, path) of a hidden temporary file in ``path``'s folder, so the final rename
    is atomic; it gets the permissions a normally created file would (mkstemp makes 0600)."""
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=suffix)
    with contextlib.suppress(OSError):  # e.g. a filesystem without permissions
        os.fchmod(fd, 0o666 & ~_umask())
    return fd, Path(tmp)


class PendingOutput:
    """One output being written: a temporary file (``tmp``) that ``commit`` puts in place.

    ``commit`` renames a regular file into place, or copies the temporary file into a stream
    or standard output; ``discard`` removes it. Either is safe to call twice. ``what`` names
    the file in errors ("report", "CSV").
    """

    def __init__(self, path: str | os.PathLike[str], *, what: str, suffix: str = ".tmp") -> None:
        self.path = Path(path)
        self.what = what
        self.kind = output_kind(path)
        try:
            if self.kind == "file":
                fd, tmp = temp_beside(_rename_target(self.path), suffix)
            else:  # a stream has no folder of its own to write beside
                fd, name = tempfile.mkstemp(prefix=".formcheck-", suffix=suffix)
                tmp = Path(name)
        except OSError as err:
            raise self.error(err) from err
        self.fd: int | None = fd
        self.tmp: Path | None = tmp

    def error(self, err: OSError | str) -> OutputError:
        reason = err if isinstance(err, str) else (err.strerror or str(err))
        return OutputError(f"cannot write {self.what} {describe(self.path)}: {reason}")

    def take_fd(self) -> int:
        """The temporary file's descriptor, handed over to the caller (who closes it)."""
        assert self.fd is not None
        fd, self.fd = self.fd, None
        return fd

    def commit(self) -> None:
        if self.tmp is None:
            return
        self._close_fd()
        try:
            if self.kind == "file":
                os.replace(self.tmp, _rename_target(self.path))
            else:
                self._copy_into_stream()
                self.tmp.unlink(missing_ok=True)
            self.tmp = None
        except OSError as err:
            self.discard()
            raise self.error(err) from err

    def discard(self) -> None:
        self._close_fd()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None

    def _close_fd(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _copy_into_stream(self) -> None:
        assert self.tmp is not None
        with open(self.tmp, "rb") as src:
            if self.kind == "stdout":
                sys.stdout.flush()
                out = sys.stdout.buffer
                shutil.copyfileobj(src, out)
                out.flush()  # a full device reports it here (ENOSPC)
            else:
                # Opening a FIFO waits for its reader, as any writer to a FIFO does.
                with open(self.path, "wb") as out_fh:
                    shutil.copyfileobj(src, out_fh)


@contextlib.contextmanager
def replacing(path: Path, *, what: str, text: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary file for ``path``; put it in place when the block completes (see
    ``PendingOutput``), remove it when the block fails. ``what`` names the file in the error
    ("report", "pose track") when the disk refuses it."""
    pending = PendingOutput(path, what=what)
    fd = pending.take_fd()
    try:
        with os.fdopen(fd, "w", encoding="utf-8") if text else os.fdopen(fd, "wb") as fh:
            yield fh
        pending.commit()
    except OSError as err:
        pending.discard()
        raise pending.error(err) from err
    except BaseException:
        pending.discard()
        raise


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Refuse an output path that cannot be written before any work is done, not after.

    Probes by creating (and removing) a file in the folder: permission bits alone lie (root,
    read-only mounts, full disks, ACLs). ``-`` (standard output) and an existing stream are
    written in place and only need to be writable themselves.
    """
    target = Path(path)
    kind = output_kind(target)
    if kind == "stdout":
        return target
    if kind == "stream":
        if not os.access(target, os.W_OK):
            raise OutputError(f"output is not writable: {target}")
        return target
    if target.is_dir():
        raise OutputError(f"output path is a folder: {target}")
    real = _rename_target(target)
    parent = real.parent if str(real.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"output folder does not exist: {parent}")
    if real.exists() and not os.access(real, os.W_OK):
        raise OutputError(f"output file is not writable: {target}")
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".tmp-"):
            pass
    except OSError as err:
        raise OutputError(f"cannot write to folder {parent}: {err.strerror}") from err
    return target
