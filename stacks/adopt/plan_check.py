"""The first plan after adoption, from ``terraform show -json``: every change must be an import
that changes nothing. Anything else is listed in plain words.

An imported channel whose address comes from a sensitive variable shows as an update whose
values are identical: Terraform only marks the imported address sensitive. That is counted as
an import ("address marked sensitive"), since ``before`` and ``after`` are equal.

The ``terraform_data`` records of on-call schedules and of shift coverages are counted apart:
they are no AWS objects, and their create provisioners adopt the live schedule or check the live
coverage (writing the configured hours only where they differ).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from constructs_lib.provisioners.contract import is_coverage_input
from stacks.stack.resource_kinds import KINDS, OTHER_KINDS

Json = dict[str, Any]
WORDS = {
    ("create",): "would be created",
    ("update",): "would be changed in place",
    ("delete",): "would be deleted",
    ("delete", "create"): "would be replaced",
    ("create", "delete"): "would be replaced",
}


@dataclass
class AdoptionPlan:
    """What the first plan does: imports, and every other change in words."""

    imports: int = 0
    marked_sensitive: int = 0
    # On-call schedules are no Terraform resources: the create provisioner of their
    # terraform_data adopts the live schedule, keeping its ARN.
    schedule_adoptions: int = 0
    # Shift coverages are written through the SDK (provider 5.100.0 reads them back wrong): the
    # create provisioner of each rotation's coverage record writes the configured hours, which
    # adoption read from the live rotation (constructs_lib/rotation_coverage.py).
    coverage_records: int = 0
    other_changes: list[str] = field(default_factory=list)
    # The plan itself (``terraform show -json``), for the plan guard and for people.
    plan: Json = field(default_factory=dict)

    def summary(self) -> str:
        changes = len(self.other_changes)
        return (
            f"{self.imports} to import, {changes} other change(s)"
            + (
                f" ({self.marked_sensitive} imported channel address(es) marked sensitive, "
                "values unchanged)"
                if self.marked_sensitive
                else ""
            )
            + (
                f"; {self.schedule_adoptions} on-call schedule record(s) to create, adopting the "
                "live schedules on apply"
                if self.schedule_adoptions
                else ""
            )
            + (
                f"; {self.coverage_records} shift coverage record(s) to create, checking each "
                "rotation's live coverage on apply and writing the configured hours where they "
                "differ"
                if self.coverage_records
                else ""
            )
        )


def _changed_attributes(before: Any, after: Any) -> list[str]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def is_coverage_record(resource: Json) -> bool:
    """A rotation's shift coverage record (``constructs_lib/rotation_coverage.py``)."""
    after = resource["change"].get("after")
    data = after.get("input") if isinstance(after, dict) else None
    return resource["type"] == "terraform_data" and is_coverage_input(data)


def check_adoption_plan(plan: Json) -> AdoptionPlan:
    """Classify ``plan``'s resource changes (``terraform show -json`` of a saved plan)."""
    # Here, not at the top: the construct module loads cdktf and the provider (~2.7 s), which
    # `adopt --help`, `--no-plan` and a refusal never need; the plan's synth loaded them already.
    from constructs_lib.oncall_schedule import IDENTITY_ADDRESS, SETTINGS_ADDRESS

    result = AdoptionPlan(plan=plan)
    for resource in plan.get("resource_changes", []):
        change = resource["change"]
        actions = tuple(change["actions"])
        importing = "importing" in change
        if actions in (("no-op",), ("read",)):
            result.imports += importing
            continue
        if (
            resource["type"] == "terraform_data"
            and resource.get("name") in (IDENTITY_ADDRESS, SETTINGS_ADDRESS)
            and actions == ("create",)
        ):
            result.schedule_adoptions += 1
            continue
        if actions == ("create",) and is_coverage_record(resource):
            result.coverage_records += 1
            continue
        if importing and actions == ("update",) and change.get("before") == change.get("after"):
            result.imports += 1
            result.marked_sensitive += 1
            continue
        kind = KINDS.get(resource["type"]) or OTHER_KINDS.get(resource["type"], resource["type"])
        words = WORDS.get(actions, " and ".join(actions))
        if importing:
            words = f"would be imported, then {words.removeprefix('would be ')}"
        attributes = _changed_attributes(change.get("before"), change.get("after"))
        detail = f" (attributes: {', '.join(attributes)})" if attributes else ""
        result.other_changes.append(f"{kind} {resource['address']} {words}{detail}")
    return result
