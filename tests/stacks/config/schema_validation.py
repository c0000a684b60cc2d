"""Validate environment files against the committed JSON Schema as an editor does.

The validator is jsonschema's Draft 2020-12 (pinned in requirements.txt), with one change:
``pattern`` is matched by the ``regex`` package, because Python's ``re`` does not know the
``\\p{L}`` classes of ECMA-262 patterns (JSON Schema's dialect), with ``$`` read as ECMA-262
reads it. test_environment_schema compares these verdicts with Node.js's engine, which
editors use.
Files are read the way yaml-language-server reads them: YAML 1.2, a timestamp stays text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import regex
from jsonschema import (  # type: ignore[import-untyped]
    Draft202012Validator,
    FormatChecker,
    ValidationError,
    validators,
)
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor

from stacks.config.environment_schema import SCHEMA_FILE
from tests.conftest import PROJECT_ROOT


class _EditorConstructor(SafeConstructor):
    """YAML as an editor sees it: no timestamp type (YAML 1.2's core schema has none)."""


_EditorConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str
)


def editor_yaml(text: str) -> Any:
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _EditorConstructor
    return yaml.load(text)


def python_form(pattern: str) -> str:
    """An ECMA-262 pattern as ``regex`` reads it alike: ``$`` outside a class ends the text
    (in Python it also matches before a final newline)."""
    out, in_class, index = [], False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        out.append("\\Z" if char == "$" and not in_class else char)
        index += 1
    return "".join(out)


@cache
def _compiled(pattern: str) -> Any:
    return regex.compile(python_form(pattern))


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


EditorValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})


def _is_regex(instance: object) -> bool:
    return not isinstance(instance, str) or bool(_compiled(instance))


# The metaschema's "regex" format, checked with the same engine as the patterns.
_FORMATS = FormatChecker()
_FORMATS.checks("regex", raises=regex.error)(_is_regex)


def committed_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((PROJECT_ROOT / SCHEMA_FILE).read_text(encoding="utf-8"))
    return schema


def check_schema(schema: dict[str, Any]) -> None:
    """Raise if ``schema`` is not a valid Draft 2020-12 schema (its patterns included)."""
    Draft202012Validator.check_schema(schema, format_checker=_FORMATS)


@cache
def _validator() -> Any:
    schema = committed_schema()
    check_schema(schema)
    return EditorValidator(schema)


def schema_errors(data: Any) -> list[ValidationError]:
    """Every schema error of an environment file's data."""
    return sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))


def file_errors(path: Path) -> list[ValidationError]:
    return schema_errors(editor_yaml(path.read_text(encoding="utf-8")))
