"""Environment files as the preview reads them: checked by the environment loader (the same
problems, ``file:line`` messages and exit 2 as every command), with the YAML node tree the loader
parsed them into, so that findings name their lines without a second parse (a large valid file
can have hundreds of findings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.nodes import Node

from stacks.config.config_errors import Loc, line_of
from stacks.config.environment import Environment
from stacks.config.environment_loader import read_environment, read_environments


@dataclass(frozen=True)
class SourceFile:
    """A checked environment and the YAML node tree it was read from."""

    environment: Environment
    root: Node | None

    @property
    def shown(self) -> str:
        """The file as a person types it."""
        return self.environment.shown_path

    def line_of(self, loc: Loc) -> int:
        """1-based line of the deepest node along ``loc`` (a mapping key's own line, a list
        item's line), as config errors give it."""
        return line_of(self.root, loc)


def load_sources(project_root: Path, names: Sequence[str] = ()) -> list[SourceFile]:
    """Like ``load_environments`` (all when none are named; ``ConfigError`` with every problem
    of every file), keeping each file's node tree."""
    return [SourceFile(*read) for read in read_environments(project_root, names)]


def read_source(path: Path, project_root: Path) -> SourceFile:
    """One file anywhere (e.g. a git ref's copy); ``ConfigError`` if it has problems."""
    return SourceFile(*read_environment(path, project_root))
