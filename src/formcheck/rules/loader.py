"""Find, load and list rule files.

Search order: the directories given by the caller (``--rules-dir``), then those in
``FORMCHECK_RULES_PATH`` (separated by ``os.pathsep``), then the bundled rules. A user
directory may override a bundled exercise by using the same id; two user files with the same
id are an error.
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Sequence
from pathlib import Path

from formcheck.errors import RuleError
from formcheck.rules.model import Exercise
from formcheck.rules.schema import build_exercise, did_you_mean
from formcheck.rules.yamlnodes import Document

ENV_VAR = "FORMCHECK_RULES_PATH"
SUFFIXES = (".yaml", ".yml")
MAX_RULE_BYTES = 1_000_000

PathLike = str | os.PathLike[str]


def bundled_rules_dir() -> Path | None:
    """The rules shipped with formcheck: inside the wheel, or the repo's top-level rules/."""
    try:
        packaged = Path(str(importlib.resources.files("formcheck") / "_bundled_rules"))
        if packaged.is_dir():
            return packaged
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - namespace oddities
        pass
    repo = Path(__file__).resolve().parents[3] / "rules"  # src/formcheck/rules/loader.py -> repo
    return repo if repo.is_dir() else None


def search_dirs(rules_dirs: Sequence[PathLike] | None = None) -> list[tuple[Path, bool]]:
    """(directory, is_user) in search order."""
    dirs: list[tuple[Path, bool]] = [(Path(d), True) for d in (rules_dirs or ())]
    env = os.environ.get(ENV_VAR, "")
    dirs += [(Path(d), True) for d in env.split(os.pathsep) if d.strip()]
    for d, _ in dirs:
        if not d.is_dir():
            raise RuleError(f"rules directory not found: {d}")
    bundled = bundled_rules_dir()
    if bundled is not None:
        dirs.append((bundled, False))
    return dirs


def rule_files_in(directory: Path) -> list[Path]:
    """The rule files (``*.yaml``, ``*.yml``) of a folder, sorted; none is an error."""
    found = _rule_files(directory)
    if not found:
        raise RuleError(f"no rule files (*.yaml) in folder {directory}")
    return found


def _rule_files(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES and p.is_file())
    except OSError as err:
        raise RuleError(f"cannot read rules directory {directory}: {err.strerror}") from err


def validate_file(path: PathLike) -> Exercise:
    """Load and validate one rule file; raises ``RuleError`` naming file, line and field."""
    p = Path(path)
    try:
        raw = p.read_bytes()[: MAX_RULE_BYTES + 1]
    except OSError as err:
        raise RuleError(f"cannot read rule file {p}: {err.strerror or err}") from err
    if len(raw) > MAX_RULE_BYTES:
        raise RuleError(f"{p}: rule file is larger than {MAX_RULE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RuleError(f"{p}: not UTF-8 text (byte {err.start})") from err
    try:
        return build_exercise(Document(p, text))
    except RuleError:
        raise
    except RecursionError:
        raise RuleError(f"{p}: nested too deeply") from None
    except Exception as err:  # the loader promises RuleError for any input; a bug must not leak out
        raise RuleError(f"{p}: cannot read rule ({type(err).__name__}: {err})") from err


def rule_paths(rules_dirs: Sequence[PathLike] | None = None) -> dict[str, Path]:
    """Exercise id -> the file that defines it (user files first; duplicates among users fail)."""
    found: dict[str, Path] = {}
    user_ids: dict[str, Path] = {}
    for directory, is_user in search_dirs(rules_dirs):
        seen_here: set[str] = set()
        for path in _rule_files(directory):
            ex_id = path.name.rsplit(".", 1)[0]
            earlier = user_ids.get(ex_id) if is_user else None
            if ex_id in seen_here or earlier is not None:
                first = found.get(ex_id) or earlier
                raise RuleError(f"duplicate exercise id '{ex_id}': {first} and {path}")
            seen_here.add(ex_id)
            if is_user:
                user_ids[ex_id] = path
            found.setdefault(ex_id, path)
    return found


def load_exercise(id_or_path: PathLike, rules_dirs: Sequence[PathLike] | None = None) -> Exercise:
    """An exercise by id (searched as above) or by the path of a rule file."""
    text = str(id_or_path)
    if text.endswith(SUFFIXES) or os.sep in text or "/" in text:
        return validate_file(text)
    paths = rule_paths(rules_dirs)
    if text not in paths:
        known = sorted(paths)
        hint = did_you_mean(text, known)
        raise RuleError(
            f"unknown exercise '{text}'{hint}",
            detail=None if hint else "known exercises: " + (", ".join(known) or "(none)"),
        )
    return validate_file(paths[text])


def list_exercises(rules_dirs: Sequence[PathLike] | None = None) -> list[Exercise]:
    """Every exercise found, sorted by id; the first broken file raises ``RuleError``."""
    return [validate_file(p) for _, p in sorted(rule_paths(rules_dirs).items())]
