"""Model registry, lookup, verification and download (against a real local HTTP server)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import http.server
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from formcheck import models
from formcheck.cli import main
from formcheck.errors import ModelError, UsageError
from formcheck.models import ModelInfo, resolve_model

# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache folder, no model folder, the official base URL, no memoised hashes."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(models.MODEL_DIR_ENV, raising=False)
    monkeypatch.delenv(models.BASE_URL_ENV, raising=False)
    monkeypatch.setattr(models, "_VERIFIED", {})
    return tmp_path / "cache" / "formcheck" / "models"


@pytest.fixture
def bundles(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Small fake bundles, with the registry pointed at their sizes and hashes."""
    fake = {v: (f"{v} bundle ".encode() * (2000 + 300 * i)) for i, v in enumerate(models.VARIANTS)}
    registry = {v: ModelInfo(v, len(b), hashlib.sha256(b).hexdigest()) for v, b in fake.items()}
    monkeypatch.setattr(models, "REGISTRY", registry)
    return fake


@dataclass
class Server:
    base_url: str
    bundles: dict[str, bytes]
    mode: str = "ok"  # ok | truncate | corrupt | long | missing | slow
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def server(bundles: dict[str, bytes]) -> Iterator[Server]:
    """A real HTTP server on 127.0.0.1 serving the fake bundles at the official paths."""
    by_path = {"/models/" + models.REGISTRY[v].url_path: data for v, data in bundles.items()}
    state = Server("", bundles)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            data = by_path.get(self.path)
            if data is None or state.mode == "missing":
                self.send_error(404)
                return
            if state.mode == "slow":
                time.sleep(1.5)
            body = {
                "ok": data,
                "truncate": data[: len(data) // 2],
                "corrupt": bytes(b ^ 1 for b in data[:10]) + data[10:],
                "long": data + b"extra",
                "slow": data,
            }[state.mode]
            self.send_response(200)
            self.send_header("Content-Length", str(len(data) if state.mode == "truncate" else len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client may hang up early
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/models"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def _cache_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []


# --- lookup and verification --------------------------------------------------------------------


def test_the_registry_holds_the_three_official_bundles() -> None:
    assert models.VARIANTS == ("lite", "full", "heavy")
    full = models.REGISTRY["full"]
    assert full.size == 9_398_198
    assert full.url() == (
        "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
        "pose_landmarker_full/float16/1/pose_landmarker_full.task"
    )


def test_the_real_shared_model_verifies(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(models.MODEL_DIR_ENV, str(model_dir))
    model = resolve_model("full", download=False)
    assert model.path == model_dir / "pose_landmarker_full.task"
    assert model.sha256 == models.REGISTRY["full"].sha256


def test_model_folders_are_searched_in_order_before_the_cache(
    bundles: dict[str, bytes], tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (second, isolated):
        folder.mkdir(parents=True)
        (folder / "pose_landmarker_lite.task").write_bytes(bundles["lite"])
    first.mkdir()
    monkeypatch.setenv(models.MODEL_DIR_ENV, os.pathsep.join([str(first), str(second)]))
    assert resolve_model("lite", download=False).path == second / "pose_landmarker_lite.task"
    monkeypatch.delenv(models.MODEL_DIR_ENV)
    assert resolve_model("lite", download=False).path == isolated / "pose_landmarker_lite.task"


def test_a_found_file_with_the_wrong_hash_is_refused_with_both_hashes(
    bundles: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pose_landmarker_full.task").write_bytes(b"not the model")
    monkeypatch.setenv(models.MODEL_DIR_ENV, str(tmp_path))
    with pytest.raises(ModelError) as info:
        resolve_model("full")
    message = str(info.value)
    assert hashlib.sha256(b"not the model").hexdigest() in message
    assert models.REGISTRY["full"].sha256 in message


def test_verification_is_memoised_until_the_file_changes(
    bundles: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pose_landmarker_full.task"
    path.write_bytes(bundles["full"])
    monkeypatch.setenv(models.MODEL_DIR_ENV, str(tmp_path))
    hashed: list[Path] = []
    real_hash = models.file_sha256
    monkeypatch.setattr(models, "file_sha256", lambda p: (hashed.append(Path(p)), real_hash(p))[1])
    resolve_model("full")
    resolve_model("full")
    assert len(hashed) == 1
    path.write_bytes(bundles["full"][:-1] + b"!")  # same size, new content and mtime
    os.utime(path, ns=(1, 1))
    with pytest.raises(ModelError, match="refusing"):
        resolve_model("full")
    assert len(hashed) == 2


PATH_SPECS = [
    # (how the file is made, expected variant or error words)
    ("official bytes", "full"),
    ("other bytes", "custom"),
    ("missing file", "model file not found"),
    ("folder", "got a folder"),
]


@pytest.mark.parametrize(("case", "expected"), PATH_SPECS)
def test_a_model_given_by_path(bundles: dict[str, bytes], tmp_path: Path, case: str, expected: str) -> None:
    path = tmp_path / "my.task"
    if case == "official bytes":
        path.write_bytes(bundles["full"])
    elif case == "other bytes":
        path.write_bytes(b"some other model")
    elif case == "folder":
        path.mkdir()
    if case in ("missing file", "folder"):
        with pytest.raises(ModelError, match=expected):
            resolve_model(str(path))
    else:
        model = resolve_model(str(path))
        assert (model.path, model.variant) == (path, expected)
        assert model.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_unknown_word_is_not_taken_for_a_path() -> None:
    with pytest.raises(ModelError, match="unknown model 'medium'"):
        resolve_model("medium")
    with pytest.raises(UsageError, match="unknown model variant"):
        models.variant_name("medium")
    assert models.variant_name(" Heavy ") == "heavy"


def test_without_download_a_missing_model_says_where_to_put_it(
    bundles: dict[str, bytes], isolated: Path
) -> None:
    with pytest.raises(ModelError) as info:
        resolve_model("heavy", download=False)
    message = str(info.value)
    assert "heavy" in message and models.REGISTRY["heavy"].url() in message and str(isolated) in message


# --- download -----------------------------------------------------------------------------------


def test_download_verifies_and_moves_into_the_cache(server: Server, isolated: Path) -> None:
    seen: list[tuple[int, int]] = []
    model = resolve_model("full", base_url=server.base_url, progress=lambda d, t: seen.append((d, t)))
    assert model.path == isolated / "pose_landmarker_full.task"
    assert model.path.read_bytes() == server.bundles["full"]
    assert _cache_files(isolated) == ["pose_landmarker_full.task"]  # no partial file left
    size = len(server.bundles["full"])
    assert seen[-1] == (size, size) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    # Found in the cache next time: no second request.
    server.mode = "missing"
    assert resolve_model("full", base_url=server.base_url).path == model.path
    assert len(server.requests) == 1


def test_the_base_url_can_come_from_the_environment(
    server: Server, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(models.BASE_URL_ENV, server.base_url)
    assert resolve_model("lite", progress=None).path.read_bytes() == server.bundles["lite"]


FAILED_DOWNLOADS = [
    # (server mode, words in the message)
    ("truncate", "cut short"),
    ("corrupt", "corrupt"),
    ("long", "larger than the official"),
    ("missing", "HTTP 404"),
]


@pytest.mark.parametrize(("mode", "words"), FAILED_DOWNLOADS, ids=[m for m, _ in FAILED_DOWNLOADS])
def test_a_failed_download_leaves_nothing_in_the_cache(
    server: Server, isolated: Path, mode: str, words: str
) -> None:
    server.mode = mode
    with pytest.raises(ModelError, match=words) as info:
        resolve_model("full", base_url=server.base_url, progress=None)
    assert "\n" not in str(info.value)
    assert _cache_files(isolated) == []


def test_a_corrupt_download_names_both_hashes(server: Server) -> None:
    server.mode = "corrupt"
    with pytest.raises(ModelError) as info:
        resolve_model("full", base_url=server.base_url, progress=None)
    got = hashlib.sha256(bytes(b ^ 1 for b in server.bundles["full"][:10]) + server.bundles["full"][10:])
    assert got.hexdigest() in str(info.value) and models.REGISTRY["full"].sha256 in str(info.value)


def test_an_unreachable_host_fails_fast_with_what_to_do(bundles: dict[str, bytes], isolated: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(ModelError) as info:
        resolve_model("full", base_url=f"http://127.0.0.1:{port}", progress=None)
    assert time.monotonic() - start < 5
    message = str(info.value)
    assert message.startswith("cannot download the full pose model from http://127.0.0.1")
    assert str(isolated) in message and models.MODEL_DIR_ENV in message


def test_a_server_that_does_not_answer_times_out(server: Server, isolated: Path) -> None:
    server.mode = "slow"
    start = time.monotonic()
    with pytest.raises(ModelError, match="cannot download"):
        resolve_model("full", base_url=server.base_url, progress=None, timeout=0.3)
    assert time.monotonic() - start < 1.4
    assert _cache_files(isolated) == []


def test_a_full_disk_is_reported_and_cleaned_up(
    server: Server, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FullDisk:
        def __init__(self, fd: int) -> None:
            self._file = os.fdopen(fd, "wb")

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self._file.close()

    monkeypatch.setattr(models, "_open_part", FullDisk)
    with pytest.raises(ModelError, match="no space left") as info:
        resolve_model("full", base_url=server.base_url, progress=None)
    assert str(isolated) in str(info.value)
    assert _cache_files(isolated) == []


def test_an_unusable_cache_folder_is_reported(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with pytest.raises(ModelError, match="cannot write to the model cache folder") as info:
        resolve_model("full", base_url=server.base_url, progress=None)
    assert server.bundles and models.REGISTRY["full"].url(server.base_url) in str(info.value)


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_models_path(
    bundles: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["models", "path", "full"]) == ModelError.exit_code
    err = capsys.readouterr().err
    assert err.startswith("formcheck: error: the full pose model is not downloaded") and err.count("\n") == 1
    (tmp_path / "pose_landmarker_full.task").write_bytes(bundles["full"])
    monkeypatch.setenv(models.MODEL_DIR_ENV, str(tmp_path))
    assert main(["models", "path", "full"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "pose_landmarker_full.task")
    assert main(["models", "path", "huge"]) == UsageError.exit_code


def test_cli_models_list_and_fetch(
    server: Server, isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(models.BASE_URL_ENV, server.base_url)
    assert main(["models", "fetch", "lite", "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == f"lite: {isolated / 'pose_landmarker_lite.task'}"
    assert main(["models", "list"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert str(isolated / "pose_landmarker_lite.task") in lines["lite"]
    assert "not downloaded" in lines["full"] and models.REGISTRY["full"].url() in lines["full"]
    # A bad name among several is refused before anything is downloaded.
    assert main(["models", "fetch", "full", "huge"]) == UsageError.exit_code
    assert not (isolated / "pose_landmarker_full.task").exists()
