"""The environment file reference in docs/environment-file.md, generated from the JSON Schema.

The page's part between ``BEGIN`` and ``END`` is written here from ``environment_schema()``
(so from the config model): an annotated overview of every field, then per object a table of
its fields (path, type, default, allowed values, the AWS limit's source, an example), the rules
of one entry, and what only ``make check`` knows. Prose around the markers is the page's own.
``python main.py schema --write`` rewrites it; a test fails when it is stale.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from typing import Any

from stacks.config.environment_schema import REGENERATE, environment_schema
from stacks.config.schema_rules import MODEL_RULES, NOT_EXPRESSIBLE

BEGIN = "<!-- BEGIN generated reference -->"
NOTICE = (
    f"<!-- Generated from stacks/config/environment_config.py by `{REGENERATE}` (make schema): "
    "edit there, not here. -->"
)
END = "<!-- END generated reference -->"
COMMENT_COLUMN = 34
WIDTH = 100
# Code longer than this has its comment on the lines above.
LONG_CODE = 50
# More allowed values than this are counted, not listed (the AWS regions of a state bucket).
LISTED_VALUES = 16
Schema = dict[str, Any]


@dataclass(frozen=True)
class _Object:
    """An object of the file: its heading, the path its fields start with, its model and
    schema."""

    heading: str
    path: str
    name: str
    schema: Schema


def _plain(value: str) -> bool:
    """Whether YAML reads ``value`` unquoted as this same string (no number, bool, time...)."""
    if not re.fullmatch(r"[A-Za-z/][A-Za-z0-9 _./:@$<>-]*", value) or value != value.strip():
        return False
    if value.lower() in ("true", "false", "yes", "no", "on", "off", "null", "none", "y", "n"):
        return value == "none"  # YAML 1.2 reads none as text
    return ": " not in value and not value.endswith(":")


def yaml_value(value: Any) -> str:
    """A value in YAML flow style, as a person would write it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value if _plain(value) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    items = ", ".join(f"{yaml_value(k)}: {yaml_value(v)}" for k, v in value.items())
    return "{" + items + "}"


class _Reference:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.defs: dict[str, Schema] = schema["$defs"]
        self.objects: list[_Object] = []

    def resolve(self, schema: Schema) -> Schema:
        ref = schema.get("$ref")
        return self.defs[ref.rsplit("/", 1)[1]] if ref else schema

    def _non_null(self, schema: Schema) -> Schema:
        """The schema of a value that may also be null, without the null."""
        options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
        if len(options) == 1 and "anyOf" in schema:
            return {**{k: v for k, v in schema.items() if k != "anyOf"}, **options[0]}
        return schema

    def _model(self, schema: Schema) -> str | None:
        """The name of the object model a field holds (itself, one of a list), if any."""
        schema = self._non_null(schema)
        if "$ref" in schema:
            return str(schema["$ref"].rsplit("/", 1)[1])
        items = schema.get("items")
        if schema.get("type") == "array" and isinstance(items, dict) and "$ref" in items:
            return str(items["$ref"].rsplit("/", 1)[1])
        return None

    # --- the overview -----------------------------------------------------------------------

    def overview(self) -> str:
        lines: list[str] = []
        self._object_lines(self.schema, 0, lines, item=False)
        return "\n".join(lines)

    def _object_lines(self, schema: Schema, indent: int, lines: list[str], item: bool) -> None:
        required = set(schema.get("required", []))
        for index, (name, field) in enumerate(schema["properties"].items()):
            prefix = " " * indent + ("- " if item and index == 0 else "  " if item else "")
            self._field_lines(prefix, name, field, name in required, lines)

    def _field_lines(
        self, prefix: str, name: str, field: Schema, required: bool, lines: list[str]
    ) -> None:
        inner = self._non_null(field)
        notes = ["Required." if required else ""]
        description = field.get("description", "")
        variants = [self.resolve(v) for v in inner.get("oneOf", []) if "$ref" in v]
        model = self._model(field)
        child_indent = len(prefix) + 2
        if variants:
            lines.extend(_commented(f"{prefix}{name}:", [*notes, description]))
            first, *others = variants
            self._object_lines(first, child_indent, lines, item=False)
            for other in others:
                kind = other["properties"]["type"]["const"]
                lines.append(f"{' ' * child_indent}# or, type: {kind}")
                nested: list[str] = []
                self._object_lines(other, child_indent, nested, item=False)
                lines.extend(_as_comment(line, child_indent) for line in nested[1:])
            return
        if model is not None:
            listed = self._non_null(field).get("type") == "array"
            if not required:
                notes[0] = "Optional." if not listed else ""
            lines.extend(_commented(f"{prefix}{name}:", [*notes, description]))
            self._object_lines(self.defs[model], child_indent, lines, listed)
            return
        if required:
            value = _example(inner)
        else:
            value = field.get("default")
            example = field.get("examples")
            if example:
                description = f"{description} E.g. {yaml_value(example[0])}".strip()
        lines.extend(_commented(f"{prefix}{name}: {yaml_value(value)}", [*notes, description]))

    # --- the tables -------------------------------------------------------------------------

    def collect(self, schema: Schema, heading: str, path: str, name: str) -> None:
        self.objects.append(_Object(heading, path, name, schema))
        for field_name, field in schema["properties"].items():
            inner = self._non_null(field)
            variants = [v for v in inner.get("oneOf", []) if "$ref" in v]
            for variant in variants:
                model = variant["$ref"].rsplit("/", 1)[1]
                kind = self.defs[model]["properties"]["type"]["const"]
                where = f"{path}{field_name}"
                self.collect(self.defs[model], f"`{where}` (type: {kind})", f"{where}.", model)
            model = self._model(field)
            if model is not None:
                where = f"{path}{field_name}{'[]' if inner.get('type') == 'array' else ''}"
                self.collect(self.defs[model], f"`{where}`", f"{where}.", model)
            values = inner.get("additionalProperties")
            model = self._model(values) if isinstance(values, dict) else None
            if values and model is not None:
                key = _key_kind(inner)
                where = f"{path}{field_name}.<{key}>{'[]' if values.get('type') == 'array' else ''}"
                self.collect(self.defs[model], f"`{where}`", f"{where}.", model)

    def tables(self) -> str:
        self.collect(self.schema, "The top level", "", "EnvironmentConfig")
        parts = []
        for obj in self.objects:
            heading = f"### {obj.heading}"
            intro = obj.schema.get("description", "").replace("``", "`")
            rows = [
                "| field | type | default | allowed values | AWS limit | example |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            required = set(obj.schema.get("required", []))
            for name, field in obj.schema["properties"].items():
                rows.append(self._row(obj.path, name, field, name in required))
            rules = [f"- {words}" for words, _ in MODEL_RULES.get(obj.name, [])]
            section = [heading, "", " ".join(intro.split()), "", *rows]
            if rules:
                section += ["", "Rules of one entry:", "", *rules]
            parts.append("\n".join(section))
        return "\n\n".join(parts)

    def _row(self, path: str, name: str, field: Schema, required: bool) -> str:
        inner = self._non_null(field)
        default = "required" if required else _code(yaml_value(field.get("default")))
        examples = field.get("examples")
        example = _code(yaml_value(examples[0])) if examples else ""
        model = self._model(field)
        listed = inner.get("type") == "array"
        kind = f"list of `{path}{name}[]` entries" if listed else f"object: `{path}{name}`"
        cells = [
            f"`{path}{name}`",
            kind if model is not None else self._type(inner),
            default,
            self._allowed(inner),
            _sources(inner) or "",
            example,
        ]
        return "| " + " | ".join(c.replace("|", "\\|") or "—" for c in cells) + " |"

    def _type(self, schema: Schema) -> str:
        if "oneOf" in schema:
            kinds = [self.resolve(v)["properties"]["type"]["const"] for v in schema["oneOf"]]
            return "object: " + " or ".join(f"type {k}" for k in kinds)
        if "$ref" in schema:
            return "object"
        kind = schema.get("type", "any")
        if kind == "array":
            return f"list of {_plural(self._type(self._non_null(schema.get('items', {}))))}"
        if kind == "object":
            values = schema.get("additionalProperties", {})
            return f"map of {_key_kind(schema)} to {self._type(values) if values else 'any'}"
        return str(kind)

    def _allowed(self, schema: Schema) -> str:
        parts: list[str] = []
        enum = schema.get("enum")
        if enum is not None:
            if len(enum) > LISTED_VALUES:
                parts.append(f"one of {len(enum)} values (listed in the schema)")
            else:
                parts.append(", ".join(_code(yaml_value(v)) for v in enum))
        if "const" in schema:
            parts.append(_code(yaml_value(schema["const"])))
        parts += _words(schema)
        for entry in schema.get("allOf", []):
            parts += _words(entry)
        alternatives = [self._allowed(o) for o in schema.get("anyOf", [])]
        if alternatives:
            parts.append(" or ".join(a for a in alternatives if a))
        condition = schema.get("if", {})
        if condition.get("pattern") == "^arn:":
            then = "; ".join(_words(schema["then"]))
            parts.append(f"an ARN: {then}")
        items = schema.get("items")
        if isinstance(items, dict) and "$ref" not in items:
            each = self._allowed(self._non_null(items))
            if each:
                parts.append(f"each: {each}")
        keys = schema.get("propertyNames")
        if keys:
            parts.append(f"keys: {self._allowed(keys)}")
        values = schema.get("additionalProperties")
        if isinstance(values, dict) and "$ref" not in values and values:
            allowed = self._allowed(values)
            if allowed:
                parts.append(f"values: {allowed}")
        return "; ".join(p for p in parts if p)


def _key_kind(schema: Schema) -> str:
    """What the keys of a map are, in a word."""
    enum = schema.get("propertyNames", {}).get("enum", [])
    return "day" if "MON" in enum else "region" if enum else "name"


def _words(schema: Schema) -> list[str]:
    """Lengths, ranges, sizes and the pattern of one schema, in words."""
    words = []
    for low, high, unit in (
        ("minLength", "maxLength", "characters"),
        ("minItems", "maxItems", "entries"),
        ("minProperties", "maxProperties", "entries"),
        ("minimum", "maximum", ""),
    ):
        text = _between(schema.get(low), schema.get(high), unit)
        if text:
            words.append(text)
    if "multipleOf" in schema:
        words.append(f"a multiple of {schema['multipleOf']}")
    if schema.get("uniqueItems"):
        words.append("each once")
    message = schema.get("patternErrorMessage")
    if message:
        words.append(re.sub(r"^expected ", "", re.sub(r" \([a-z-]+ [A-Za-z]+\)$", "", message)))
    elif "pattern" in schema:
        words.append(f"matches `{schema['pattern']}`")
    return words


def _between(low: int | None, high: int | None, unit: str) -> str:
    def counted(number: int) -> str:
        if not unit:
            return str(number)
        singular = {"characters": "character", "entries": "entry"}[unit]
        return f"{number} {singular if number == 1 else unit}"

    if low is not None and high is not None:
        return counted(low) if low == high else f"{low}-{counted(high)}"
    if high is not None:
        return f"at most {counted(high)}"
    if low is not None:
        return f"at least {counted(low)}"
    return ""


def _sources(schema: Schema) -> str:
    """The AWS sources named in a field's schema and its parts (not through references)."""
    found: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$comment"), str):
                found.extend(node["$comment"].split("; "))
            for key, value in node.items():
                if key not in ("examples", "default", "enum"):
                    visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return "; ".join(dict.fromkeys(found))


def _example(schema: Schema) -> Any:
    """A value for a required field: its example, its one allowed value, its first."""
    if "examples" in schema:
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    return schema["enum"][0]


def _plural(kind: str) -> str:
    return {"object": "objects", "string": "strings", "integer": "integers"}.get(kind, kind)


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _commented(code: str, notes: list[str]) -> list[str]:
    """``code`` with its comment at the comment column, wrapped onto comment lines below."""
    text = " ".join(n for n in notes if n).replace("``", "`")
    if not text:
        return [code]
    if len(code) + 1 > LONG_CODE:
        # A long line: its comment goes above it, at its indent.
        indent = len(code) - len(code.lstrip(" -"))
        width = WIDTH - indent - 2
        chunks = textwrap.wrap(text, width, break_on_hyphens=False)
        return [f"{' ' * indent}# {chunk}" for chunk in chunks] + [code]
    column = max(COMMENT_COLUMN, len(code) + 1)
    width = WIDTH - column - 2
    chunks = textwrap.wrap(text, width, break_on_hyphens=False) or [""]
    lines = [f"{code.ljust(column)}# {chunks[0]}"]
    lines += [f"{' ' * column}#   {chunk}" for chunk in chunks[1:]]
    return lines


def _as_comment(line: str, indent: int) -> str:
    """A line of YAML shown as an alternative: commented out at the same indent."""
    return f"{' ' * indent}# {line[indent:]}"


def reference() -> str:
    """The generated part of the page, markers included."""
    schema = environment_schema()
    builder = _Reference(schema)
    rules = [
        "\n".join(
            textwrap.wrap(
                f"- {item.rule}. Not in the schema: {item.why}.",
                WIDTH,
                subsequent_indent="  ",
                break_on_hyphens=False,
            )
        )
        for item in NOT_EXPRESSIBLE
    ]
    return "\n".join(
        [
            BEGIN,
            NOTICE,
            "",
            "## The fields",
            "",
            "One file per environment, `stacks/environments/<env>.yaml`; `<env>` is lowercase "
            "letters,",
            "digits and `-`. Unknown keys are errors. Defaults are shown; `# required` marks "
            "fields",
            "without one (shown with an example). Lists of entries show one entry.",
            "",
            "```yaml",
            builder.overview(),
            "```",
            "",
            "## Field by field",
            "",
            "Every field, with its type, default, allowed values (the limits the schema and "
            "`make check`",
            "apply), the AWS API shape or document a limit comes from, and an example.",
            "",
            _Reference(schema).tables(),
            "",
            "## What only `make check` knows",
            "",
            "The schema refuses nothing `make check` accepts (a test checks it on generated "
            "files). These",
            "rules it cannot state; `make check` applies them, naming the file, line and field "
            "of each problem:",
            "",
            *rules,
            END,
        ]
    )


def reference_page(page: str) -> str:
    """``page`` with its generated part replaced (the page must hold the markers)."""
    start, end = page.index(BEGIN), page.index(END) + len(END)
    return page[:start] + reference() + page[end:]
