"""Request validation against botocore's service model: required members, lengths, patterns,
enums and ranges, the checks AWS's front end makes before an operation runs.

moto parses requests with the same model but checks none of these. Patterns are Java-style
(``\\p{L}``), hence the ``regex`` package. Messages follow AWS's wording ("1 validation error
detected: Value 'x' at 'alias' failed to satisfy constraint: Member must satisfy regular
expression pattern: ..."); member paths use the model's names with a lower-case first letter.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import botocore.session
import regex


@dataclass(frozen=True)
class Violation:
    """One broken constraint: where, the value, and the constraint in AWS's words."""

    path: str
    value: Any
    constraint: str

    def message(self) -> str:
        value = "null" if self.value is None else shown(self.value)
        return f"Value {value} at '{self.path}' failed to satisfy constraint: {self.constraint}"


# AWS cuts long values short in its messages: a 5 MB alias is not sent back whole.
SHOWN_LIMIT = 128


def short(text: str) -> str:
    """``text``, cut to ``SHOWN_LIMIT`` characters (marked with "...")."""
    return text if len(text) <= SHOWN_LIMIT else text[:SHOWN_LIMIT] + "..."


def shown(value: Any) -> str:
    """``value`` as AWS quotes it in a message (``'Bad Alias!'``, ``'[a, b]'``), cut short."""
    return f"'{short(_text(value))}'"


def _text(value: Any) -> str:
    # AWS's rendering: maps as {key=value, ...}, lists as [a, b], booleans in lower case.
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return str(value)


@functools.cache
def service_model(service: str) -> Any:
    """botocore's model of ``service`` (``ssm-contacts``, ``ssm-incidents``)."""
    return botocore.session.get_session().get_service_model(service)


@functools.cache
def _pattern(text: str) -> Any:
    return regex.compile(text)


def member_path(parent: str, name: str) -> str:
    """The path AWS's messages give a member: ``plan.stages.1.member.targets``."""
    member = name[:1].lower() + name[1:]
    return f"{parent}.{member}" if parent else member


def _check(shape: Any, value: Any, path: str, found: list[Violation]) -> None:
    if value is None:
        return
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return
        for required in shape.required_members:
            if value.get(required) is None:
                found.append(
                    Violation(member_path(path, required), None, "Member must not be null")
                )
        for name, member in shape.members.items():
            if name in value:
                _check(member, value[name], member_path(path, name), found)
        if shape.metadata.get("union") and len([v for v in value.values() if v is not None]) > 1:
            found.append(Violation(path, value, "Member must have exactly one member set"))
        return
    if kind == "list":
        if not isinstance(value, list):
            return
        _length(meta, len(value), value, path, found)
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{index}.member", found)
        return
    if kind == "map":
        if not isinstance(value, dict):
            return
        _length(meta, len(value), value, path, found)
        for key, item in value.items():
            _check(shape.key, key, f"{path}.key", found)
            _check(shape.value, item, f"{path}.{short(key)}", found)
        return
    if kind == "string":
        text = str(value)
        _length(meta, len(text), text, path, found)
        if shape.enum and text not in shape.enum:
            allowed = ", ".join(shape.enum)
            found.append(Violation(path, text, f"Member must satisfy enum value set: [{allowed}]"))
        pattern = meta.get("pattern")
        if pattern and _pattern(pattern).search(text) is None:
            found.append(
                Violation(path, text, f"Member must satisfy regular expression pattern: {pattern}")
            )
        return
    if kind in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        _bounds(meta, value, value, path, found, measure="value")


def _length(meta: Any, size: int, value: Any, path: str, found: list[Violation]) -> None:
    _bounds(meta, size, value, path, found, measure="length")


def _bounds(
    meta: Any, measured: float, value: Any, path: str, found: list[Violation], *, measure: str
) -> None:
    """The shape's ``min`` and ``max`` against ``measured`` (the value itself, or its length:
    ``measure`` says which, in the service's words)."""
    if "min" in meta and measured < meta["min"]:
        found.append(
            Violation(
                path, value, f"Member must have {measure} greater than or equal to {meta['min']}"
            )
        )
    if "max" in meta and measured > meta["max"]:
        found.append(
            Violation(
                path, value, f"Member must have {measure} less than or equal to {meta['max']}"
            )
        )


def violations(service: str, operation: str, params: dict[str, Any]) -> list[Violation]:
    """Every constraint of ``operation``'s input shape that ``params`` break."""
    shape = service_model(service).operation_model(operation).input_shape
    found: list[Violation] = []
    if shape is not None:
        _check(shape, params, "", found)
    return found


def summary(found: list[Violation]) -> str:
    """AWS's one-line message for ``found`` (not empty)."""
    count = len(found)
    noun = "error" if count == 1 else "errors"
    details = "; ".join(v.message() for v in found)
    return f"{count} validation {noun} detected: {details}"


@functools.cache
def idempotency_member(service: str, operation: str) -> str | None:
    """The member of ``operation``'s input that makes a retry safe: marked
    ``idempotencyToken`` in the model (the SDKs fill those in), or named ``IdempotencyToken``
    without the mark (CreateRotation's: honoured when a caller sends one); None otherwise."""
    shape = service_model(service).operation_model(operation).input_shape
    if shape is None:
        return None
    for name, member in shape.members.items():
        if member.metadata.get("idempotencyToken") or name == "IdempotencyToken":
            return str(name)
    return None
