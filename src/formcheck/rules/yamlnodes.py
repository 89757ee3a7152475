"""Read YAML into plain values while remembering the line of every value.

PyYAML's composed node tree carries a mark (line, column) for each node; we turn the tree into
dicts, lists and scalars ourselves so the validator can name the exact line of a bad field.
Anything YAML allows but a rule file has no use for (tags, non-string keys, duplicate keys,
recursive aliases) becomes a ``RuleError``; nothing here may raise anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from formcheck.errors import RuleError

PathKey = tuple[str | int, ...]
MAX_DEPTH = 40


@dataclass(frozen=True, slots=True)
class Mark:
    line: int  # 1-based
    column: int  # 0-based


def _one_line(text: str) -> str:
    """Control characters (from odd keys or values) escaped, so an error stays one line."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def format_path(path: PathKey) -> str:
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else key
    return out or "(top level)"


def caret_detail(text: str, mark: Mark | None) -> str | None:
    """The offending line with a caret under the bad value."""
    if mark is None:
        return None
    lines = text.splitlines()
    if not 1 <= mark.line <= len(lines):
        return None
    line = lines[mark.line - 1]
    return f"  {line}\n  {' ' * min(mark.column, len(line))}^"


class Document:
    """A parsed rule file: its values and the mark of each value by path."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.marks: dict[PathKey, Mark] = {}
        self.key_marks: dict[PathKey, Mark] = {}
        self.value: Any = self._parse()

    def error(self, path: PathKey, what: str, *, at_key: bool = False) -> RuleError:
        mark = (self.key_marks.get(path) if at_key else None) or self.marks.get(path)
        probe = path
        while mark is None and probe:  # fall back to the nearest enclosing value with a mark
            probe = probe[:-1]
            mark = self.marks.get(probe)
        line = f":{mark.line}" if mark else ""
        where = f" {format_path(path)}:" if path else ""
        message = _one_line(f"{where} {what}")  # a key may hold a newline; the message must not
        return RuleError(f"{self.path}{line}:{message}", detail=caret_detail(self.text, mark))

    def _parse(self) -> Any:
        try:
            node = yaml.compose(self.text, Loader=_LOADER)
        except (yaml.YAMLError, RecursionError):
            node = self._parse_slowly()  # the same file, for the pure-Python parser's message
        if node is None:
            raise RuleError(
                f"{self.path}: the file is empty; expected a rule (a mapping with format, id, ...)"
            )
        return self._convert(node, (), 0)

    def _parse_slowly(self) -> Any:
        """The nodes, or the pure-Python parser's error: it says what it found where it stopped
        ("expected ',' or ']', but got ':'"), where libyaml says only what it did not find."""
        try:
            return yaml.compose(self.text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            problem = getattr(err, "problem", None) or str(err).splitlines()[0]
            at = Mark(mark.line + 1, mark.column) if mark is not None else None
            line = f":{at.line}" if at else ""
            raise RuleError(
                f"{self.path}{line}: not valid YAML: {problem}", detail=caret_detail(self.text, at)
            ) from None
        except RecursionError:
            raise RuleError(f"{self.path}: not valid YAML: nested too deeply") from None

    def _convert(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        mark = Mark(node.start_mark.line + 1, node.start_mark.column)
        self.marks[path] = mark
        if depth > MAX_DEPTH:
            raise self.error(path, "nested too deeply (recursive alias?)")
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                    key_mark = Mark(key_node.start_mark.line + 1, key_node.start_mark.column)
                    self.marks[(*path, "?")] = key_mark
                    raise self.error((*path, "?"), "field names must be plain words")
                key = str(key_node.value)
                self.key_marks[(*path, key)] = Mark(key_node.start_mark.line + 1, key_node.start_mark.column)
                if key in out:
                    raise self.error((*path, key), f"field '{key}' given twice", at_key=True)
                out[key] = self._convert(value_node, (*path, key), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                raise self.error(path, f"unsupported YAML tag {node.tag!r}")
            try:
                return _SCALAR_LOADER.construct_object(node)
            except (yaml.YAMLError, ValueError, OverflowError) as err:
                raise self.error(path, f"cannot read value {node.value!r} ({err})") from None
        raise self.error(path, "unsupported YAML node")  # pragma: no cover


_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_SCALAR_LOADER = yaml.SafeLoader("")
# libyaml's parser when PyYAML was built with it (the wheels are): the same nodes and marks, about
# ten times faster than the pure-Python one. Rule files are read on every run, and
# `--exercise auto` reads the three leading candidates' files to re-rank them.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
