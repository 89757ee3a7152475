"""Find, load and list routine files (``routines/*.yaml``), as ``rules.loader`` does for rules.

Search order: ``--routines-dir`` folders, then those in ``FORMCHECK_ROUTINES_PATH``
(``os.pathsep``-separated), then the bundled routines. A user routine overrides a bundled one
of the same id; two user files with the same id are an error. The exercises a routine names
are looked up with the rules' own search (``--rules-dir``, ``FORMCHECK_RULES_PATH``, bundled).
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Sequence
from pathlib import Path

from formcheck.errors import RuleError
from formcheck.routines.model import PlannedExercise, Routine, plan_entry
from formcheck.routines.schema import build_routine
from formcheck.rules import rule_paths
from formcheck.rules import validate_file as validate_rule_file
from formcheck.rules.model import Exercise
from formcheck.rules.schema import did_you_mean
from formcheck.rules.yamlnodes import Document

ENV_VAR = "FORMCHECK_ROUTINES_PATH"
SUFFIXES = (".yaml", ".yml")
MAX_ROUTINE_BYTES = 1_000_000

PathLike = str | os.PathLike[str]


def bundled_routines_dir() -> Path | None:
    """The routines shipped with formcheck: inside the wheel, or the repo's top-level routines/."""
    try:
        packaged = Path(str(importlib.resources.files("formcheck") / "_bundled_routines"))
        if packaged.is_dir():
            return packaged
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - namespace oddities
        pass
    repo = Path(__file__).resolve().parents[3] / "routines"  # src/formcheck/routines/loader.py -> repo
    return repo if repo.is_dir() else None


def search_dirs(routines_dirs: Sequence[PathLike] | None = None) -> list[tuple[Path, bool]]:
    """(directory, is_user) in search order."""
    dirs: list[tuple[Path, bool]] = [(Path(d), True) for d in (routines_dirs or ())]
    env = os.environ.get(ENV_VAR, "")
    dirs += [(Path(d), True) for d in env.split(os.pathsep) if d.strip()]
    for d, _ in dirs:
        if not d.is_dir():
            raise RuleError(f"routines directory not found: {d}")
    bundled = bundled_routines_dir()
    if bundled is not None:
        dirs.append((bundled, False))
    return dirs


def routine_paths(routines_dirs: Sequence[PathLike] | None = None) -> dict[str, Path]:
    """Routine id -> the file that defines it (user files first; duplicates among users fail)."""
    found: dict[str, Path] = {}
    user_ids: dict[str, Path] = {}
    for directory, is_user in search_dirs(routines_dirs):
        try:
            files = sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES and p.is_file())
        except OSError as err:
            raise RuleError(f"cannot read routines directory {directory}: {err.strerror}") from err
        for path in files:
            routine_id = path.name.rsplit(".", 1)[0]
            if is_user and routine_id in user_ids:
                raise RuleError(f"duplicate routine id '{routine_id}': {user_ids[routine_id]} and {path}")
            if is_user:
                user_ids[routine_id] = path
            found.setdefault(routine_id, path)
    return found


class _Rules:
    """The rules a routine may name, loaded once each."""

    def __init__(self, rules_dirs: Sequence[PathLike] | None) -> None:
        self.paths = rule_paths(rules_dirs)
        self._loaded: dict[str, Exercise] = {}

    def __call__(self, exercise_id: str) -> Exercise | None:
        if exercise_id not in self.paths:
            return None
        if exercise_id not in self._loaded:
            self._loaded[exercise_id] = validate_rule_file(self.paths[exercise_id])
        return self._loaded[exercise_id]


def validate_file(path: PathLike, rules_dirs: Sequence[PathLike] | None = None) -> Routine:
    """Load and validate one routine file; raises ``RuleError`` naming file, line and field."""
    return _load(Path(path), _Rules(rules_dirs))


def _load(p: Path, rules: _Rules) -> Routine:
    try:
        raw = p.read_bytes()[: MAX_ROUTINE_BYTES + 1]
    except OSError as err:
        raise RuleError(f"cannot read routine file {p}: {err.strerror or err}") from err
    if len(raw) > MAX_ROUTINE_BYTES:
        raise RuleError(f"{p}: routine file is larger than {MAX_ROUTINE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RuleError(f"{p}: not UTF-8 text (byte {err.start})") from err
    if not text.strip():
        raise RuleError(f"{p}: the file is empty; expected a routine (a mapping with format, id, ...)")
    try:
        return build_routine(Document(p, text), rules, sorted(rules.paths))
    except RuleError:
        raise
    except RecursionError:
        raise RuleError(f"{p}: nested too deeply") from None
    except Exception as err:  # the loader promises RuleError for any input; a bug must not leak out
        raise RuleError(f"{p}: cannot read routine ({type(err).__name__}: {err})") from err


def load_routine(
    id_or_path: PathLike,
    routines_dirs: Sequence[PathLike] | None = None,
    rules_dirs: Sequence[PathLike] | None = None,
) -> Routine:
    """A routine by id (searched as above) or by the path of a routine file."""
    text = str(id_or_path)
    rules = _Rules(rules_dirs)
    if text.endswith(SUFFIXES) or os.sep in text or "/" in text:
        return _load(Path(text), rules)
    paths = routine_paths(routines_dirs)
    if text not in paths:
        known = sorted(paths)
        hint = did_you_mean(text, known)
        raise RuleError(
            f"unknown routine '{text}'{hint}",
            detail=None if hint else "known routines: " + (", ".join(known) or "(none)"),
        )
    return _load(paths[text], rules)


def list_routines(
    routines_dirs: Sequence[PathLike] | None = None, rules_dirs: Sequence[PathLike] | None = None
) -> list[Routine]:
    """Every routine found, sorted by id; the first broken file raises ``RuleError``."""
    rules = _Rules(rules_dirs)
    return [_load(p, rules) for _, p in sorted(routine_paths(routines_dirs).items())]


def plan(routine: Routine, rules_dirs: Sequence[PathLike] | None = None) -> list[PlannedExercise]:
    """Each entry resolved against its rule (already checked when the routine was loaded)."""
    rules = _Rules(rules_dirs)
    out = []
    for number, entry in enumerate(routine.entries, 1):
        rule = rules(entry.exercise)
        if rule is None:  # the rules changed since the routine was loaded
            raise RuleError(f"{routine.source}:{entry.line}: unknown exercise '{entry.exercise}'")
        out.append(plan_entry(number, entry, rule, routine.rest_s))
    return out
