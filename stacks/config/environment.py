"""One checked environment: what the loader returns and everything after it takes (the
stack, the secret variables, the commands).

Imports: ``stacks.layout`` and the config model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stacks.config.environment_config import EnvironmentConfig
from stacks.layout import STACK_PREFIX


@dataclass(frozen=True)
class Environment:
    """A checked environment file: its name, where it came from, and its config."""

    name: str
    path: Path
    config: EnvironmentConfig
    # The file as a person types it: relative to the repository root.
    shown_path: str

    @property
    def stack_name(self) -> str:
        return f"{STACK_PREFIX}{self.name}"
