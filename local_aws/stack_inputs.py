"""What a synthesized stack needs to run somewhere harmless: fake credentials, and fictional
values for the variables people supply at plan time (secret channel addresses).

Shared by the offline Terraform tests (tests/terraform/stack_copy.py) and ``rehearse``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stacks.config.environment_loader import load_environments
from stacks.config.secret_variables import address_variable

Json = dict[str, Any]

FAKE_CREDENTIALS: Json = {"access_key": "test-access-key", "secret_key": "test-secret-key"}
# Fictional values (example.com, +1 206 555 01xx) that pass the stacks' own variable validation.
PLACEHOLDER_ADDRESSES = {
    "EMAIL": "placeholder@example.com",
    "SMS": "+12065550199",
    "VOICE": "+12065550199",
}


def secret_address_types(project_root: Path) -> dict[str, str]:
    """Variable name -> channel type (EMAIL, SMS, VOICE) of every secret channel address of
    every environment, from the environment files."""
    return {
        address_variable(contact.alias, channel.name): channel.type
        for environment in load_environments(project_root)
        for contact in environment.config.contacts
        for channel in contact.channels
        if channel.secret
    }


def placeholder_values(stack: Json, address_types: Mapping[str, str]) -> Json:
    """A value for every variable of ``stack`` that has no default: a fictional address of the
    right kind for secret channel addresses (they carry Terraform validations), otherwise a
    neutral value of the variable's type."""
    values: Json = {}
    for name, variable in stack.get("variable", {}).items():
        if "default" in variable:
            continue
        if name in address_types:
            values[name] = PLACEHOLDER_ADDRESSES[address_types[name]]
            continue
        kind = str(variable.get("type", "string"))
        if kind == "number":
            values[name] = 0
        elif kind == "bool":
            values[name] = False
        elif kind.startswith(("list", "set", "tuple")):
            values[name] = []
        elif kind.startswith(("map", "object")):
            values[name] = {}
        else:
            values[name] = f"placeholder-{name}"
    return values
