"""What else adoption leaves out when it leaves a contact out.

A personal contact the file cannot express (no channel, or no engagement plan: both valid in
AWS, and the console saves a contact before its plan) is left out and reported. Everything that
refers to it must then be left out too, or the file would name a contact it does not define
and fail the project's checks: the rotations it is a member of, the on-call schedules listing
those rotations, the escalation plans engaging any of these (or one of its channels, or another
plan left out, or a contact of another account), and the response plans engaging any of them.
Each stays in the account as it is, unmanaged, and the report says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from stacks.adopt.read_account import LiveAccount

Json = dict[str, Any]


@dataclass
class LeftOut:
    """Aliases of the contacts (of every type), ARNs of the rotations and response plans left
    out; ``foreign``: the escalation plans that engage another account's contact or channel
    themselves (their own adoption reports it)."""

    contacts: set[str] = field(default_factory=set)
    rotations: set[str] = field(default_factory=set)
    response_plans: set[str] = field(default_factory=set)
    foreign: set[str] = field(default_factory=set)


def _stage_references(contact: Json, owners: dict[str, str]) -> Iterator[str]:
    """The contact ARNs a plan's stages engage, a channel standing for its contact."""
    for stage in contact.get("Plan", {}).get("Stages", []):
        for target in stage.get("Targets", []):
            if "ContactTargetInfo" in target:
                yield target["ContactTargetInfo"]["ContactId"]
            else:
                channel = target["ChannelTargetInfo"]["ContactChannelId"]
                yield owners.get(channel, channel)


def cascade(account: LiveAccount, kept_people: set[str], report: list[str]) -> LeftOut:
    """What refers, directly or not, to a personal contact not in ``kept_people`` or to another
    account's contact; a report line for each (but ``foreign``)."""
    aliases = {c.contact["ContactArn"]: c.contact["Alias"] for c in account.contacts}
    owners = {
        ch["ContactChannelArn"]: c.contact["ContactArn"]
        for c in account.contacts
        for ch in c.channels
    }
    left = LeftOut(
        {
            c.contact["Alias"]
            for c in account.contacts
            if c.contact["Type"] == "PERSONAL" and c.contact["Alias"] not in kept_people
        }
    )
    for rotation, _ in sorted(account.rotations, key=lambda r: str(r[0]["Name"])):
        missing = [aliases[a] for a in rotation["ContactIds"] if aliases.get(a) in left.contacts]
        if missing:
            left.rotations.add(rotation["RotationArn"])
            report.append(
                f"rotation {rotation['Name']}: its contact(s) {', '.join(missing)} are left out "
                "(above); left out too, not managed (it stays as it is)"
            )
    rotation_names = {r["RotationArn"]: r["Name"] for r, _ in account.rotations}
    others = sorted(
        (c for c in account.contacts if c.contact["Type"] != "PERSONAL"),
        key=lambda c: str(c.contact["Alias"]),
    )
    changed = True
    while changed:
        changed = False
        for live in others:
            contact = live.contact
            alias = contact["Alias"]
            if alias in left.contacts:
                continue
            if contact["Type"] == "ONCALL_SCHEDULE":
                rotations = contact.get("Plan", {}).get("RotationIds", [])
                missing = [rotation_names[a] for a in rotations if a in left.rotations]
                what = f"lists rotation(s) {', '.join(missing)}, left out"
            else:
                references = list(_stage_references(contact, owners))
                if any(a not in aliases for a in references):
                    # Another account's contact: reported by the plan's own adoption.
                    left.contacts.add(alias)
                    left.foreign.add(alias)
                    changed = True
                    continue
                missing = sorted({aliases[a] for a in references if aliases[a] in left.contacts})
                what = f"engages {', '.join(missing)}, left out"
            if missing:
                left.contacts.add(alias)
                changed = True
                kind = (
                    "on-call schedule"
                    if contact["Type"] == "ONCALL_SCHEDULE"
                    else ("escalation plan")
                )
                report.append(
                    f"{kind} {alias}: {what} (above); left out too, not managed (it stays as it is)"
                )
    for plan, _ in sorted(account.response_plans, key=lambda p: str(p[0]["name"])):
        missing = [
            aliases[a] for a in plan.get("engagements", []) if aliases.get(a) in left.contacts
        ]
        if missing:
            left.response_plans.add(plan["arn"])
            report.append(
                f"response plan {plan['name']}: engages {', '.join(missing)}, left out (above); "
                "left out too, not managed (it stays as it is, and so do the alarms that open "
                "it)"
            )
    return left
