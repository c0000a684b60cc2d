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

from constructs_lib.runbook_document import not_utf8
from stacks.config_errors import (
    ConfigError,
    ConfigProblem,
    Loc,
    did_you_mean,
    format_path,
    line_of,
    relative_name,
)
from stacks.environment_checks import Repeated, UnknownName, check_environment
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
    # The file as a person types it: relative to the repository root.
    shown_path: str

    @property
    def stack_name(self) -> str:
        return f"{STACK_PREFIX}{self.name}"


# Both spellings of the YAML extension are environment files; anything else in the folder is
# reported rather than silently skipped (a `qa.yml` once went unnoticed, and a full synth then
# deleted qa's stack).
ENVIRONMENT_SUFFIXES = (".yaml", ".yml")


def environment_files(project_root: Path) -> dict[str, Path]:
    """Environment name -> file, for every stacks/environments/*.yaml and *.yml."""
    directory = project_root / ENVIRONMENTS_DIR
    return {
        path.stem: path
        for path in sorted(directory.iterdir() if directory.is_dir() else [])
        if path.suffix in ENVIRONMENT_SUFFIXES and path.is_file()
    }


def _folder_problems(project_root: Path) -> list[ConfigProblem]:
    """Files in the environments folder that would be ambiguous or ignored."""
    directory = project_root / ENVIRONMENTS_DIR
    problems = []
    stems: dict[str, list[str]] = {}
    for path in sorted(directory.iterdir() if directory.is_dir() else []):
        if path.name.startswith(".") or not path.is_file():
            continue
        shown = relative_name(path, project_root)
        if path.suffix in ENVIRONMENT_SUFFIXES:
            stems.setdefault(path.stem, []).append(path.name)
        elif path.suffix.lower() in ENVIRONMENT_SUFFIXES:
            problems.append(
                ConfigProblem(
                    shown,
                    1,
                    "",
                    "not read: environment files end in .yaml or .yml, in lowercase; rename it",
                )
            )
    for stem, names in stems.items():
        if len(names) > 1:
            problems.append(
                ConfigProblem(
                    (ENVIRONMENTS_DIR / names[-1]).as_posix(),
                    1,
                    "",
                    f"environment {stem!r} has two files ({' and '.join(names)}); keep one",
                )
            )
    return problems


def _read_text(path: Path, shown: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(
            [ConfigProblem(shown, 1, "", f"cannot read file: {error.strerror}")]
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError([ConfigProblem(shown, line, "", not_utf8(data, error))]) from None


def _parse(text: str, shown: str, typ: str) -> Any:
    try:
        return YAML(typ=typ).load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        detail = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise ConfigError([ConfigProblem(shown, line, "", f"not valid YAML: {detail}")]) from None
    except YAMLError as error:
        raise ConfigError([ConfigProblem(shown, 1, "", f"not valid YAML: {error}")]) from None


def _valid_config(text: str, shown: str, project_root: Path) -> EnvironmentConfig | None:
    """The config if the file has no problem at all, read the fast way (libyaml, no line
    numbers: ~6x faster on a 1,000-contact file); None if anything needs reporting."""
    data = _parse(text, shown, "safe")
    if not isinstance(data, dict):
        return None
    try:
        config = EnvironmentConfig.model_validate(data)
    except ValidationError:
        return None
    return None if check_environment(config, project_root) else config


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
    text = _read_text(path, shown)
    config = None if problems else _valid_config(text, shown, project_root)
    if config is not None:
        return Environment(name=name, path=path, config=config, shown_path=shown)
    # Something is wrong: read the file again keeping line numbers, to say where.
    data = _parse(text, shown, "rt")
    if not isinstance(data, dict):
        raise ConfigError(
            [*problems, ConfigProblem(shown, 1, "", "an environment file is a YAML mapping")]
        )

    def problem(loc: Loc, message: str) -> ConfigProblem:
        return ConfigProblem(shown, line_of(data, loc), format_path(loc), message)

    try:
        config = EnvironmentConfig.model_validate(data)
        recovered = _Recovered(config, {}, frozenset())
    except ValidationError as error:
        details = error.errors()
        locs = [clean_loc(detail, data) for detail in details]
        problems.extend(
            problem(loc, message_for(detail, EnvironmentConfig, loc))
            for detail, loc in zip(details, locs, strict=True)
        )
        partial = _without_invalid_entries(data, locs)
        if partial is None:
            raise ConfigError(problems) from None
        recovered = partial
    for loc, message in check_environment(recovered.config, project_root):
        if isinstance(message, UnknownName) and message.name in recovered.invalid_names:
            continue  # defined by an entry reported above; not unknown, only invalid
        text = message
        if isinstance(message, Repeated):
            first = recovered.original_loc(message.first)
            text = message.placed(first, line_of(data, first))
        problems.append(problem(recovered.original_loc(loc), text))
    if problems:
        raise ConfigError(problems)
    return Environment(name=name, path=path, config=recovered.config, shown_path=shown)


# Lists whose invalid entries can be set aside so that the rest of the file is still checked.
ENTRY_SECTIONS = (
    "contacts",
    "escalation_plans",
    "rotations",
    "topics",
    "runbooks",
    "runbook_roles",
    "response_plans",
    "alarms",
)
REQUIRED_SECTIONS = ("account_id", "region", "replication_set")


@dataclass(frozen=True)
class _Recovered:
    """A config validated without the entries that failed, and how to map locations back."""

    config: EnvironmentConfig
    kept: dict[str, list[int]]
    invalid_names: frozenset[str]

    def original_loc(self, loc: Loc) -> Loc:
        if len(loc) > 1 and loc[0] in self.kept and isinstance(loc[1], int):
            return (loc[0], self.kept[str(loc[0])][loc[1]], *loc[2:])
        return loc


def _without_invalid_entries(data: dict[str, Any], locs: list[Loc]) -> _Recovered | None:
    """The file minus every list entry (and optional setting) that failed validation, so the
    checks across entries can still run; None when a required setting itself failed."""
    invalid: dict[str, set[int]] = {}
    dropped: set[str] = set()
    for loc in locs:
        top = str(loc[0]) if loc else ""
        if top in REQUIRED_SECTIONS or not top:
            return None
        if top in ENTRY_SECTIONS and len(loc) > 1 and isinstance(loc[1], int):
            invalid.setdefault(top, set()).add(loc[1])
        else:
            dropped.add(top)
    partial = {k: v for k, v in data.items() if k not in dropped}
    kept: dict[str, list[int]] = {}
    names: set[str] = set()
    for section, bad in invalid.items():
        entries = data[section]
        kept[section] = [i for i in range(len(entries)) if i not in bad]
        partial[section] = [entries[i] for i in kept[section]]
        for index in bad:
            entry = entries[index]
            if isinstance(entry, dict):
                names.update(str(entry[k]) for k in ("alias", "name") if k in entry)
    try:
        config = EnvironmentConfig.model_validate(partial)
    except ValidationError:
        return None
    return _Recovered(config, kept, frozenset(names))


def load_environments(project_root: Path, names: Sequence[str] = ()) -> list[Environment]:
    """Load the named environments (all when none are named), reporting every problem of every
    file in one ``ConfigError``."""
    files = environment_files(project_root)
    problems = _folder_problems(project_root)
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
            ConfigProblem(
                ENVIRONMENTS_DIR.as_posix(), 1, "", "no environment files (*.yaml or *.yml)"
            )
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
