"""Turn pydantic's validation errors into messages that say what was given and what is allowed."""

from __future__ import annotations

import types
import typing
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from stacks.config.config_errors import Loc, did_you_mean
from stacks.config.environment_config import (
    ACCOUNT_ID_PATTERN,
    ARN_PATTERN,
    BUCKET_PATTERN,
    POLICY_ARN_PATTERN,
    RUNBOOK_NAME_PATTERN,
    TIME_PATTERN,
    TOPIC_NAME_PATTERN,
)

# What each pattern means, in words.
PATTERN_WORDS = {
    ACCOUNT_ID_PATTERN: "12 digits, in quotes (YAML drops leading zeros of a bare number)",
    TIME_PATTERN: "a 24-hour time HH:MM such as 09:00",
    ARN_PATTERN: "an ARN such as arn:aws:iam::111122223333:role/name",
    POLICY_ARN_PATTERN: "a managed policy ARN such as arn:aws:iam::111122223333:policy/name or "
    "arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole",
    BUCKET_PATTERN: "an S3 bucket name: lowercase letters, digits, '.' and '-'",
    RUNBOOK_NAME_PATTERN: "letters, digits, '_', '-' and '.' (also a part of IAM and ARN names)",
    TOPIC_NAME_PATTERN: "letters, digits, '_' and '-'",
}


def clean_loc(error: ErrorDetails, data: Any) -> Loc:
    """The error's location in the YAML data, without pydantic's union and key markers."""
    loc: list[str | int] = []
    node = data
    for part in error["loc"]:
        if part == "[key]":
            continue
        if isinstance(node, dict) and part not in node and node.get("type") == part:
            continue  # a discriminated union's tag, not a key of the data
        loc.append(part)
        node = node.get(part) if isinstance(node, dict) else _item(node, part)
    return tuple(loc)


def _item(node: Any, part: str | int) -> Any:
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _model_fields_at(root: type[BaseModel], loc: Loc) -> list[str]:
    """Field names of the model found at ``loc`` (for 'unknown field' messages)."""
    annotation: Any = root
    for part in loc:
        model = _as_model(annotation, part)
        if model is None:
            return []
        if isinstance(part, int):
            annotation = model
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
    model = _as_model(annotation, None)
    return list(model.model_fields) if model else []


def _as_model(annotation: Any, part: str | int | None) -> type[BaseModel] | None:
    """Unwrap Optional/Annotated/list/dict until a model is found."""
    for _ in range(6):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        origin = get_origin(annotation)
        args = [a for a in get_args(annotation) if a is not type(None)]
        if origin in (Union, types.UnionType):
            models = [a for a in args if _as_model(a, None)]
            if len(models) != 1:
                return None
            annotation = models[0]
        elif origin is typing.Annotated:
            annotation = args[0]
        elif origin in (list, dict) and isinstance(part, int | str):
            annotation = args[-1]
            part = None
        else:
            return None
    return None


def message_for(error: ErrorDetails, root: type[BaseModel], loc: Loc) -> str:
    """A sentence for one pydantic error: what is wrong, what was given, what is allowed."""
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx", {})
    if kind == "missing":
        return "required; add it"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        fields = _model_fields_at(root, loc[:-1])
        return f"unknown field {key!r}{did_you_mean(key, fields)} (allowed: {', '.join(fields)})"
    if kind in ("literal_error", "enum"):
        allowed = str(ctx.get("expected", "")).replace(" or ", ", ").replace("'", "")
        hint = did_you_mean(str(given), allowed.split(", "))
        return f"{given!r} is not allowed{hint}; allowed: {allowed}"
    if kind == "union_tag_invalid":
        tags = str(ctx.get("expected_tags", "")).replace("'", "")
        return f"type {ctx.get('tag')!r} is not allowed; allowed: {tags}"
    if kind == "union_tag_not_found":
        return "needs a 'type' (local or s3)"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        words = PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        return f"{given!r} is not valid; expected {words}"
    if kind == "string_type":
        if isinstance(given, int | float) and not isinstance(given, bool):
            return f"{given!r} was read as a number; put it in quotes"
        return f"{_shown(given)} is not text"
    if kind in ("int_type", "int_parsing", "float_type", "bool_type"):
        wanted = {"bool_type": "true or false", "float_type": "a number"}.get(
            kind, "a whole number"
        )
        unquoted = _unquoted(kind, given)
        if unquoted is not None:
            return f"{given!r} is in quotes, so it is text; write {unquoted} without quotes"
        return f"{_shown(given)} is not {wanted}"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        wanted = "a list" if kind == "list_type" else "a mapping of keys to values"
        return f"{_shown(given)} is not {wanted}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{given!r} is out of range; {error['msg'].replace('Input should be ', 'must be ')}"
    if kind in ("too_short", "too_long"):
        return _size_message(kind, given, ctx)
    if kind == "string_too_short":
        if not given:
            return "must not be empty"
        return f"{given!r} is too short: at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"is {len(str(given))} characters long; at most {ctx.get('max_length')} are allowed"
    if kind in ("api_rule", "region"):
        return str(error["msg"])
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{error['msg']} (given {_shown(given)})"


def _unquoted(kind: str, given: Any) -> str | None:
    """The value a quoted number or boolean stands for (``"5"`` -> ``5``), else None."""
    if not isinstance(given, str):
        return None
    text = given.strip()
    if kind == "bool_type":
        return text.lower() if text.lower() in ("true", "false") else None
    try:
        number = float(text) if kind == "float_type" else int(text)
    except ValueError:
        return None
    return str(number) if kind != "float_type" else text


def _size_message(kind: str, given: Any, ctx: dict[str, Any]) -> str:
    """List and mapping sizes in entries, as the file shows them."""
    count = len(given) if isinstance(given, list | dict) else int(ctx.get("actual_length") or 0)
    noun = "entries" if count != 1 else "entry"
    if kind == "too_short":
        low = int(ctx.get("min_length") or 0)
        needed = f"at least {low} {'entries are' if low != 1 else 'entry is'} needed"
        return f"is empty; {needed}" if count == 0 else f"has {count} {noun}; {needed}"
    return f"has {count} {noun}; at most {ctx.get('max_length')} are allowed"


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "an empty value"
    return repr(value)
