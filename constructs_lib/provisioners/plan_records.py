"""The provisioners' records in a saved plan (``terraform show -json``), and the commands a drift
report prints to put the config back.

Imports: the standard library only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True)
class PlannedRecord:
    """A ``terraform_data`` record of one kind in a saved plan, as it will be after the apply:
    its ``input``, which parts of it are unknown until then, and whether the apply creates it
    (so its provisioner runs)."""

    address: str
    data: Json
    unknown: Json
    created: bool


def planned_records(plan: Json, kind: str) -> Iterator[PlannedRecord]:
    """The ``terraform_data`` records of ``kind`` in ``terraform show -json`` that remain after
    the apply."""
    for change in plan.get("resource_changes") or []:
        body = change.get("change") or {}
        after = body.get("after") or {}
        data = after.get("input") if isinstance(after, dict) else None
        if change.get("type") != "terraform_data" or not isinstance(data, dict):
            continue
        if data.get("kind") != kind:
            continue
        unknown = (body.get("after_unknown") or {}).get("input") or {}
        yield PlannedRecord(
            address=str(change["address"]),
            data=data,
            unknown=unknown if isinstance(unknown, dict) else {},
            created="create" in body.get("actions", []),
        )


@dataclass(frozen=True)
class Restore:
    """The commands that put the config back, for one environment (``<environment>`` when the
    plan's environment is not known)."""

    environment: str | None = None

    @property
    def env(self) -> str:
        return self.environment or "<environment>"

    def apply(self) -> str:
        return f"This plan restores the config: make apply ENV={self.env}"

    def replace(self, address: str) -> str:
        return (
            f"make plan-check ENV={self.env} REPLACE='{address}', then make apply "
            f"ENV={self.env} (in the stack directory: terraform apply -replace='{address}')"
        )
