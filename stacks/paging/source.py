"""Environment files read once, keeping where each value sits, for findings with line numbers.

``environment_loader`` reads a valid file with libyaml and throws the positions away; it reads
the file again with ruamel's round-trip loader only to report errors (4x slower than libyaml at
1,000 contacts: ~2 s). Findings are not errors, and a large valid file can have hundreds, so
the preview keeps libyaml's own node tree instead: one parse (``compose``), the same safe
construction ``load`` does, and line numbers for free. Anything not valid goes through
``load_environments`` unchanged, so config errors read exactly as everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from stacks.config.config_errors import Loc, relative_name
from stacks.config.environment import Environment
from stacks.config.environment_checks import check_environment
from stacks.config.environment_config import EnvironmentConfig
from stacks.config.environment_loader import (
    ENVIRONMENT_NAME,
    environment_files,
    load_environment,
    load_environments,
)


@dataclass(frozen=True)
class SourceFile:
    """A checked environment and the YAML node tree it was read from."""

    environment: Environment
    shown: str
    root: Node | None

    def line_of(self, loc: Loc) -> int:
        """1-based line of the deepest node along ``loc`` (a mapping key's own line, a list
        item's line), as ``config_errors.line_of`` does for round-trip data."""
        line = 1
        node = self.root
        for part in loc:
            found = _child(node, part)
            if found is None:
                break
            line, node = found
        return line


def _child(node: Node | None, part: str | int) -> tuple[int, Node] | None:
    if isinstance(node, MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if key.value == part:
                return key.start_mark.line + 1, value
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item: Node = node.value[part]
        return item.start_mark.line + 1, item
    return None


def _read(path: Path, project_root: Path) -> SourceFile | None:
    """The file if it is a valid environment; None if anything needs reporting."""
    if not ENVIRONMENT_NAME.match(path.stem):
        return None
    try:
        yaml = YAML(typ="safe")
        root = yaml.compose(path.read_text(encoding="utf-8"))
        data: Any = yaml.constructor.construct_document(root)
    except (OSError, YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        config = EnvironmentConfig.model_validate(data)
    except ValidationError:
        return None
    if check_environment(config, project_root):
        return None
    shown = relative_name(path, project_root)
    return SourceFile(_environment(path.stem, path, config, shown), shown, root)


def _environment(name: str, path: Path, config: EnvironmentConfig, shown: str) -> Environment:
    # The loader's Environment gains fields as it grows (shown_path, on the lead's branch):
    # fill each one it declares, so that a new one fails here, loudly, in the tests.
    known: dict[str, Any] = {"name": name, "path": path, "config": config, "shown_path": shown}
    return Environment(**{f.name: known[f.name] for f in fields(Environment)})


def load_sources(project_root: Path, names: Sequence[str] = ()) -> list[SourceFile]:
    """Like ``load_environments`` (all when none are named; ``ConfigError`` with every problem
    of every file), keeping each file's node tree."""
    files = environment_files(project_root)
    if any(name not in files for name in names) or not files:
        load_environments(project_root, names)  # raises the usual ConfigError
    selected = [files[n] for n in dict.fromkeys(names)] if names else list(files.values())
    sources = [_read(path, project_root) for path in selected]
    if any(source is None for source in sources):
        load_environments(project_root, names)  # raises, with line numbers
    return [source for source in sources if source is not None]


def read_source(path: Path, project_root: Path) -> SourceFile:
    """One file anywhere (e.g. a git ref's copy); ``ConfigError`` if it has problems."""
    source = _read(path, project_root)
    if source is None:
        load_environment(path, project_root)  # raises, with line numbers
        source = _read(path, project_root)
    assert source is not None, f"{path} is valid for the loader but not here"
    return source
