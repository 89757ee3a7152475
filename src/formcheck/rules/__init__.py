"""The rule language: one YAML file per exercise, validated into an ``Exercise``.

The language is documented for physiotherapists in the repo's ``rules/README.md``.
"""

from formcheck.rules.loader import (
    ENV_VAR,
    bundled_rules_dir,
    list_exercises,
    load_exercise,
    rule_paths,
    search_dirs,
    validate_file,
)
from formcheck.rules.model import Exercise

__all__ = [
    "ENV_VAR",
    "Exercise",
    "bundled_rules_dir",
    "list_exercises",
    "load_exercise",
    "rule_paths",
    "search_dirs",
    "validate_file",
]
