"""Read an SSM Automation document and the parameters it declares (no cdktf needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError


def not_utf8(data: bytes, error: UnicodeDecodeError) -> str:
    """Where a file stops being UTF-8, in words: a name typed on a legacy code page (a single
    0xe9 for 'é') is the usual cause, and the line tells where to look."""
    line = data.count(b"\n", 0, error.start) + 1
    return f"not UTF-8 text (line {line}, byte 0x{data[error.start]:02x}); save the file as UTF-8"


@dataclass(frozen=True)
class RunbookDocument:
    """The text of an automation document and the parameters it declares."""

    text: str
    parameters: tuple[str, ...]


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
    try:
        content = YAML(typ="safe").load(text)
    except YAMLError as error:
        raise ValueError(f"{name}: not valid YAML: {error}") from None
    problems = []
    if not isinstance(content, dict):
        raise ValueError(f"{name}: an automation document is a YAML mapping")
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
    return RunbookDocument(text=text, parameters=tuple(parameters))
