"""Turn what ``read_account`` read into the project's own format: the environment file's data,
the secret channel addresses (a Terraform variables file, never in git) and the import IDs.

Anything the environment file cannot express is left out and reported, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from constructs_lib.engagement_plan import ChannelEngagement, EngagementStage
from stacks.adopt.engagement_inverse import channel_engagements, round_trips
from stacks.adopt.left_out import cascade
from stacks.adopt.read_account import LiveAccount, LiveContact
from stacks.adopt.runbooks import RunbookWriter
from stacks.config.secret_variables import address_variable

Json = dict[str, Any]
# The API's impact numbers, in the environment file's words.
IMPACTS = {1: "critical", 2: "high", 3: "medium", 4: "low", 5: "none"}
AWS_OWNED_KEY = "DefaultKey"


@dataclass
class Adoption:
    """The files ``adopt`` writes, as data."""

    environment: Json
    secrets: dict[str, str] = field(default_factory=dict)
    imports: Json = field(default_factory=dict)
    report: list[str] = field(default_factory=list)
    # Files the environment file refers to (runbook documents, policies), by path relative to
    # the repository root, with their text exactly as AWS holds it.
    files: dict[str, str] = field(default_factory=dict)


def _time(value: Mapping[str, int]) -> str:
    return f"{value['HourOfDay']:02d}:{value['MinuteOfHour']:02d}"


def _names(
    account: LiveAccount,
) -> tuple[dict[str, str], dict[str, tuple[str, str]], dict[str, str]]:
    """Contact ARN -> alias, channel ARN -> (alias, channel name), rotation ARN -> name."""
    aliases = {c.contact["ContactArn"]: c.contact["Alias"] for c in account.contacts}
    channels = {
        ch["ContactChannelArn"]: (c.contact["Alias"], ch["Name"])
        for c in account.contacts
        for ch in c.channels
    }
    rotations = {r["RotationArn"]: r["Name"] for r, _ in account.rotations}
    return aliases, channels, rotations


def _replication_set(account: LiveAccount, region: str, adoption: Adoption) -> Json:
    regions = account.replication_set.get("regionMap", {})
    # The provider region first, then the rest in name order (deterministic output).
    names = sorted(regions, key=lambda name: (name != region, name))
    keys = {name: regions[name].get("sseKmsKeyId", AWS_OWNED_KEY) for name in names}
    data: Json = {"regions": names}
    customer = {name: key for name, key in keys.items() if key != AWS_OWNED_KEY}
    if customer:
        # A region on the AWS-owned key is written with no kms_key_arn ("DefaultKey" is refused
        # by provider 5.100.0); the file's customer-managed form needs a key in every region.
        if len(customer) != len(keys):
            tags = account.replication_set_tags
            adoption.report.append(
                "replication set: some regions use customer managed keys and some the "
                "AWS-owned key; the environment file needs one kind; left as it is "
                "(existing: true), not managed"
                + (f", its tags ({', '.join(sorted(tags))}) with it" if tags else "")
            )
            return {"regions": names, "existing": True}
        data["encryption"] = "customer-managed-keys"
        data["key_arns"] = customer
    if account.replication_set_tags:
        data["tags"] = dict(sorted(account.replication_set_tags.items()))
    adoption.imports["replication_set"] = account.replication_set["arn"]
    return data


def _shared_variable(alias: str, channels: list[Json], variables: dict[str, str]) -> str | None:
    """Why ``alias``'s channels cannot all have a secret address variable of their own (the
    name keeps letters a-z and digits only: ``ü`` and ``ö`` both give ``<alias>__``), or None;
    ``variables`` (variable -> contact/channel) gets theirs when they can."""
    own: dict[str, str] = {}
    for channel in channels:
        variable = address_variable(alias, channel["Name"])
        taken = variables.get(variable) or own.get(variable)
        if taken:
            return (
                f"the secret address variable of its channel {channel['Name']!r} would be "
                f"{variable!r}, that of {taken!r} too (rename one channel, then adopt again)"
            )
        own[variable] = f"{alias}/{channel['Name']}"
    variables.update(own)
    return None


def _contact(live: LiveContact, adoption: Adoption, variables: dict[str, str]) -> Json | None:
    contact = live.contact
    alias = contact["Alias"]
    shared = _shared_variable(alias, live.channels, variables)
    if shared:
        adoption.report.append(f"contact {alias}: {shared}; left out")
        return None
    by_arn = {ch["ContactChannelArn"]: ch["Name"] for ch in live.channels}
    stages = []
    for stage in contact.get("Plan", {}).get("Stages", []):
        channels = []
        for target in stage.get("Targets", []):
            info = target.get("ChannelTargetInfo")
            if info is None or info["ContactChannelId"] not in by_arn:
                adoption.report.append(
                    f"contact {alias}: its engagement plan engages {target!r}, which is not one "
                    "of its own channels; contact left out"
                )
                return None
            channels.append(
                ChannelEngagement(
                    by_arn[info["ContactChannelId"]], 0, info.get("RetryIntervalInMinutes")
                )
            )
        stages.append(EngagementStage(stage["DurationInMinutes"], tuple(channels)))
    engagements = channel_engagements(stages)
    if not engagements:
        adoption.report.append(f"contact {alias}: its engagement plan engages no channel; left out")
        return None
    if not round_trips(stages):
        adoption.report.append(
            f"contact {alias}: its engagement plan's stages have a shape the file's "
            "'channel at minute' form does not rebuild exactly; the first plan will update it "
            "in place to the same minutes"
        )
    data: Json = {"alias": alias}
    if contact.get("DisplayName"):
        data["display_name"] = contact["DisplayName"]
    data["channels"] = []
    channel_ids: Json = {}
    for channel in live.channels:
        data["channels"].append({"name": channel["Name"], "type": channel["Type"], "secret": True})
        address = channel.get("DeliveryAddress", {}).get("SimpleAddress", "")
        adoption.secrets[address_variable(alias, channel["Name"])] = address
        channel_ids[channel["Name"]] = channel["ContactChannelArn"]
        if channel.get("ActivationStatus") != "ACTIVATED":
            adoption.report.append(
                f"contact {alias}: channel {channel['Name']} is not activated; it pages nobody "
                "until the person enters the activation code (adoption keeps it as it is)"
            )
    data["engagement"] = [_engagement(e) for e in engagements]
    if live.tags:
        data["tags"] = dict(sorted(live.tags.items()))
    adoption.imports.setdefault("contacts", {})[alias] = {
        "contact": contact["ContactArn"],
        "channels": channel_ids,
    }
    return data


def _engagement(step: ChannelEngagement) -> Json:
    data: Json = {"channel": step.channel, "at_minute": step.at_minute}
    if step.retry_interval_minutes is not None:
        data["retry_interval_minutes"] = step.retry_interval_minutes
    return data


def _escalation_plan(
    live: LiveContact,
    aliases: Mapping[str, str],
    channels: Mapping[str, tuple[str, str]],
    adoption: Adoption,
) -> Json | None:
    contact = live.contact
    alias = contact["Alias"]
    stages = []
    for stage in contact.get("Plan", {}).get("Stages", []):
        targets = []
        for target in stage.get("Targets", []):
            if "ContactTargetInfo" in target:
                info = target["ContactTargetInfo"]
                if info["ContactId"] not in aliases:
                    adoption.report.append(
                        f"escalation plan {alias}: engages {info['ContactId']}, not a contact "
                        "of this account and region; plan left out"
                    )
                    return None
                item: Json = {"contact": aliases[info["ContactId"]]}
                if info.get("IsEssential") is False:
                    item["acknowledgement_stops_plan"] = False
            else:
                info = target["ChannelTargetInfo"]
                if info["ContactChannelId"] not in channels:
                    adoption.report.append(
                        f"escalation plan {alias}: engages channel {info['ContactChannelId']}, "
                        "not a channel of this account and region; plan left out"
                    )
                    return None
                owner, name = channels[info["ContactChannelId"]]
                item = {"contact": owner, "channel": name}
                if info.get("RetryIntervalInMinutes") is not None:
                    item["retry_interval_minutes"] = info["RetryIntervalInMinutes"]
            targets.append(item)
        stages.append({"duration_minutes": stage["DurationInMinutes"], "targets": targets})
    data: Json = {"alias": alias}
    if contact.get("DisplayName"):
        data["display_name"] = contact["DisplayName"]
    data["stages"] = stages
    if live.tags:
        data["tags"] = dict(sorted(live.tags.items()))
    adoption.imports.setdefault("escalation_plans", {})[alias] = contact["ContactArn"]
    return data


def _rotation(rotation: Json, tags: Mapping[str, str], aliases: Mapping[str, str]) -> Json:
    recurrence = rotation["Recurrence"]
    hand_off: Json = {}
    if recurrence.get("DailySettings"):
        hand_off["daily"] = [_time(t) for t in recurrence["DailySettings"]]
    if recurrence.get("WeeklySettings"):
        hand_off["weekly"] = [
            {"day": w["DayOfWeek"], "time": _time(w["HandOffTime"])}
            for w in recurrence["WeeklySettings"]
        ]
    if recurrence.get("MonthlySettings"):
        hand_off["monthly"] = [
            {"day_of_month": m["DayOfMonth"], "time": _time(m["HandOffTime"])}
            for m in recurrence["MonthlySettings"]
        ]
    start = rotation["StartTime"]
    if isinstance(start, datetime):
        # UTC, as the stack writes it: any other offset shows as a change on every plan.
        start = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    data: Json = {
        "name": rotation["Name"],
        "contacts": [aliases[arn] for arn in rotation["ContactIds"]],
        "time_zone": rotation["TimeZoneId"],
        "start_time": start,
    }
    if recurrence.get("NumberOfOnCalls", 1) != 1:
        data["number_of_on_calls"] = recurrence["NumberOfOnCalls"]
    if recurrence.get("RecurrenceMultiplier", 1) != 1:
        data["recurrence_multiplier"] = recurrence["RecurrenceMultiplier"]
    data["hand_off"] = hand_off
    coverages = recurrence.get("ShiftCoverages") or {}
    if coverages:
        data["shift_coverages"] = {
            day: [{"start": _time(c["Start"]), "end": _time(c["End"])} for c in coverages[day]]
            for day in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
            if day in coverages
        }
    if tags:
        data["tags"] = dict(sorted(tags.items()))
    return data


def _schedule(live: LiveContact, rotations: Mapping[str, str]) -> Json:
    contact = live.contact
    data: Json = {
        "alias": contact["Alias"],
        "display_name": contact.get("DisplayName") or contact["Alias"],
        "rotations": [rotations[arn] for arn in contact.get("Plan", {}).get("RotationIds", [])],
    }
    if live.tags:
        data["tags"] = dict(sorted(live.tags.items()))
    return data


def _response_plan(
    plan: Json,
    tags: Mapping[str, str],
    aliases: Mapping[str, str],
    adoption: Adoption,
    runbooks: RunbookWriter,
) -> Json:
    name = plan["name"]
    template = plan["incidentTemplate"]
    incident: Json = {"title": template["title"], "impact": IMPACTS[template["impact"]]}
    if template.get("summary"):
        incident["summary"] = template["summary"]
    if template.get("dedupeString"):
        incident["dedupe_string"] = template["dedupeString"]
    if template.get("incidentTags"):
        incident["tags"] = dict(sorted(template["incidentTags"].items()))
    topics = [t["snsTopicArn"] for t in template.get("notificationTargets", [])]
    if topics:
        incident["notify"] = topics
    data: Json = {"name": name}
    if plan.get("displayName"):
        data["display_name"] = plan["displayName"]
    data["incident"] = incident
    chat = plan.get("chatChannel", {}).get("chatbotSns", [])
    if chat:
        data["chat_channels"] = list(chat)
    engagements = []
    for arn in plan.get("engagements", []):
        if arn in aliases:
            engagements.append(aliases[arn])
        else:
            adoption.report.append(
                f"response plan {name}: engages {arn}, not a contact of this account and "
                "region; left out of its engagements"
            )
    if engagements:
        data["engagements"] = engagements
    automations = [a["ssmAutomation"] for a in plan.get("actions", []) if "ssmAutomation" in a]
    if automations:
        # The API takes at most one action (ActionsList max 1), and so does the provider.
        data["runbook"] = runbooks.action(name, automations[0])
    for integration in plan.get("integrations", []):
        pagerduty = integration.get("pagerDutyConfiguration")
        if pagerduty:
            data["pagerduty"] = {
                "name": pagerduty["name"],
                "service_id": pagerduty["pagerDutyIncidentConfiguration"]["serviceId"],
                "secret_id": pagerduty["secretId"],
            }
    if tags:
        data["tags"] = dict(sorted(tags.items()))
    adoption.imports.setdefault("response_plans", {})[name] = plan["arn"]
    return data


def build_adoption(
    account: LiveAccount, account_id: str, region: str, environment: str
) -> Adoption:
    """The environment file's data, secrets, import IDs, report and the files it refers to
    (runbook documents and policies, under folders named after ``environment``)."""
    adoption = Adoption(environment={})
    runbooks = RunbookWriter(
        environment, account_id, account.runbooks, adoption.files, adoption.imports, adoption.report
    )
    aliases, channels, rotation_names = _names(account)
    env: Json = {"account_id": account_id, "region": region}
    env["replication_set"] = _replication_set(account, region, adoption)
    by_type: dict[str, list[LiveContact]] = {}
    for live in sorted(account.contacts, key=lambda c: str(c.contact["Alias"])):
        by_type.setdefault(live.contact["Type"], []).append(live)
    variables: dict[str, str] = {}
    contacts = [_contact(c, adoption, variables) for c in by_type.get("PERSONAL", [])]
    env["contacts"] = [c for c in contacts if c is not None]
    # What refers to a contact left out is left out too (or the file would not load).
    left = cascade(account, {c["alias"] for c in env["contacts"]}, adoption.report)
    # A plan engaging another account's contact reports it itself, and is left out.
    plans = [
        _escalation_plan(c, aliases, channels, adoption)
        for c in by_type.get("ESCALATION", [])
        if c.contact["Alias"] not in left.contacts or c.contact["Alias"] in left.foreign
    ]
    env["escalation_plans"] = [p for p in plans if p is not None]
    env["rotations"] = []
    for rotation, tags in sorted(account.rotations, key=lambda r: str(r[0]["Name"])):
        if rotation["RotationArn"] in left.rotations:
            continue
        env["rotations"].append(_rotation(rotation, tags, aliases))
        adoption.imports.setdefault("rotations", {})[rotation["Name"]] = rotation["RotationArn"]
    # A schedule needs no import: its create provisioner adopts the live one, keeping its ARN.
    env["oncall_schedules"] = [
        _schedule(c, rotation_names)
        for c in by_type.get("ONCALL_SCHEDULE", [])
        if c.contact["Alias"] not in left.contacts
    ]
    env["response_plans"] = [
        _response_plan(plan, tags, aliases, adoption, runbooks)
        for plan, tags in sorted(account.response_plans, key=lambda p: str(p[0]["name"]))
        if plan["arn"] not in left.response_plans
    ]
    # Written before response_plans in the file: the entries the actions name come first.
    env["runbooks"] = [runbooks.runbooks[name] for name in sorted(runbooks.runbooks)]
    env["runbook_roles"] = [runbooks.roles[name] for name in sorted(runbooks.roles)]
    order = [k for k in env if k not in ("runbooks", "runbook_roles", "response_plans")]
    env = {k: env[k] for k in [*order, "runbooks", "runbook_roles", "response_plans"]}
    adoption.environment = {key: value for key, value in env.items() if value != []}
    return adoption
