"""The three official MediaPipe PoseLandmarker bundles: find them, verify them, download them.

``resolve_model(spec)`` turns ``lite|full|heavy`` or a file path into a verified model file.
Search order for a variant: every folder in ``FORMCHECK_MODEL_DIR`` (os.pathsep-separated),
then the user cache folder (``platformdirs.user_cache_dir("formcheck")/models``), then a
download into that cache. A download goes to a temporary file beside its final place, is
checked for size and sha256, and only then renamed into place: the cache never holds a
half-written or corrupt model.

Every file found is hash-checked too (about 20 ms for the full model); the verdict is memoised
per process by (path, size, mtime, inode), so a long session hashes each file once.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from formcheck.errors import ModelError, UsageError

OFFICIAL_BASE_URL = "https://storage.googleapis.com/mediapipe-models"
BASE_URL_ENV = "FORMCHECK_MODEL_BASE_URL"
MODEL_DIR_ENV = "FORMCHECK_MODEL_DIR"
# Short: an unreachable host (no internet) must fail within seconds, never hang.
DOWNLOAD_TIMEOUT_S = 10.0
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One official bundle: where Google publishes it and what its bytes must be."""

    variant: str
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        return f"pose_landmarker_{self.variant}.task"

    @property
    def url_path(self) -> str:
        return f"pose_landmarker/pose_landmarker_{self.variant}/float16/1/{self.filename}"

    def url(self, base_url: str | None = None) -> str:
        base = base_url or os.environ.get(BASE_URL_ENV) or OFFICIAL_BASE_URL
        return f"{base.rstrip('/')}/{self.url_path}"


REGISTRY: dict[str, ModelInfo] = {
    "lite": ModelInfo("lite", 5_777_746, "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a"),
    "full": ModelInfo("full", 9_398_198, "5134a3aad27a58b93da0088d431f366da362b44e3ccfbe3462b3827a839011b1"),
    "heavy": ModelInfo(
        "heavy", 30_664_242, "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b"
    ),
}
VARIANTS: tuple[str, ...] = tuple(REGISTRY)
CUSTOM = "custom"  # the variant of a model file given by path that is none of the official three


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    path: Path
    variant: str  # lite | full | heavy | custom
    sha256: str

    def as_meta(self) -> dict[str, str]:
        """What a recorded track keeps about the model that produced it."""
        return {"variant": self.variant, "sha256": self.sha256, "file": self.path.name}


# (done_bytes, total_bytes) after each chunk of a download.
ByteProgress = Callable[[int, int], None]
ProgressChoice = ByteProgress | Literal["auto"] | None


def variant_name(text: str) -> str:
    """``text`` as a registry variant (case-insensitive); a clear UsageError for anything else."""
    name = text.strip().lower()
    if name not in REGISTRY:
        raise UsageError(f"unknown model variant {text!r}: use one of {', '.join(VARIANTS)}")
    return name


def cache_dir() -> Path:
    """The per-user folder downloads go to (read on each call, so XDG_CACHE_HOME is honoured)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("formcheck")) / "models"


def search_dirs() -> list[Path]:
    """Folders searched for a variant, in order: FORMCHECK_MODEL_DIR entries, then the cache."""
    dirs = [Path(d) for d in os.environ.get(MODEL_DIR_ENV, "").split(os.pathsep) if d.strip()]
    return [*dirs, cache_dir()]


def find_model(variant: str) -> Path | None:
    """The first file of ``variant`` in the search folders, unverified; None when there is none."""
    info = _info(variant)
    for folder in search_dirs():
        candidate = folder / info.filename
        try:
            if candidate.is_file():
                return candidate
        except OSError:  # an unreadable folder is as good as an empty one here
            continue
    return None


def resolve_model(
    spec: str = "full",
    *,
    download: bool = True,
    progress: ProgressChoice = "auto",
    base_url: str | None = None,
    timeout: float = DOWNLOAD_TIMEOUT_S,
) -> ResolvedModel:
    """A verified model file for ``spec`` (``lite``, ``full``, ``heavy`` or a path to a .task file).

    Raises ``ModelError`` (one line) when the file is missing and cannot be downloaded, or when
    its bytes are not the official ones.
    """
    if spec not in REGISTRY:
        return _resolve_path(spec)
    info = REGISTRY[spec]
    found = find_model(spec)
    if found is not None:
        return ResolvedModel(found, spec, _verified(found, info))
    if not download:
        raise ModelError(_missing_message(info, base_url))
    path = download_model(spec, progress=progress, base_url=base_url, timeout=timeout)
    return ResolvedModel(path, spec, info.sha256)


def download_model(
    variant: str,
    *,
    progress: ProgressChoice = "auto",
    base_url: str | None = None,
    timeout: float = DOWNLOAD_TIMEOUT_S,
) -> Path:
    """Download ``variant`` into the cache folder, verified; returns its path there."""
    info = _info(variant)
    url = info.url(base_url)
    folder = cache_dir()
    target = folder / info.filename
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{info.filename}.", suffix=".part")
    except OSError as err:
        raise ModelError(
            f"cannot write to the model cache folder {folder} ({_reason(err)}); download {url} by hand "
            f"and put it in a folder named by {MODEL_DIR_ENV}"
        ) from err
    tmp = Path(tmp_name)
    try:
        with _open_part(fd) as out, _progress(progress, info) as report:
            digest = _fetch(url, out, info, report, timeout)
        if digest != info.sha256:
            raise ModelError(
                f"downloaded {info.variant} model is corrupt: sha256 {digest}, expected {info.sha256} "
                f"(from {url}); try again, or download it by hand into {folder}"
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model is an ordinary shared file
        os.replace(tmp, target)
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise ModelError(
                f"no space left on the disk while saving the {info.variant} model to {folder}; free "
                f"{info.size / 1e6:.0f} MB or set {MODEL_DIR_ENV} to a folder with the file"
            ) from err
        raise ModelError(f"cannot save the {info.variant} model to {folder} ({_reason(err)})") from err
    finally:
        tmp.unlink(missing_ok=True)
    _VERIFIED[_file_key(target)] = info.sha256
    return target


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def variant_of_hash(sha256: str) -> str:
    for info in REGISTRY.values():
        if info.sha256 == sha256:
            return info.variant
    return CUSTOM


# --- internals -------------------------------------------------------------------------------

_VERIFIED: dict[tuple[str, int, int, int], str] = {}


def _info(variant: str) -> ModelInfo:
    try:
        return REGISTRY[variant]
    except KeyError:
        raise ModelError(f"unknown model variant {variant!r}: use one of {', '.join(VARIANTS)}") from None


def _file_key(path: Path) -> tuple[str, int, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)


def _hash_memoised(path: Path) -> str:
    key = _file_key(path)
    if key not in _VERIFIED:
        _VERIFIED[key] = file_sha256(path)
    return _VERIFIED[key]


def _verified(path: Path, info: ModelInfo) -> str:
    try:
        digest = _hash_memoised(path)
    except OSError as err:
        raise ModelError(f"cannot read the {info.variant} model {path} ({_reason(err)})") from err
    if digest != info.sha256:
        raise ModelError(
            f"refusing {path}: sha256 {digest} is not the official {info.variant} model's {info.sha256}; "
            f"delete it (or replace it with {info.url()})"
        )
    return digest


def _resolve_path(spec: str) -> ResolvedModel:
    path = Path(spec).expanduser()
    if not path.exists():
        if os.sep not in spec and not spec.endswith(".task"):
            raise ModelError(f"unknown model {spec!r}: use {', '.join(VARIANTS)}, or a path to a .task file")
        raise ModelError(f"model file not found: {path}")
    if path.is_dir():
        raise ModelError(f"expected a model file (.task), got a folder: {path}")
    try:
        digest = _hash_memoised(path)
    except OSError as err:
        raise ModelError(f"cannot read the model file {path} ({_reason(err)})") from err
    return ResolvedModel(path, variant_of_hash(digest), digest)


def _missing_message(info: ModelInfo, base_url: str | None = None) -> str:
    return (
        f"the {info.variant} pose model is not downloaded; run `formcheck models fetch {info.variant}`, "
        f"or download {info.url(base_url)} by hand into {cache_dir()} (or a folder named by {MODEL_DIR_ENV})"
    )


def _fetch(url: str, out: BinaryIO, info: ModelInfo, report: ByteProgress, timeout: float) -> str:
    """Stream ``url`` into ``out``; returns the sha256. Size problems raise ModelError."""
    h = hashlib.sha256()
    done = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            while block := response.read(_CHUNK):
                done += len(block)
                if done > info.size:
                    raise ModelError(
                        f"download of the {info.variant} model from {url} is larger than the official "
                        f"{info.size} bytes; refusing it"
                    )
                h.update(block)
                try:
                    out.write(block)
                except OSError as err:
                    raise _DiskError(err) from err
                report(done, info.size)
    except ModelError:
        raise
    except urllib.error.HTTPError as err:
        raise ModelError(_offline_message(info, url, f"HTTP {err.code} {err.reason}")) from err
    except urllib.error.URLError as err:
        raise ModelError(_offline_message(info, url, _reason(err.reason))) from err
    except (TimeoutError, ConnectionError) as err:
        raise ModelError(_offline_message(info, url, _reason(err))) from err
    except _DiskError as err:
        raise err.error from None  # a local disk problem, reported by the caller
    except (OSError, http.client.HTTPException, ValueError) as err:
        raise ModelError(_offline_message(info, url, _reason(err))) from err
    if done != info.size:
        raise ModelError(
            f"download of the {info.variant} model from {url} was cut short ({done} of {info.size} bytes); "
            "try again"
        )
    return h.hexdigest()


def _open_part(fd: int) -> BinaryIO:
    """The partial download's file object (a seam for tests that simulate a full disk)."""
    return os.fdopen(fd, "wb")


class _DiskError(Exception):
    """A write to the local file failed (told apart from network errors, both OSError)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _offline_message(info: ModelInfo, url: str, reason: str) -> str:
    return (
        f"cannot download the {info.variant} pose model from {url} ({reason}); download it by hand "
        f"and put it in {cache_dir()} (or a folder named by {MODEL_DIR_ENV})"
    )


@contextmanager
def _progress(choice: ProgressChoice, info: ModelInfo) -> Iterator[ByteProgress]:
    if choice is None:
        yield lambda done, total: None
    elif choice == "auto":
        from formcheck.progress import ByteProgressBar

        with ByteProgressBar(f"downloading {info.filename}", info.size) as bar:
            yield bar.update
    else:
        yield choice


def _reason(err: object) -> str:
    text = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return str(text).strip().splitlines()[0] if str(text).strip() else type(err).__name__
