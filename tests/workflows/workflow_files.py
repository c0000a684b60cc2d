"""The workflow files as data: their paths, parsed YAML, and the `uses:` lines as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from stacks.layout import PROJECT_ROOT

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
PULL_REQUEST = WORKFLOWS / "pull-request.yml"
MERGE = WORKFLOWS / "merge.yml"
# `uses: owner/repo@<40 hex> # vX.Y.Z`
PINNED = re.compile(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def load(path: Path) -> dict[str, Any]:
    """The workflow as plain data (YAML 1.2: `on` is a string key, not true)."""
    loaded: dict[str, Any] = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    return loaded


def uses_lines(path: Path) -> list[str]:
    return [
        line.strip().removeprefix("- ")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().removeprefix("- ").startswith("uses:")
    ]
