"""Config problems that point at a file, a line and a field path, in words a person can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

Loc = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class ConfigProblem:
    """One mistake in an environment file."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(Exception):
    """Every problem found in one or more environment files."""

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems = tuple(sorted(problems))
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in environment files:\n{lines}"
        )


def format_path(loc: Loc) -> str:
    """``('contacts', 0, 'alias')`` -> ``contacts[0].alias``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    """`` did you mean 'x'?`` for a near miss, else an empty string."""
    match = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def one_of(values: Sequence[str]) -> str:
    return ", ".join(values) if values else "none defined"


def line_of(tree: Any, loc: Loc) -> int:
    """1-based line of the deepest node along ``loc``: a mapping key's own line, a list item's
    line. ``tree`` is a composed YAML node tree (what the loader keeps) or ruamel round-trip
    data."""
    line = 1
    node = tree
    for part in loc:
        found = _child(node, part) if isinstance(node, Node) else _lc_child(node, part)
        if found is None:
            break
        line, node = found
    return line


def _child(node: Node, part: str | int) -> tuple[int, Any] | None:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if key.value == part or (isinstance(part, int) and key.value == str(part)):
                return key.start_mark.line + 1, value
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item = node.value[part]
        return item.start_mark.line + 1, item
    return None


def _lc_child(node: Any, part: str | int) -> tuple[int, Any] | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            return int(lc.item(part)[0]) + 1, node[part]
        if isinstance(part, str) and isinstance(node, dict) and part in node:
            return int(lc.key(part)[0]) + 1, node[part]
    except (KeyError, TypeError, IndexError):
        return None
    return None


def relative_name(path: Path, root: Path) -> str:
    """The file name as a person would type it: relative to the project root when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


class Repeated(str):
    """A "given twice" message that remembers where the value was first given, so that the
    loader can name that place's line too (both places, in one message)."""

    first: Loc
    base: str

    def __new__(cls, message: str, first: Loc) -> Repeated:
        text = super().__new__(cls, f"{message} (first at {format_path(first)})")
        text.first = first
        text.base = message
        return text

    def placed(self, first: Loc, line: int) -> str:
        """The message with the first place as the file has it (``first`` mapped back to the
        file's own indices) and its line."""
        return f"{self.base} (first at {format_path(first)}, line {line})"
