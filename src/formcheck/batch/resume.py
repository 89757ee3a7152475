"""Resuming a batch: which inputs an earlier run already analysed, exactly as this run would.

Each finished input leaves a record ``<summary folder>/.formcheck-batch/<name>.json``, written by
the client when the outcome arrives (atomically, so a crash leaves a whole record or none). A
rerun skips an input when its record has the same key and every output this run asks for is
still there. The key is the sha256 of the input file, of the rule file's text, the formcheck
version and the settings that change a result (model, stride, person, max people): a re-encoded
video, an edited threshold or a new release means the input is analysed again.

Only inputs that were analysed completely (status ok) are skipped; failed and partial ones are
tried again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formcheck import __version__
from formcheck.batch.task import OK, ItemOutcome
from formcheck.files import replacing

if TYPE_CHECKING:
    from formcheck.batch.task import ItemTask

RECORDS = ".formcheck-batch"
RECORD_FORMAT = "formcheck.batch-record/1"
_CHUNK = 1 << 20


def file_sha256(path: Path) -> str | None:
    """The file's sha256, or None when it cannot be read (the task then fails with the reason)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def task_key(task: ItemTask) -> str | None:
    """What the result depends on, as one hex digest; None when the input cannot be read."""
    input_sha = file_sha256(task.path)
    if input_sha is None:
        return None
    source = task.exercise.source
    rule_text = (
        source.read_bytes() if source is not None and source.is_file() else repr(task.exercise).encode()
    )
    settings = task.settings
    parts = {
        "input_sha256": input_sha,
        "rule_sha256": hashlib.sha256(rule_text).hexdigest(),
        "exercise": task.exercise.id,
        "formcheck": __version__,
        "settings": [settings.model, settings.stride, settings.person, settings.max_people],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class ResumeStore:
    """The records of one summary folder."""

    def __init__(self, summary_dir: Path) -> None:
        self.folder = summary_dir / RECORDS

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def done(self, task: ItemTask, key: str | None) -> ItemOutcome | None:
        """The earlier outcome when this input need not run again, else None."""
        if key is None:
            return None
        try:
            record = json.loads(self._path(task.name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if record.get("format") != RECORD_FORMAT or record.get("key") != key:
            return None
        outcome = record.get("outcome") or {}
        if outcome.get("status") != OK or outcome.get("result") is None:
            return None
        for path in task.outputs.paths():
            if not path.is_file():
                return None
        try:
            earlier = ItemOutcome(**outcome)
        except TypeError:  # a record from another layout
            return None
        earlier.skipped = True
        return earlier

    def save(self, key: str | None, outcome: ItemOutcome) -> None:
        if key is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        record: dict[str, Any] = {"format": RECORD_FORMAT, "key": key, "outcome": asdict(outcome)}
        record["outcome"]["skipped"] = False
        with replacing(self._path(outcome.name), what="resume record", text=True) as fh:
            json.dump(record, fh, ensure_ascii=False)
