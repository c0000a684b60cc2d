"""The everyday changes people make to an environment file, applied to any environment: add a
contact with a channel, add an escalation stage, change a rotation's members, change a response
plan's impact and engagements. Each is made only where the environment has the thing it
changes; ``Edits`` says which were made, so the tests expect exactly those."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from stacks.environment_loader import environment_files

# Suffixed with the environment's name: environments of one account may not share an alias.
ADDED_ALIAS = "deploy-test-added"
ADDED_CHANNEL = "added email"


@dataclass
class Edits:
    """What was changed in one environment file."""

    contact_added: str = ""
    escalation_stage_added_to: str = ""
    rotation_members_changed: str = ""
    response_plan_changed: str = ""
    notes: list[str] = field(default_factory=list)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    return yaml


def change_environment(text: str, environment: str) -> tuple[str, Edits]:
    """``text`` (an environment file) with every applicable everyday change made."""
    yaml = _yaml()
    document: Any = yaml.load(text)
    edits = Edits()
    added = f"{ADDED_ALIAS}-{environment}"
    document.setdefault("contacts", []).append(
        {
            "alias": added,
            "display_name": "Deploy Test Added",
            "channels": [{"name": ADDED_CHANNEL, "type": "EMAIL", "address": "added@example.com"}],
            "engagement": [{"channel": ADDED_CHANNEL, "at_minute": 0}],
        }
    )
    edits.contact_added = added
    plans = document.get("escalation_plans") or []
    if plans:
        plans[0]["stages"].append({"duration_minutes": 5, "targets": [{"contact": added}]})
        edits.escalation_stage_added_to = str(plans[0]["alias"])
    rotations = document.get("rotations") or []
    if rotations:
        rotations[0]["contacts"].append(added)
        edits.rotation_members_changed = str(rotations[0]["name"])
    response_plans = document.get("response_plans") or []
    if response_plans:
        incident = response_plans[0]["incident"]
        incident["impact"] = "high" if incident.get("impact") != "high" else "low"
        response_plans[0].setdefault("engagements", []).append(added)
        edits.response_plan_changed = str(response_plans[0]["name"])
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue(), edits


def changed_project(project_root: Path, destination: Path) -> tuple[Path, dict[str, Edits]]:
    """A minimal project tree at ``destination`` (environment files and runbooks) whose
    environment files carry the everyday changes; the edits per environment."""
    environments = destination / "stacks" / "environments"
    environments.mkdir(parents=True)
    shutil.copytree(project_root / "stacks" / "runbooks", destination / "stacks" / "runbooks")
    edits: dict[str, Edits] = {}
    for path in environment_files(project_root).values():
        text, made = change_environment(path.read_text(encoding="utf-8"), path.stem)
        (environments / path.name).write_text(text, encoding="utf-8")
        edits[path.stem] = made
    return destination, edits
