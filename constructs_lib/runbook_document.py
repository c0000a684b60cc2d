"""Read an SSM Automation document and the parameters it declares (no cdktf needed).

The file's extension gives the document's format: ``.json`` is JSON, anything else YAML (as
every runbook was before JSON documents were supported). The text is kept exactly as the file
holds it, line endings included, apart from a leading UTF-8 byte-order mark, which marks the
encoding and is not part of the document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError


def not_utf8(data: bytes, error: UnicodeDecodeError) -> str:
    """Where a file stops being UTF-8, in words: a name typed on a legacy code page (a single
    0xe9 for 'é') is the usual cause, and the line tells where to look."""
    line = data.count(b"\n", 0, error.start) + 1
    return f"not UTF-8 text (line {line}, byte 0x{data[error.start]:02x}); save the file as UTF-8"


DocumentFormat = Literal["YAML", "JSON"]
JSON_SUFFIX = ".json"
# The role a runbook creates for itself (``Runbook``) when a response plan starts it without
# naming one; IAM role names have at most 64 characters.
OWN_ROLE_PREFIX = "IncidentManager-"
MAX_ROLE_NAME = 64


def own_role_name(runbook: str) -> str:
    """The name of the role runbook ``runbook`` creates for itself (here, not in runbook.py:
    the environment checks need it without loading cdktf)."""
    return f"{OWN_ROLE_PREFIX}{runbook}"[:MAX_ROLE_NAME]


def document_format(path: Path | str) -> DocumentFormat:
    """The SSM document format a file holds, from its extension."""
    return "JSON" if Path(path).suffix.lower() == JSON_SUFFIX else "YAML"


@dataclass(frozen=True)
class RunbookDocument:
    """The text of an automation document, the parameters it declares and its format."""

    text: str
    parameters: tuple[str, ...]
    format: DocumentFormat = "YAML"


def read_runbook_document(path: Path, shown: str | None = None) -> RunbookDocument:
    """Read and minimally check an automation document; raise ``ValueError`` naming the file
    as ``shown`` (e.g. relative to the repository), or as ``path``."""
    name = shown or str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(f"{name}: cannot read runbook document ({error.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{name}: {not_utf8(data, error)}") from None
    return parse_runbook_document(text, document_format(path), name)


def parse_runbook_document(text: str, form: DocumentFormat, name: str) -> RunbookDocument:
    """Check the text of an automation document in ``form``; ``ValueError`` names ``name``."""
    content = _parse(text, form, name)
    problems = []
    if not isinstance(content, dict):
        raise ValueError(f"{name}: an automation document is a {form} mapping")
    if str(content.get("schemaVersion")) != "0.3":
        problems.append(f"schemaVersion is {content.get('schemaVersion')!r}; automation uses '0.3'")
    if not isinstance(content.get("mainSteps"), list) or not content["mainSteps"]:
        problems.append("mainSteps: missing or empty; an automation document needs steps")
    parameters = content.get("parameters") or {}
    if not isinstance(parameters, dict):
        problems.append("parameters: must be a mapping of parameter name to definition")
        parameters = {}
    if problems:
        raise ValueError(f"{name}: " + "; ".join(problems))
    return RunbookDocument(text=text, parameters=tuple(parameters), format=form)


def _parse(text: str, form: DocumentFormat, name: str) -> Any:
    if form == "JSON":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{name}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
            ) from None
    try:
        return YAML(typ="safe").load(text)
    except YAMLError as error:
        raise ValueError(f"{name}: not valid YAML: {error}") from None
