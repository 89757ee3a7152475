"""What a batch is made of: files, folders, globs and CSV manifests turned into a list of items.

Each ``BatchItem`` is one input analysed as one exercise. Its ``name`` is unique in the batch and
names the input's output files (``<name>.json``, ``.csv``, ``.mp4``, ``.html``) and its resume
record, so two ``session1.mp4`` from two patients' folders never overwrite each other.

A path that does not exist and has no wildcard stays an item: it fails alone, with its error in
the summary, as any other unreadable input does.
"""

from __future__ import annotations

import csv
import glob
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from formcheck.errors import InputError, UsageError
from formcheck.track import SUFFIX as TRACK_SUFFIX

# What a folder is searched for (recursively); anything else in it is ignored.
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".3gp")
MANIFEST_COLUMNS = ("input", "exercise", "person")
_WILDCARDS = frozenset("*?[")


@dataclass(frozen=True)
class BatchItem:
    path: Path  # absolute: workers on other machines see the same shared storage
    exercise: str
    person: str | None = None  # None: the command's --person
    name: str = ""  # unique in the batch; set by ``name_items``
    origin: str = ""  # where the item came from, for messages ("manifest.csv:4")


def is_input_file(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(TRACK_SUFFIX) or path.suffix.lower() in VIDEO_SUFFIXES


def expand(spec: str | os.PathLike[str], *, exclude: Sequence[Path] = ()) -> list[Path]:
    """One command-line input: a file (kept as given, even if missing), a folder (every video and
    pose track below it, hidden ones and ``exclude`` folders skipped) or a glob (``**`` for any
    depth). A folder or glob that yields nothing is an error: a typo must not pass as an empty
    batch."""
    text = os.fspath(spec)
    path = Path(text).expanduser()
    if path.is_dir():
        found = _folder_inputs(path, [e.resolve() for e in exclude])
        if not found:
            raise UsageError(f"no videos or pose tracks in folder {path}")
        return found
    if not path.exists() and _WILDCARDS & set(text):
        matches = sorted(Path(m) for m in glob.glob(os.path.expanduser(text), recursive=True))
        found = [m.absolute() for m in matches if m.is_file() and is_input_file(m)]
        if not found:
            raise UsageError(f"no videos or pose tracks match {text!r}")
        return found
    return [path.absolute()]


def _folder_inputs(folder: Path, exclude: list[Path]) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        # Outputs written into the input folder (annotated .mp4s) must not become inputs next time.
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() not in exclude)
        found += [here / f for f in sorted(files) if not f.startswith(".") and is_input_file(here / f)]
    return [p.absolute() for p in found]


def read_manifest(
    path: str | os.PathLike[str],
    *,
    default_exercise: str | None,
    exclude: Sequence[Path] = (),
) -> list[BatchItem]:
    """A CSV file with a header row: ``input`` (required; a file, folder or glob, relative to the
    manifest's folder), ``exercise`` (blank: ``default_exercise``) and ``person`` (optional).
    Other columns are ignored (a clinic's patient ids, notes)."""
    manifest = Path(path)
    try:
        text = manifest.read_text(encoding="utf-8-sig")  # a spreadsheet's byte-order mark
    except FileNotFoundError:
        raise InputError(f"manifest not found: {manifest}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read manifest {manifest}: {getattr(err, 'strerror', None) or err}") from err
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    if "input" not in columns:
        found = ", ".join(c for c in columns if c) or "none"
        raise UsageError(
            f"{manifest}: the first row must name the columns input,exercise[,person] (found: {found})"
        )
    reader.fieldnames = columns
    base = manifest.parent
    items: list[BatchItem] = []
    for row in reader:
        where = f"{manifest}:{reader.line_num}"  # blank lines skipped by the reader still count
        value = (row.get("input") or "").strip()
        if not value:
            if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                raise UsageError(f"{where}: the input column is empty")
            continue  # a blank line
        exercise = (row.get("exercise") or "").strip() or default_exercise
        if not exercise:
            raise UsageError(
                f"{where}: no exercise for {value} (fill the exercise column or give --exercise)"
            )
        if exercise == "auto":
            raise UsageError(
                f"{where}: exercise 'auto' needs exercise recognition, which formcheck does not have yet"
            )
        person = (row.get("person") or "").strip() or None
        spec = value if Path(value).expanduser().is_absolute() else str(base / value)
        try:
            paths = expand(spec, exclude=exclude)
        except UsageError as err:
            raise UsageError(f"{where}: {err.message}") from None
        items += [BatchItem(p, exercise, person, origin=where) for p in paths]
    if not items:
        raise UsageError(f"{manifest}: no inputs listed")
    return items


def dedupe(items: Iterable[BatchItem]) -> list[BatchItem]:
    """The same file with the same exercise once, in first-seen order (a folder and a glob may
    both name it)."""
    seen: set[tuple[Path, str, str | None]] = set()
    out = []
    for item in items:
        key = (item.path.resolve(), item.exercise, item.person)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def stem(path: Path) -> str:
    name = path.name
    if name.lower().endswith(TRACK_SUFFIX):
        return name[: -len(TRACK_SUFFIX)]
    return path.stem or name


def name_items(items: Sequence[BatchItem]) -> list[BatchItem]:
    """Give every item a unique, stable output name: the file's stem; where stems collide, the
    parent folder's name before it, then the exercise after it, then a number."""

    def candidates(item: BatchItem) -> Iterable[str]:
        base = stem(item.path)
        parent = item.path.parent.name
        yield base
        if parent:
            yield f"{parent}-{base}"
        yield f"{parent}-{base}-{item.exercise}" if parent else f"{base}-{item.exercise}"

    taken: set[str] = set()
    counts: dict[str, int] = {}
    for item in items:
        for c in candidates(item):
            counts[c] = counts.get(c, 0) + 1
    named = []
    for item in items:
        options = list(candidates(item))
        name = next((c for c in options if counts[c] == 1 and c not in taken), None)
        if name is None:
            name, n = options[-1], 1
            while name in taken:
                n += 1
                name = f"{options[-1]}-{n}"
        taken.add(name)
        named.append(replace(item, name=name))
    return named
