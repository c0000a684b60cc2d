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
    from stacks.incident_manager_stack import IncidentManagerStack

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
    """``import_from`` on each resource named in ``ids``; the number of import blocks. Objects
    no longer in the environment file are skipped (the file was edited before the first apply)."""
    from constructs_lib import ReplicationSet

    count = 0
    if "replication_set" in ids and isinstance(stack.replication_set, ReplicationSet):
        stack.replication_set.resource.import_from(ids["replication_set"])
        count += 1
    for alias, contact_ids in ids.get("contacts", {}).items():
        contact = stack.contacts.get(alias)
        if contact is None:
            continue
        contact.resource.import_from(contact_ids["contact"])
        # An engagement plan's import ID is its contact's ARN.
        contact.plan.import_from(contact_ids["contact"])
        count += 2
        for name, arn in contact_ids["channels"].items():
            if name in contact.channels:
                contact.channels[name].resource.import_from(arn)
                count += 1
    for alias, arn in ids.get("escalation_plans", {}).items():
        if alias in stack.escalation_plans:
            stack.escalation_plans[alias].resource.import_from(arn)
            stack.escalation_plans[alias].plan.import_from(arn)
            count += 2
    for name, arn in ids.get("rotations", {}).items():
        if name in stack.rotations:
            stack.rotations[name].resource.import_from(arn)
            count += 1
    for name, arn in ids.get("response_plans", {}).items():
        if name in stack.response_plans:
            stack.response_plans[name].resource.import_from(arn)
            count += 1
    for name, arn in ids.get("topics", {}).items():
        if name in stack.topics:
            # A topic and its policy are both imported by the topic's ARN.
            stack.topics[name].resource.import_from(arn)
            stack.topics[name].policy.import_from(arn)
            count += 2
    for region, names in ids.get("alarms", {}).items():
        for name in names:
            # By name; the alarm's resource is on its region's provider already.
            alarm = stack.alarms.get((region, name))
            if alarm is not None:
                alarm.resource.import_from(name)
                count += 1
    return count + _runbook_imports(stack, ids)


def _runbook_imports(stack: IncidentManagerStack, ids: dict[str, Any]) -> int:
    """Documents (import ID: the name), roles (the name), their inline policies
    (``role:policy``) and managed policy attachments (``role/policy-arn``)."""
    count = 0
    for name, document in ids.get("runbooks", {}).items():
        if name in stack.runbooks:
            stack.runbooks[name].resource.import_from(document)
            count += 1
    for name, role_ids in ids.get("runbook_roles", {}).items():
        role = stack.runbook_roles.get(name)
        if role is None:
            continue
        role.resource.import_from(role_ids["role"])
        count += 1
        for policy, policy_id in role_ids.get("inline_policies", {}).items():
            if policy in role.inline_policies:
                role.inline_policies[policy].import_from(policy_id)
                count += 1
        for arn, attachment_id in role_ids.get("managed_policies", {}).items():
            if arn in role.attachments:
                role.attachments[arn].import_from(attachment_id)
                count += 1
    return count
