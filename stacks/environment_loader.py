"""Find, parse and check environment files; collect every problem before anything is built."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from stacks.config_errors import (
    ConfigError,
    ConfigProblem,
    did_you_mean,
    format_path,
    line_of,
    relative_name,
)
from stacks.environment_checks import check_environment
from stacks.environment_config import EnvironmentConfig
from stacks.pydantic_messages import clean_loc, message_for

ENVIRONMENTS_DIR = Path("stacks") / "environments"
STACK_PREFIX = "incident-manager-"
ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Environment:
    """A checked environment file: its name, where it came from, and its config."""

    name: str
    path: Path
    config: EnvironmentConfig

    @property
    def stack_name(self) -> str:
        return f"{STACK_PREFIX}{self.name}"


def environment_files(project_root: Path) -> dict[str, Path]:
    """Environment name -> file, for every stacks/environments/*.yaml."""
    directory = project_root / ENVIRONMENTS_DIR
    return {path.stem: path for path in sorted(directory.glob("*.yaml"))}


def _read_yaml(path: Path, shown: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            [ConfigProblem(shown, 1, "", f"cannot read file: {error.strerror}")]
        ) from None
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        detail = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise ConfigError([ConfigProblem(shown, line, "", f"not valid YAML: {detail}")]) from None
    except YAMLError as error:
        raise ConfigError([ConfigProblem(shown, 1, "", f"not valid YAML: {error}")]) from None


def load_environment(path: Path, project_root: Path) -> Environment:
    """Parse and check one environment file; ``ConfigError`` lists every problem in it."""
    shown = relative_name(path, project_root)
    problems: list[ConfigProblem] = []
    name = path.stem
    if not ENVIRONMENT_NAME.match(name):
        problems.append(
            ConfigProblem(
                shown,
                1,
                "",
                f"file name {name!r} is not a valid environment name "
                "(lowercase letters, digits and '-', starting with a letter, at most 40)",
            )
        )
    data = _read_yaml(path, shown)
    if not isinstance(data, dict):
        raise ConfigError(
            [*problems, ConfigProblem(shown, 1, "", "an environment file is a YAML mapping")]
        )
    try:
        config = EnvironmentConfig.model_validate(data)
    except ValidationError as error:
        for detail in error.errors():
            loc = clean_loc(detail, data)
            problems.append(
                ConfigProblem(
                    shown,
                    line_of(data, loc),
                    format_path(loc),
                    message_for(detail, EnvironmentConfig, loc),
                )
            )
        raise ConfigError(problems) from None
    for loc, message in check_environment(config, project_root):
        problems.append(ConfigProblem(shown, line_of(data, loc), format_path(loc), message))
    if problems:
        raise ConfigError(problems)
    return Environment(name=name, path=path, config=config)


def load_environments(project_root: Path, names: Sequence[str] = ()) -> list[Environment]:
    """Load the named environments (all when none are named), reporting every problem of every
    file in one ``ConfigError``."""
    files = environment_files(project_root)
    problems: list[ConfigProblem] = []
    for name in names:
        if name not in files:
            problems.append(
                ConfigProblem(
                    ENVIRONMENTS_DIR.as_posix(),
                    1,
                    "",
                    f"no environment {name!r}{did_you_mean(name, files)} "
                    f"(environments: {', '.join(files) or 'none'})",
                )
            )
    if not files and not names:
        problems.append(
            ConfigProblem(ENVIRONMENTS_DIR.as_posix(), 1, "", "no environment files (*.yaml)")
        )
    selected = (
        [files[n] for n in dict.fromkeys(names) if n in files] if names else list(files.values())
    )
    environments: list[Environment] = []
    for path in selected:
        try:
            environments.append(load_environment(path, project_root))
        except ConfigError as error:
            problems.extend(error.problems)
    if problems:
        raise ConfigError(problems)
    return environments
