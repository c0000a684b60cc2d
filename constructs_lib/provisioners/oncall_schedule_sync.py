"""Create, adopt, update and delete on-call schedules through the AWS SDK, and compare them
with a saved plan (the drift check).

No released hashicorp/aws provider can set an on-call schedule's rotations (terraform-provider-aws
#39758, #41776; PR #44523), so the stack manages each schedule with two ``terraform_data``
resources whose provisioners run this module (see ``constructs_lib/oncall_schedule.py``), from
the copy of this package that synthesis puts in the stack directory::

    # JSON in $IM_ONCALL_SCHEDULE:
    python3 -m incident_manager_provisioners.oncall_schedule_sync create|update|delete

``check_schedules`` is the drift check of the schedules; ``make plan-check`` runs it (and
``python -m stacks.plan.drift_check PLAN_JSON`` from a checkout), together with the shift
coverages' (``rotation_coverage_sync.check_coverages``).

It acts with the same account and role as the stack's provider: credentials come from the usual
AWS chain, the role in ``assume_role`` is assumed when the stack has one, and the caller's account
must be the stack's ``account_id`` (``allowed_account_ids``) or nothing is done. Endpoints come
from the SDK's own settings (``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_SSM_CONTACTS``,
``AWS_ENDPOINT_URL_STS``).

Exit status: 0 done; 1 refused or failed (wrong account, the alias taken by another kind of
contact, an AWS error); 2 bad input; 130 interrupted (Ctrl-C).

The SDK's clients retry in botocore's "standard" mode (``client_config``), long enough to ride
out what the provider rides out: a provisioner that gives up leaves its record tainted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .aws_access import (
    AssumeRole,
    SyncError,
    account_session,
    command_parser,
    exit_on_ctrl_c,
    found_or_none,
    json_record,
    json_variable,
    not_found,
    run_command,
)
from .contract import (
    EXIT_BAD_INPUT,
    SCHEDULE_MODULE,
    SCHEDULE_VARIABLE,
    SETTINGS_KIND,
)
from .plan_records import Restore, planned_records

SCHEDULE_TYPE = "ONCALL_SCHEDULE"
Json = dict[str, Any]
EPILOG = """\
example (in the stack directory, where synthesis puts this package):
  IM_ONCALL_SCHEDULE='{"arn": ..., "alias": ..., ...}' \\
    python3 -m incident_manager_provisioners.oncall_schedule_sync create

exit status: 0 done; 1 refused (other account, alias taken) or AWS error; 2 bad input;
130 interrupted (Ctrl-C).

environment: IM_ONCALL_SCHEDULE, the AWS SDK's credential chain
(AWS_PROFILE, AWS_ACCESS_KEY_ID, ...), AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SSM_CONTACTS,
AWS_ENDPOINT_URL_STS, AWS_RETRY_MODE / AWS_MAX_ATTEMPTS (default: standard, 13 attempts).
"""


@dataclass(frozen=True)
class Schedule:
    """One schedule as the stack describes it (the ``input`` of its terraform_data)."""

    arn: str
    alias: str
    region: str
    account_id: str
    assume_role: AssumeRole | None = None
    display_name: str | None = None
    rotation_ids: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: object, where: str) -> Schedule:
        data = json_record(data, where, ("arn", "alias", "region", "account_id"))
        rotations = data.get("rotation_ids") or []
        tags = data.get("tags") or {}
        if not isinstance(rotations, list) or not all(isinstance(r, str) for r in rotations):
            raise SyncError(f"{where}: rotation_ids must be a list of ARNs", EXIT_BAD_INPUT)
        if not isinstance(tags, dict):
            raise SyncError(f"{where}: tags must be an object", EXIT_BAD_INPUT)
        return cls(
            arn=str(data["arn"]),
            alias=str(data["alias"]),
            region=str(data["region"]),
            account_id=str(data["account_id"]),
            assume_role=AssumeRole.from_json(data.get("assume_role")),
            display_name=data.get("display_name"),
            rotation_ids=tuple(rotations),
            tags={str(k): str(v) for k, v in tags.items()},
        )


def session_for(schedule: Schedule) -> Any:
    """A boto3 session in the schedule's account (see ``account_session``)."""
    return account_session(
        schedule.region,
        schedule.account_id,
        schedule.assume_role,
        f"on-call schedule {schedule.alias!r}",
    )


def read_live(client: Any, arn: str) -> Json | None:
    """``GetContact`` of ``arn`` plus its tags; None when there is no such contact."""
    contact: Json | None = found_or_none(client.get_contact, ContactId=arn)
    if contact is None:
        return None
    tags = client.list_tags_for_resource(ResourceARN=arn).get("Tags") or []
    contact["TagMap"] = {t["Key"]: t["Value"] for t in tags}
    return contact


def _refuse_other_type(schedule: Schedule, live: Json) -> None:
    if live.get("Type") != SCHEDULE_TYPE:
        raise SyncError(
            f"alias {schedule.alias!r} is already taken by a {live.get('Type')} contact "
            f"({schedule.arn}); an on-call schedule needs its own alias. Nothing was changed."
        )


def _sync_tags(client: Any, schedule: Schedule, live_tags: Mapping[str, str]) -> None:
    # The config is the whole truth about a managed schedule's tags, as for every other resource.
    stale = sorted(set(live_tags) - set(schedule.tags))
    if stale:
        client.untag_resource(ResourceARN=schedule.arn, TagKeys=stale)
    changed = {k: v for k, v in schedule.tags.items() if live_tags.get(k) != v}
    if changed:
        client.tag_resource(
            ResourceARN=schedule.arn,
            Tags=[{"Key": k, "Value": v} for k, v in sorted(changed.items())],
        )


def _update(client: Any, schedule: Schedule, live: Json) -> None:
    client.update_contact(
        ContactId=schedule.arn,
        DisplayName=schedule.display_name or "",
        Plan={"RotationIds": list(schedule.rotation_ids)},
    )
    _sync_tags(client, schedule, live.get("TagMap") or {})


def create(schedule: Schedule, client: Any) -> str:
    """Create the schedule, or adopt an existing one with that alias (keeping its ARN)."""
    live = read_live(client, schedule.arn)
    if live is not None:
        _refuse_other_type(schedule, live)
        _update(client, schedule, live)
        return f"adopted existing on-call schedule {schedule.arn} (same ARN), settings applied"
    params: Json = {
        "Alias": schedule.alias,
        "Type": SCHEDULE_TYPE,
        "Plan": {"RotationIds": list(schedule.rotation_ids)},
    }
    if schedule.display_name:
        params["DisplayName"] = schedule.display_name
    if schedule.tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(schedule.tags.items())]
    created = client.create_contact(**params)["ContactArn"]
    if created != schedule.arn:
        # Escalation and response plans engage the ARN built from the alias.
        raise SyncError(
            f"AWS created {created}, not {schedule.arn}: the stack engages the ARN built from the "
            "alias. Check the region and account of the stack."
        )
    return f"created on-call schedule {created}"


def update(schedule: Schedule, client: Any) -> str:
    """Apply display name, rotations and tags to the existing schedule, in place."""
    live = read_live(client, schedule.arn)
    if live is None:
        raise SyncError(
            f"on-call schedule {schedule.arn} does not exist (deleted outside Terraform?). To "
            "create it again, let Terraform forget it and apply (the plan guard refuses "
            "-replace of it): "
            f"terraform state rm 'terraform_data.oncall_schedule[\"{schedule.alias}\"]'"
        )
    _refuse_other_type(schedule, live)
    _update(client, schedule, live)
    return f"updated on-call schedule {schedule.arn} in place"


def delete(schedule: Schedule, client: Any) -> str:
    """Delete the schedule; nothing to do when it is already gone (a re-run is safe)."""
    live = read_live(client, schedule.arn)
    if live is None:
        return f"on-call schedule {schedule.arn} is already gone"
    _refuse_other_type(schedule, live)
    from botocore.exceptions import ClientError

    try:
        client.delete_contact(ContactId=schedule.arn)
    except ClientError as error:
        # A retry whose first attempt deleted it (the answer lost on the way).
        if not not_found(error):
            raise
    return f"deleted on-call schedule {schedule.arn}"


def differences(
    schedule: Schedule,
    live: Json | None,
    check_rotations: bool = True,
    rotation_name: Callable[[str], str | None] = lambda arn: None,
) -> list[str]:
    """What the live schedule has that the config does not, one sentence each; rotations by
    name (``rotation_name``: ARN to name, None when unknown), with the ARN of any rotation the
    config does not have (rotation names are not unique)."""
    if live is None:
        return ["does not exist"]
    if live.get("Type") != SCHEDULE_TYPE:
        return [f"the alias belongs to a {live.get('Type')} contact, not an on-call schedule"]
    found: list[str] = []
    live_name = live.get("DisplayName") or ""
    if live_name != (schedule.display_name or ""):
        found.append(f"display name is {live_name!r}, config says {schedule.display_name!r}")
    live_rotations = list((live.get("Plan") or {}).get("RotationIds") or [])
    if check_rotations and live_rotations != list(schedule.rotation_ids):

        def words(arns: Sequence[str]) -> str:
            return "[" + ", ".join(rotation_name(a) or a for a in arns) + "]"

        sentence = (
            f"rotations differ: now {words(live_rotations)}; config {words(schedule.rotation_ids)}"
        )
        extra = [r for r in live_rotations if r not in schedule.rotation_ids]
        named = [f"{rotation_name(r)} is {r}" for r in extra if rotation_name(r)]
        if named:
            sentence += f" (not in the config: {', '.join(named)})"
        found.append(sentence)
    live_tags = live.get("TagMap") or {}
    if dict(live_tags) != dict(schedule.tags):
        found.append(
            f"tags are {dict(sorted(live_tags.items()))}, config says {dict(schedule.tags)}"
        )
    return found


@dataclass(frozen=True)
class PlannedSchedule:
    """A schedule's settings in a saved plan: what the config wants, and whether this apply
    already writes them (creation or a settings change)."""

    address: str
    schedule: Schedule
    applies_settings: bool
    rotations_known: bool


def planned_schedules(plan: Json) -> Iterator[PlannedSchedule]:
    """The settings resources of ``terraform show -json`` that remain after the apply."""
    for record in planned_records(plan, SETTINGS_KIND):
        data, unknown = record.data, record.unknown
        rotations_unknown = bool(unknown.get("rotation_ids"))
        if rotations_unknown:
            # Rotations created by this apply: their ARNs are not known yet.
            data = {**data, "rotation_ids": []}
        yield PlannedSchedule(
            address=record.address,
            schedule=Schedule.from_json(data, record.address),
            applies_settings=record.created,
            rotations_known=not rotations_unknown,
        )


def _rotation_names(known_names: Mapping[str, str], client: Any) -> Callable[[str], str | None]:
    """ARN to name: the plan's rotations, else GetRotation (a rotation made in the console)."""
    from botocore.exceptions import ClientError

    known = dict(known_names)

    def name(arn: str) -> str | None:
        if arn not in known:
            try:
                known[arn] = str(client.get_rotation(RotationId=arn)["Name"])
            except ClientError:
                return None
        return known[arn]

    return name


def check_schedules(
    plan: Json,
    out: Any,
    restore: Restore | None = None,
    rotation_names: Mapping[str, str] | None = None,
) -> int:
    """Print how each schedule of ``plan`` compares with the config; the number that drifted
    (differences this plan does not correct). ``rotation_names`` (ARN to name, the plan's
    rotations: ``stacks.plan.drift_report.plan_names``) names rotations in what is printed; the
    others are named by GetRotation."""
    restore = restore or Restore()
    planned = list(planned_schedules(plan))
    if not planned:
        print("on-call schedules: none in this plan", file=out)
        return 0
    drifted = 0
    for item in planned:
        schedule = item.schedule
        client = session_for(schedule).client("ssm-contacts")
        live = read_live(client, schedule.arn)
        names = _rotation_names(rotation_names or {}, client)
        found = differences(schedule, live, item.rotations_known, names)
        if not found:
            print(f"on-call schedule {schedule.alias!r}: matches the config", file=out)
            continue
        listed = "; ".join(found)
        if item.applies_settings:
            print(
                f"on-call schedule {schedule.alias!r}: {listed} (this plan writes the config's "
                "settings)",
                file=out,
            )
            continue
        drifted += 1
        if live is None:
            print(
                f"on-call schedule {schedule.alias!r}: DRIFT: does not exist (deleted outside "
                "Terraform?). To create it again: terraform state rm "
                f"'terraform_data.oncall_schedule[\"{schedule.alias}\"]' in the stack "
                f"directory, then make plan-check ENV={restore.env} and make apply "
                f"ENV={restore.env}",
                file=out,
            )
            continue
        print(
            f"on-call schedule {schedule.alias!r}: DRIFT: {listed}. This plan does not change it; "
            f"to write the config's settings again: {restore.replace(item.address)}",
            file=out,
        )
    return drifted


ACTIONS = {"create": create, "update": update, "delete": delete}


def run_action(action: str, environ: Mapping[str, str]) -> str:
    """Run ``create``, ``update`` or ``delete`` for the schedule in ``$IM_ONCALL_SCHEDULE``."""
    data = json_variable(environ, SCHEDULE_VARIABLE, "the schedule")
    schedule = Schedule.from_json(data, SCHEDULE_VARIABLE)
    if action != "delete" and not schedule.rotation_ids:
        raise SyncError(
            f"{SCHEDULE_VARIABLE}: an on-call schedule needs at least one rotation", EXIT_BAD_INPUT
        )
    client = session_for(schedule).client("ssm-contacts")
    return ACTIONS[action](schedule, client)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = command_parser(
        SCHEDULE_MODULE,
        "Manage on-call schedules (ssm-contacts ONCALL_SCHEDULE) for the stack's "
        "terraform_data provisioners.",
        EPILOG,
        list(ACTIONS),
    )
    return run_command(
        argv,
        parser,
        "on-call schedule",
        lambda action: run_action(action, os.environ if environ is None else environ),
    )


if __name__ == "__main__":
    exit_on_ctrl_c("on-call schedule")
    sys.exit(main())
