"""Console edits that a saved plan undoes, said in the environment file's words.

Terraform shows a console edit of an engagement plan or of a rotation's members as its raw diff
(``duration_in_minutes = 0 -> 10``, channel and contact ARNs). This module reads the same plan
(``terraform show -json``, parsed) and says it the way the config does::

    contact 'incident-responder': engagement now SMS 'mobile' at minute 0; config: EMAIL
    'email' at minute 0, SMS 'mobile' at minute 10
    rotation 'business-hours': members now [alice]; config [alice, bob]

Only what Terraform found changed outside it (the plan's ``resource_drift``) is reported, with the
values it read (``before``) and the ones it will write (``after``); names come from the plan's
prior state and planned values. No AWS call is made here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

CONTACT = "aws_ssmcontacts_contact"
CHANNEL = "aws_ssmcontacts_contact_channel"
PLAN = "aws_ssmcontacts_plan"
ROTATION = "aws_ssmcontacts_rotation"
# How the config calls a contact of each type (stacks/config/environment_config.py).
CONTACT_WORDS = {"PERSONAL": "contact", "ESCALATION": "escalation plan"}


@dataclass(frozen=True)
class PlanNames:
    """What the plan knows about names: contact, channel and rotation ARNs to their words."""

    contacts: Mapping[str, str] = field(default_factory=dict)
    contact_kinds: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)
    rotations: Mapping[str, str] = field(default_factory=dict)

    def contact(self, arn: object) -> str:
        return repr(self.contacts.get(str(arn), str(arn)))

    def channel(self, arn: object) -> str:
        if not isinstance(arn, str):
            return "a channel this apply creates"
        return self.channels.get(arn, arn)

    def rotation(self, arn: str) -> str | None:
        return self.rotations.get(arn)


def _resources(module: Json | None) -> Iterator[Json]:
    """Every resource of a ``values`` module, child modules included."""
    if not module:
        return
    yield from module.get("resources") or []
    for child in module.get("child_modules") or []:
        yield from _resources(child)


def plan_names(plan: Json) -> PlanNames:
    """Names of every contact, channel and rotation in ``plan``'s prior state and planned
    values (a channel as ``TYPE 'name'``, as the environment file writes it)."""
    contacts: dict[str, str] = {}
    kinds: dict[str, str] = {}
    channels: dict[str, str] = {}
    rotations: dict[str, str] = {}
    roots = (
        (plan.get("prior_state") or {}).get("values", {}).get("root_module"),
        (plan.get("planned_values") or {}).get("root_module"),
    )
    for root in roots:
        for resource in _resources(root):
            attributes = resource.get("values") or {}
            arn = attributes.get("arn")
            if not isinstance(arn, str):
                continue
            if resource.get("type") == CONTACT:
                contacts.setdefault(arn, str(attributes.get("alias")))
                kinds.setdefault(arn, str(attributes.get("type")))
            elif resource.get("type") == CHANNEL:
                channels.setdefault(arn, f"{attributes.get('type')} {attributes.get('name')!r}")
            elif resource.get("type") == ROTATION:
                rotations.setdefault(arn, str(attributes.get("name")))
    return PlanNames(contacts, kinds, channels, rotations)


def engagement_words(stages: Sequence[Json] | None, names: PlanNames) -> str:
    """A plan's stages as the config's engagement: who is engaged at which minute."""
    engaged: list[str] = []
    minute = 0
    for stage in stages or []:
        for target in stage.get("target") or []:
            for channel in target.get("channel_target_info") or []:
                engaged.append(
                    f"{names.channel(channel.get('contact_channel_id'))} at minute {minute}"
                )
            for contact in target.get("contact_target_info") or []:
                engaged.append(f"{names.contact(contact.get('contact_id'))} at minute {minute}")
        minute += int(stage.get("duration_in_minutes") or 0)
    return ", ".join(engaged) or "nobody"


def _drifted(plan: Json) -> set[str]:
    return {
        str(change["address"])
        for change in plan.get("resource_drift") or []
        if "update" in (change.get("change") or {}).get("actions", [])
    }


def console_edits(plan: Json, restore: str) -> list[str]:
    """One sentence per engagement plan or rotation edited outside Terraform that ``plan`` sets
    back to the config, ending with ``restore`` (the command that applies it)."""
    drifted = _drifted(plan)
    names = plan_names(plan)
    found = []
    for change in plan.get("resource_changes") or []:
        body = change.get("change") or {}
        if change.get("address") not in drifted or body.get("actions") != ["update"]:
            continue
        before, after = body.get("before") or {}, body.get("after") or {}
        if change.get("type") == PLAN:
            now = engagement_words(before.get("stage"), names)
            config = engagement_words(after.get("stage"), names)
            if now == config:  # a difference the config's words cannot show (retry interval)
                continue
            contact = after.get("contact_id")
            kind = CONTACT_WORDS.get(names.contact_kinds.get(str(contact), ""), "contact")
            found.append(
                f"{kind} {names.contact(contact)}: engagement now {now}; config: {config}. "
                f"{restore}"
            )
        elif change.get("type") == ROTATION:
            now_members = [names.contacts.get(a, a) for a in before.get("contact_ids") or []]
            config_members = [names.contacts.get(a, a) for a in after.get("contact_ids") or []]
            if now_members == config_members:
                continue
            found.append(
                f"rotation {after.get('name')!r}: members now [{', '.join(now_members)}]; "
                f"config [{', '.join(config_members)}]. {restore}"
            )
    return found
