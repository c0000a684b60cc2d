"""Import blocks for an adopted environment, from ``stacks/adopted/<env>.imports.json``.

The stack emits them only while that file exists; ``make apply`` deletes it after a successful
apply (an applied import block pointing at an object deleted later would fail every plan).
The file is JSON, not YAML: every ``*.yaml`` in stacks/environments/ is an environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Only types: loading the stack (cdktf, the constructs) is not needed to read the file.
    from cdktf import TerraformResource

    from stacks.stack.incident_manager_stack import IncidentManagerStack

IMPORTS_DIR = Path("stacks") / "adopted"


def imports_file(project_root: Path, environment: str) -> Path:
    return project_root / IMPORTS_DIR / f"{environment}.imports.json"


def read_imports(project_root: Path, environment: str) -> dict[str, Any]:
    path = imports_file(project_root, environment)
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def add_import_blocks(stack: IncidentManagerStack, ids: dict[str, Any]) -> int:
    """An import block for each resource named in ``ids``; their number. Objects no longer in
    the environment file are skipped (the file was edited before the first apply).

    One ``import`` override on the stack, the JSON cdktf's ``import_from`` writes, because
    ``import_from`` makes synthesis slow down with every block: 421 blocks took the synth of
    a 100-contact account from 4 s to 23 s (benchmarks/adopt_benchmark.py)."""
    found = _imported_resources(stack, ids)
    if found:
        stack.add_override(
            "import",
            [
                {"id": import_id, "to": f"{r.terraform_resource_type}.{r.friendly_unique_id}"}
                for r, import_id in found
            ],
        )
    return len(found)


def _imported_resources(
    stack: IncidentManagerStack, ids: dict[str, Any]
) -> list[tuple[TerraformResource, str]]:
    """Each resource ``ids`` names, with its import ID, in the file's order."""
    from constructs_lib import ReplicationSet

    found: list[tuple[TerraformResource, str]] = []
    if "replication_set" in ids and isinstance(stack.replication_set, ReplicationSet):
        found.append((stack.replication_set.resource, ids["replication_set"]))
    for alias, contact_ids in ids.get("contacts", {}).items():
        contact = stack.contacts.get(alias)
        if contact is None:
            continue
        found.append((contact.resource, contact_ids["contact"]))
        # An engagement plan's import ID is its contact's ARN.
        found.append((contact.plan, contact_ids["contact"]))
        for name, arn in contact_ids["channels"].items():
            if name in contact.channels:
                found.append((contact.channels[name].resource, arn))
    for alias, arn in ids.get("escalation_plans", {}).items():
        if alias in stack.escalation_plans:
            found.append((stack.escalation_plans[alias].resource, arn))
            found.append((stack.escalation_plans[alias].plan, arn))
    for name, arn in ids.get("rotations", {}).items():
        if name in stack.rotations:
            found.append((stack.rotations[name].resource, arn))
    for name, arn in ids.get("response_plans", {}).items():
        if name in stack.response_plans:
            found.append((stack.response_plans[name].resource, arn))
    for name, arn in ids.get("topics", {}).items():
        if name in stack.topics:
            # A topic and its policy are both imported by the topic's ARN.
            found.append((stack.topics[name].resource, arn))
            found.append((stack.topics[name].policy, arn))
    for region, names in ids.get("alarms", {}).items():
        for name in names:
            # By name; the alarm's resource is on its region's provider already.
            alarm = stack.alarms.get((region, name))
            if alarm is not None:
                found.append((alarm.resource, name))
    return found + _runbook_imports(stack, ids)


def _runbook_imports(
    stack: IncidentManagerStack, ids: dict[str, Any]
) -> list[tuple[TerraformResource, str]]:
    """Documents (import ID: the name), roles (the name), their inline policies
    (``role:policy``) and managed policy attachments (``role/policy-arn``)."""
    found: list[tuple[TerraformResource, str]] = []
    for name, document in ids.get("runbooks", {}).items():
        if name in stack.runbooks:
            found.append((stack.runbooks[name].resource, document))
    for name, role_ids in ids.get("runbook_roles", {}).items():
        role = stack.runbook_roles.get(name)
        if role is None:
            continue
        found.append((role.resource, role_ids["role"]))
        for policy, policy_id in role_ids.get("inline_policies", {}).items():
            if policy in role.inline_policies:
                found.append((role.inline_policies[policy], policy_id))
        for arn, attachment_id in role_ids.get("managed_policies", {}).items():
            if arn in role.attachments:
                found.append((role.attachments[arn], attachment_id))
    return found
