"""Read an SSM Automation document and the parameters it declares (no cdktf needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError


@dataclass(frozen=True)
class RunbookDocument:
    """The text of an automation document and the parameters it declares."""

    text: str
    parameters: tuple[str, ...]


def read_runbook_document(path: Path) -> RunbookDocument:
    """Read and minimally check an automation document; raise ``ValueError`` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"{path}: cannot read runbook document ({error.strerror})") from None
    try:
        content = YAML(typ="safe").load(text)
    except YAMLError as error:
        raise ValueError(f"{path}: not valid YAML: {error}") from None
    problems = []
    if not isinstance(content, dict):
        raise ValueError(f"{path}: an automation document is a YAML mapping")
    if str(content.get("schemaVersion")) != "0.3":
        problems.append(f"schemaVersion is {content.get('schemaVersion')!r}; automation uses '0.3'")
    if not isinstance(content.get("mainSteps"), list) or not content["mainSteps"]:
        problems.append("mainSteps: missing or empty; an automation document needs steps")
    parameters = content.get("parameters") or {}
    if not isinstance(parameters, dict):
        problems.append("parameters: must be a mapping of parameter name to definition")
        parameters = {}
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return RunbookDocument(text=text, parameters=tuple(parameters))
