"""The README's environment file reference names every field the schema accepts."""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from stacks.environment_config import EnvironmentConfig
from tests.conftest import PROJECT_ROOT


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, list, dict, typing.Annotated):
        return [m for arg in get_args(annotation) for m in _models(arg)]
    return []


def _field_names(model: type[BaseModel], seen: set[str]) -> set[str]:
    names: set[str] = set()
    if model.__name__ in seen:
        return names
    seen.add(model.__name__)
    for name, field in model.model_fields.items():
        names.add(name)
        for inner in _models(field.annotation):
            names |= _field_names(inner, seen)
    return names


def test_reference_lists_every_field_of_the_environment_schema() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    reference = readme.split("## Environment file reference", 1)[1].split("```yaml", 1)[1]
    reference = reference.split("```", 1)[0]
    documented = set(re.findall(r"^[\s#-]*([a-z_]+):", reference, flags=re.MULTILINE))
    documented |= set(re.findall(r"[{,]\s*([a-z_]+):", reference))
    missing = _field_names(EnvironmentConfig, set()) - documented
    assert missing == set(), f"README reference lacks: {sorted(missing)}"
