"""The environment file's JSON Schema, generated from the config model, for editors.

``stacks/environment.schema.json`` is what the first two lines of each environment file point
to (``HEADER``): VS Code's YAML extension and Neovim (yaml-language-server), and JetBrains
IDEs, complete keys and flag wrong values while typing. It is generated from
``EnvironmentConfig`` and committed; a test fails when it is stale::

    .venv/bin/python main.py schema --write   # or: make schema
    .venv/bin/python main.py schema --check

``--write`` also regenerates the reference in docs/environment-file.md
(``stacks/config/environment_reference.py``); ``stacks/config/generated_files.py`` writes both.

pydantic writes the types, enums, lengths, ranges, required keys, defaults and descriptions,
and ``additionalProperties: false`` (every model forbids unknown keys). What its generator
cannot see is added: the API rules' lengths and patterns come with their validators
(``api_rules.ApiCheck``); the rules of model validators and of the checks that look at one
entry only are in ``schema_rules``, with what a schema cannot say (``NOT_EXPRESSIBLE``, left
to ``make check``). The schema never refuses what ``make check`` accepts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from stacks.config.environment_config import EnvironmentConfig
from stacks.config.json_patterns import pattern_schema
from stacks.config.pydantic_messages import PATTERN_WORDS
from stacks.config.schema_rules import FIELD_RULES, MODEL_RULES
from stacks.layout import ENVIRONMENTS_DIR

SCHEMA_FILE = Path("stacks") / "environment.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The first lines of every environment file: editors find the schema from the file's folder.
# yaml-language-server (VS Code's YAML extension, Neovim) reads the first; JetBrains IDEs the
# second.
SCHEMA_PATH_FROM_ENVIRONMENTS = Path(os.path.relpath(SCHEMA_FILE, ENVIRONMENTS_DIR)).as_posix()
HEADER = (
    f"# yaml-language-server: $schema={SCHEMA_PATH_FROM_ENVIRONMENTS}\n"
    f"# $schema: {SCHEMA_PATH_FROM_ENVIRONMENTS}\n"
)
REGENERATE = ".venv/bin/python main.py schema --write"


class _Generator(GenerateJsonSchema):
    """pydantic's generator, for editors: no generated titles, ECMA-262 patterns with their
    words, map keys in propertyNames, defaults from default factories, start times as text."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        json_schema = super().str_schema(schema)
        pattern = json_schema.get("pattern")
        if pattern is not None:
            # pydantic's Rust engine searches, as JSON Schema does: no anchors added.
            json_schema.update(pattern_schema(pattern, PATTERN_WORDS[pattern], fullmatch=False))
        return json_schema

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        json_schema = super().dict_schema(schema)
        # pydantic puts a key pattern in patternProperties, which lets other keys through.
        patterns = json_schema.pop("patternProperties", None)
        if patterns:
            ((pattern, values),) = patterns.items()
            names = json_schema.setdefault("propertyNames", {})
            names["pattern"] = pattern
            json_schema["additionalProperties"] = values
        return json_schema

    def datetime_schema(self, schema: core_schema.DatetimeSchema) -> JsonSchemaValue:
        # Written as text; its rule is in FIELD_RULES (format: date-time is narrower).
        return {"type": "string"}

    def get_default_value(self, schema: core_schema.WithDefaultSchema) -> Any:
        factory = schema.get("default_factory")
        if factory is not None and not schema.get("default_factory_takes_data"):
            return factory()  # type: ignore[call-arg]
        return super().get_default_value(schema)

    def _sort_recursive(self, value: Any, parent_key: str | None = None) -> Any:
        # Keys are sorted, but an example keeps its keys in the order a person writes them.
        if parent_key == "examples":
            return value
        return super()._sort_recursive(value, parent_key)

    def tagged_union_schema(self, schema: core_schema.TaggedUnionSchema) -> JsonSchemaValue:
        json_schema = super().tagged_union_schema(schema)
        json_schema.pop("discriminator", None)  # OpenAPI's keyword, not JSON Schema's
        return json_schema


_SCHEMA_MAPS = ("properties", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_VALUES = (
    "items", "additionalProperties", "propertyNames", "not", "if", "then", "else", "contains",
)  # fmt: skip
_EMPTY_MINIMUMS = ("minLength", "minItems", "minProperties")


def _walk(schema: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    """Call ``visit`` on every subschema (not on maps of names, nor on values like enums)."""
    if not isinstance(schema, dict):
        return
    visit(schema)
    for key in _SCHEMA_MAPS:
        for sub in schema.get(key, {}).values():
            _walk(sub, visit)
    for key in _SCHEMA_LISTS:
        for sub in schema.get(key, []):
            _walk(sub, visit)
    for key in _SCHEMA_VALUES:
        _walk(schema.get(key), visit)


def _tidy(schema: dict[str, Any]) -> None:
    schema.pop("title", None)
    if isinstance(schema.get("description"), str):
        # Docstrings' reStructuredText code marks, as Markdown (editors render Markdown).
        schema["description"] = " ".join(schema["description"].replace("``", "`").split())
    for key in _EMPTY_MINIMUMS:
        if schema.get(key) == 0:
            del schema[key]


def _merge(target: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def environment_schema() -> dict[str, Any]:
    """The JSON Schema of an environment file."""
    generated = EnvironmentConfig.model_json_schema(schema_generator=_Generator)
    _walk(generated, _tidy)
    defs = generated["$defs"]
    models = {**defs, "EnvironmentConfig": generated}
    for model, rules in MODEL_RULES.items():
        models[model].setdefault("allOf", []).extend(rule for _, rule in rules)
    for (model, field), (_, rule) in FIELD_RULES.items():
        _merge(models[model]["properties"][field], rule)
    root = {
        "$schema": DIALECT,
        "title": "Incident Manager environment file",
        "description": (
            "stacks/environments/<env>.yaml: one environment, the stack incident-manager-<env>. "
            "Reference: docs/environment-file.md. make check applies every rule, also those a "
            "schema cannot state (references, unique names, files)."
        ),
    }
    root.update({k: v for k, v in generated.items() if k != "description"})
    return root


def schema_text() -> str:
    return json.dumps(environment_schema(), indent=2, ensure_ascii=False) + "\n"
