"""Find, parse and check environment files; collect every problem before anything is built."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import Node

from constructs_lib.runbook_document import not_utf8
from stacks.config.account_checks import AccountMember, check_shared_accounts
from stacks.config.config_errors import (
    ConfigError,
    ConfigProblem,
    Loc,
    Repeated,
    did_you_mean,
    format_path,
    line_of,
    relative_name,
)
from stacks.config.environment import Environment
from stacks.config.environment_checks import UnknownName, check_environment
from stacks.config.environment_config import EnvironmentConfig
from stacks.config.partial_config import validate_partially
from stacks.layout import ENVIRONMENTS_DIR

ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


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


def _parse(text: str, shown: str) -> tuple[Any, Node | None]:
    """The file's data and its node tree, from one read with libyaml (~6x faster than ruamel's
    pure-Python round-trip reader on a 1,000-contact file). The node tree gives line numbers;
    a second reader for them would disagree on some valid files (a tab after a colon) and then
    hide the file's real mistakes behind a YAML error."""
    yaml = YAML(typ="safe")
    try:
        root = yaml.compose(text)
        return yaml.constructor.construct_document(root), root
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        detail = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise ConfigError([ConfigProblem(shown, line, "", f"not valid YAML: {detail}")]) from None
    except YAMLError as error:
        raise ConfigError([ConfigProblem(shown, 1, "", f"not valid YAML: {error}")]) from None


def _valid_config(data: Any, project_root: Path) -> EnvironmentConfig | None:
    """The config if the file has no problem at all; None if anything needs reporting."""
    if not isinstance(data, dict):
        return None
    try:
        config = EnvironmentConfig.model_validate(data)
    except ValidationError:
        return None
    return None if check_environment(config, project_root) else config


# A checked environment and the YAML node tree its file was read from: line numbers for what is
# said about a valid file later (the paging preview's findings), without a second parse.
ReadEnvironment = tuple[Environment, Node | None]


def load_environment(path: Path, project_root: Path) -> Environment:
    """Parse and check one environment file; ``ConfigError`` lists every problem in it."""
    return read_environment(path, project_root)[0]


def read_environment(path: Path, project_root: Path) -> ReadEnvironment:
    """``load_environment``, keeping the file's node tree."""
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
    data, root = _parse(_read_text(path, shown), shown)
    config = None if problems else _valid_config(data, project_root)
    if config is not None:
        return Environment(name=name, path=path, config=config, shown_path=shown), root
    if not isinstance(data, dict):
        raise ConfigError(
            [*problems, ConfigProblem(shown, 1, "", "an environment file is a YAML mapping")]
        )

    def problem(loc: Loc, message: str) -> ConfigProblem:
        return ConfigProblem(shown, line_of(root, loc), format_path(loc), message)

    validated = validate_partially(data)
    problems.extend(problem(loc, message) for loc, message in validated.problems)
    partial = validated.partial
    if partial is None:
        raise ConfigError(problems)
    for loc, message in check_environment(partial.config, project_root):
        if isinstance(message, UnknownName) and message.name in partial.invalid_names:
            continue  # defined by an entry reported above; not unknown, only invalid
        text = message
        if isinstance(message, Repeated):
            first = partial.original_loc(message.first)
            text = message.placed(first, line_of(root, first))
        problems.append(problem(partial.original_loc(loc), text))
    if problems:
        raise ConfigError(problems)
    return Environment(name=name, path=path, config=partial.config, shown_path=shown), root


def load_environments(project_root: Path, names: Sequence[str] = ()) -> list[Environment]:
    """Load the named environments (all when none are named), reporting every problem of every
    file in one ``ConfigError``."""
    return [environment for environment, _ in read_environments(project_root, names)]


def read_environments(project_root: Path, names: Sequence[str] = ()) -> list[ReadEnvironment]:
    """``load_environments``, keeping each file's node tree."""
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
    read: list[ReadEnvironment] = []
    for path in selected:
        try:
            read.append(read_environment(path, project_root))
        except ConfigError as error:
            problems.extend(error.problems)
    loaded = [environment for environment, _ in read]
    problems.extend(_account_problems(files, selected, loaded, project_root))
    if problems:
        raise ConfigError(problems)
    return read


def _account_problems(
    files: dict[str, Path], selected: list[Path], loaded: list[Environment], project_root: Path
) -> list[ConfigProblem]:
    """The rules across environments of one account, between the files loaded and every other
    valid file of the folder (a file not asked for still shares the account)."""
    by_path = {environment.path: environment for environment in loaded}
    members: list[AccountMember] = []
    paths: dict[str, Path] = {}
    for path in files.values():
        environment = by_path.get(path)
        shown = relative_name(path, project_root)
        config = environment.config if environment else _config_if_valid(path, shown)
        if config is not None:
            members.append(AccountMember(shown, config))
            paths[shown] = path
    asked = {relative_name(path, project_root) for path in selected}
    roots: dict[str, Node | None] = {}

    def line(shown: str, loc: Loc) -> int:
        if shown not in roots:
            roots[shown] = _parse(_read_text(paths[shown], shown), shown)[1]
        return line_of(roots[shown], loc)

    return check_shared_accounts(members, line, lambda shown: shown in asked)


def _config_if_valid(path: Path, shown: str) -> EnvironmentConfig | None:
    """A file's config for the rules across files, or None if it does not validate (its own
    problems are reported when it is loaded)."""
    try:
        data = _parse(_read_text(path, shown), shown)[0]
        return EnvironmentConfig.model_validate(data) if isinstance(data, dict) else None
    except (ConfigError, ValidationError):
        return None
