"""Channel addresses kept out of the code: sensitive Terraform variables supplied at plan time.

A channel with ``secret: true`` gets a variable named after its contact and channel; people set
it as ``TF_VAR_<name>`` or in an untracked ``*.auto.tfvars`` file. Terraform checks the value's
shape itself (``validation``), since this code never sees it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from stacks.config.environment import Environment

# Terraform-side checks of a secret address; the full checks apply to addresses in the file.
ADDRESS_PATTERNS = {
    "EMAIL": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "SMS": r"^\+[1-9][0-9]{6,14}$",
    "VOICE": r"^\+[1-9][0-9]{6,14}$",
}
ADDRESS_WORDS = {
    "EMAIL": "an e-mail address",
    "SMS": "a phone number in E.164 form: +, country code and number, no spaces",
    "VOICE": "a phone number in E.164 form: +, country code and number, no spaces",
}


def address_variable(alias: str, channel: str) -> str:
    """``incident-responder`` + ``incident responder email`` ->
    ``incident_responder__incident_responder_email`` (usable as a shell variable name).

    A name that would start with a digit (alias ``24x7``, which the API allows) starts with
    ``_`` instead: Terraform refuses a variable name that does not start with a letter or
    ``_``. No other name starts with ``_`` then a digit, so none changes or collides."""

    def clean(text: str) -> str:
        return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")

    name = f"{clean(alias)}__{clean(channel)}"
    return f"_{name}" if name[0].isdigit() else name


@dataclass(frozen=True)
class SecretAddress:
    """A channel whose address is a sensitive Terraform variable."""

    stack: str
    variable: str
    description: str


def secret_addresses(environment: Environment) -> list[SecretAddress]:
    """Every secret address of an environment, in file order."""
    return [
        SecretAddress(
            stack=environment.stack_name,
            variable=address_variable(contact.alias, channel.name),
            description=f"{channel.type} of {contact.alias} / {channel.name}",
        )
        for contact in environment.config.contacts
        for channel in contact.channels
        if channel.secret
    ]


# Files Terraform reads variable values from by itself, in the stack's directory.
_TFVARS_FILES = ("terraform.tfvars", "*.auto.tfvars")
_TFVARS_JSON_FILES = ("terraform.tfvars.json", "*.auto.tfvars.json")
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=", re.MULTILINE)


def variables_in_files(stack_dir: Path) -> set[str]:
    """Names given a value by the variable files Terraform loads automatically in ``stack_dir``
    (top-level ``name = ...`` lines of ``.tfvars``, top-level keys of ``.tfvars.json``)."""
    names: set[str] = set()
    for pattern in _TFVARS_FILES:
        for path in stack_dir.glob(pattern):
            names.update(_ASSIGNMENT.findall(path.read_text(encoding="utf-8", errors="replace")))
    for pattern in _TFVARS_JSON_FILES:
        for path in stack_dir.glob(pattern):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                continue  # Terraform itself reports a broken file, with its position
            if isinstance(data, dict):
                names.update(data)
    return names


def missing_secret_addresses(
    environment: Environment, stack_dir: Path, environ: Mapping[str, str]
) -> list[SecretAddress]:
    """Secret addresses with no value: neither ``TF_VAR_<name>`` (non-empty) in ``environ`` nor
    an assignment in a variable file of ``stack_dir``. Terraform would stop at the first with
    "No value for required variable"; this names them all, with the variable to set."""
    in_files = variables_in_files(stack_dir) if stack_dir.is_dir() else set()
    return [
        secret
        for secret in secret_addresses(environment)
        if not environ.get(f"TF_VAR_{secret.variable}") and secret.variable not in in_files
    ]
