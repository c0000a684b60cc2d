"""The first plan after adoption, from ``terraform show -json``: every change must be an import
that changes nothing. Anything else is listed in plain words.

An imported channel whose address comes from a sensitive variable shows as an update whose
values are identical: Terraform only marks the imported address sensitive. That is counted as
an import ("address marked sensitive"), since ``before`` and ``after`` are equal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from constructs_lib.oncall_schedule import IDENTITY_ADDRESS, SETTINGS_ADDRESS
from local_aws.local_apply import KINDS, OTHER_KINDS

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
    # Rotations whose shift coverage provider 5.100.0 reads back wrong: an update that re-sends
    # the configured hours (see constructs_lib/on_call_rotation.py).
    coverage_readbacks: list[str] = field(default_factory=list)
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
                f"; {len(self.coverage_readbacks)} rotation(s) updated in place only because the "
                "provider reads a coverage's start minute back as its end minute (the update "
                f"re-sends the configured hours: {', '.join(self.coverage_readbacks)})"
                if self.coverage_readbacks
                else ""
            )
        )


def _changed_attributes(before: Any, after: Any) -> list[str]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _read_back(coverage: Any) -> Any:
    """A shift coverage as provider 5.100.0 reads it: each time's start minute replaced by its
    end minute."""
    if isinstance(coverage, list):
        return [_read_back(item) for item in coverage]
    if not isinstance(coverage, dict):
        return coverage
    copy = {k: _read_back(v) for k, v in coverage.items()}
    if "start" in copy and "end" in copy:
        try:
            minute = copy["end"][0]["minute_of_hour"]
            copy["start"] = [{**copy["start"][0], "minute_of_hour": minute}]
        except (KeyError, IndexError, TypeError):
            return copy
    return copy


def is_coverage_readback(resource: Json) -> bool:
    """A rotation update whose only difference is the provider's read-back of its coverages."""
    if resource["type"] != "aws_ssmcontacts_rotation":
        return False
    before, after = resource["change"].get("before"), resource["change"].get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        return False
    if _changed_attributes(before, after) != ["recurrence"]:
        return False
    (before_rec,), (after_rec,) = before["recurrence"], after["recurrence"]
    others = {k for k in set(before_rec) | set(after_rec) if k != "shift_coverages"}
    if any(before_rec.get(k) != after_rec.get(k) for k in others):
        return False
    before_coverages = before_rec.get("shift_coverages")
    return bool(before_coverages) and _canonical(before_coverages) == _canonical(
        _read_back(after_rec.get("shift_coverages"))
    )


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _canonical(value: Any) -> Any:
    """``value`` with every list sorted: shift coverages are sets, in no fixed order."""
    if isinstance(value, list):
        return sorted((_canonical(item) for item in value), key=_sort_key)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return value


def check_adoption_plan(plan: Json) -> AdoptionPlan:
    """Classify ``plan``'s resource changes (``terraform show -json`` of a saved plan)."""
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
        if actions == ("update",) and is_coverage_readback(resource):
            result.imports += importing
            result.coverage_readbacks.append(resource["address"])
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
