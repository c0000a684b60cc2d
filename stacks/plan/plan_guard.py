"""Refuse Terraform plans that would do lasting damage to Incident Manager, in plain words.

Reads ``terraform show -json`` of a saved plan. Each refusal has a kind; ``--allow KIND`` lets
that kind through, on purpose, for one run.

    python -m stacks.plan.plan_guard plan.json [--allow KIND ...]
    make plan-check ENV=prod [ALLOW="contact-replace"]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from constructs_lib.provisioners.contract import COVERAGE_KIND, IDENTITY_KIND, SETTINGS_KIND
from stacks.layout import EXIT_BAD_INPUT, EXIT_OK, EXIT_REFUSED
from stacks.stack.hcl_strings import json_strings

Json = dict[str, Any]

REPLICATION_SET = "aws_ssmincidents_replication_set"
# ssm-incidents 2018-05-10: CreateReplicationSet's RegionMapInput holds 1 to 3 regions.
MAX_REPLICATION_REGIONS = 3
CONTACT = "aws_ssmcontacts_contact"
# Resources whose arguments name contacts by ARN.
REFERRERS = (
    "aws_ssmincidents_response_plan",
    "aws_ssmcontacts_rotation",
    "aws_ssmcontacts_plan",
)

# On-call schedules are terraform_data instances (constructs_lib/oncall_schedule.py) recognised
# by their input's kind; their input holds the schedule's ARN and alias. The settings and the
# shift coverages the stack writes through the SDK are terraform_data records too.
TERRAFORM_DATA = "terraform_data"
SCHEDULE_KIND = IDENTITY_KIND
# Terraform's resource_changes[].action_reason for an object an interrupted apply left tainted.
TAINTED = "replace_because_tainted"

KINDS = {
    "replication-set-delete": "destroying or replacing the replication set",
    "replication-regions": "adding or removing more than one replication region of an existing "
    "set in one apply (or creating a set with more than 3)",
    "replication-key": "changing the KMS key of a replication region",
    "contact-replace": "replacing a contact, escalation plan or on-call schedule",
    "referenced-contact-delete": "deleting a contact or on-call schedule that something still "
    "engages",
    "runbook-empty-map": "sending a runbook action whose parameters or dynamic_parameters map is "
    "empty, which AWS refuses (the apply stops half-way)",
}
RESPONSE_PLAN = "aws_ssmincidents_response_plan"
# A runbook action's two maps: the file's name and the provider's attribute.
MAPS = (("parameters", "parameter"), ("dynamic_parameters", "dynamic_parameters"))


@dataclass(frozen=True)
class Refusal:
    """One dangerous change in a plan, and what it would do."""

    kind: str
    address: str
    consequence: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.address}: {self.consequence}"


@dataclass(frozen=True)
class Note:
    """A change that looks dangerous but is not, said so that nobody reaches for ``--allow``."""

    address: str
    text: str

    def __str__(self) -> str:
        return f"{self.address}: {self.text}"


def _actions(change: Json) -> list[str]:
    actions: list[str] = change["change"]["actions"]
    return actions


def _deletes(change: Json) -> bool:
    return "delete" in _actions(change)


def _replaces(change: Json) -> bool:
    return "delete" in _actions(change) and "create" in _actions(change)


def _leaves_no_provisioner_run(change: Json) -> bool:
    """Whether Terraform destroys this object without its destroy-time provisioner: a tainted
    object being replaced, or a deposed one (left by a create_before_destroy replacement that
    stopped half-way). Terraform documents both ("a destroy-time provisioner within a resource
    that is tainted will not run"; "destroy provisioners of this resource do not run if
    create_before_destroy is set", hashicorp/terraform#13549), and 1.11.4 does exactly that
    (tests/stacks/plan/plan_guard/recorded/interrupted_apply.tf)."""
    return change.get("action_reason") == TAINTED or bool(change.get("deposed"))


def _regions(values: Json | None) -> dict[str, str | None]:
    return {r["name"]: r.get("kms_key_arn") for r in (values or {}).get("region") or []}


def _replication_set(change: Json) -> Iterator[Refusal]:
    address = change["address"]
    body = change["change"]
    if _deletes(change):
        yield Refusal(
            "replication-set-delete",
            address,
            "this apply would delete the replication set, and with it every incident record, "
            "contact, escalation plan, rotation and response plan in the account. Nothing can "
            "be restored afterwards.",
        )
        return
    before, after = _regions(body.get("before")), _regions(body.get("after"))
    if _actions(change) == ["create"]:
        # CreateReplicationSet takes every region in one call: no region changes one by one.
        if len(after) > MAX_REPLICATION_REGIONS:
            yield Refusal(
                "replication-regions",
                address,
                f"this apply would create the replication set with {len(after)} regions "
                f"{sorted(after)}; Incident Manager allows 1 to {MAX_REPLICATION_REGIONS} and "
                "the apply would fail.",
            )
        return
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    if len(added) + len(removed) > 1:
        yield Refusal(
            "replication-regions",
            address,
            f"this apply would add {added or 'no region'} and remove {removed or 'no region'} at "
            "once; Incident Manager changes one region per update and the apply would fail "
            "half-way. Change one region, apply, then the next.",
        )
    pending = _regions_with_unknown_key(body)
    for region in sorted(set(before) & set(after)):
        old, new = before[region], after[region]
        if new != old or region in pending:
            yield Refusal(
                "replication-key",
                address,
                f"this apply would change the KMS key of {region} from "
                f"{old or 'the AWS-owned key'} to {new or 'a key created in this apply'}; "
                "Incident Manager cannot change a region's key in place: remove the region "
                "(one apply), then add it back with the new key (another apply).",
            )


def _regions_with_unknown_key(body: Json) -> set[str]:
    """Regions whose key ARN is only known after apply (a key created in the same plan)."""
    after = (body.get("after") or {}).get("region") or []
    unknown = (body.get("after_unknown") or {}).get("region") or []
    if not isinstance(unknown, list):
        return set()
    return {
        region["name"]
        for region, flags in zip(after, unknown, strict=False)
        if isinstance(flags, dict) and flags.get("kms_key_arn") is True
    }


def _contacts(changes: list[Json]) -> Iterator[Refusal]:
    contacts = [c for c in changes if c["type"] == CONTACT]
    created = [c for c in contacts if _actions(c) == ["create"]]
    still_engaged = _still_engaged(changes)
    for change in contacts:
        before = change["change"].get("before") or {}
        alias, kind = before.get("alias"), before.get("type")
        if _replaces(change):
            yield Refusal(
                "contact-replace",
                change["address"],
                f"this apply would delete and recreate {kind} contact {alias!r} (its alias or "
                "type changed): its engagement history is lost, and its channels must be "
                "activated again before it can be paged.",
            )
        elif _deletes(change):
            arn = before.get("arn")
            if arn in still_engaged:
                yield Refusal(
                    "referenced-contact-delete",
                    change["address"],
                    f"this apply would delete contact {alias!r}, which "
                    f"{still_engaged[arn]} still engages: that engagement would page nobody.",
                )
            elif any((c["change"].get("after") or {}).get("type") == kind for c in created):
                new = [(c["change"].get("after") or {}).get("alias") for c in created]
                yield Refusal(
                    "contact-replace",
                    change["address"],
                    f"this apply would delete {kind} contact {alias!r} and create {new}: if this "
                    "is a rename, the old contact's engagement history is lost and the new "
                    "one's channels must be activated again before it can be paged.",
                )


def _schedule_input(change: Json) -> Json | None:
    if change["type"] != TERRAFORM_DATA:
        return None
    data = (change["change"].get("before") or {}).get("input")
    if isinstance(data, dict) and data.get("kind") == SCHEDULE_KIND:
        return data
    return None


def _schedules(changes: list[Json], still_engaged: dict[str, str]) -> Iterator[Refusal]:
    """A schedule is deleted when its terraform_data instance is (its destroy-time provisioner
    deletes it). An instance destroyed without that provisioner (tainted or deposed: see
    ``notes``) deletes nothing."""
    for change in changes:
        data = _schedule_input(change)
        if data is None or not _deletes(change) or _leaves_no_provisioner_run(change):
            continue
        alias, arn = data.get("alias"), data.get("arn")
        if _replaces(change):
            yield Refusal(
                "contact-replace",
                change["address"],
                f"this apply would replace on-call schedule {alias!r}: the new instance adopts "
                "the schedule, then the old one is destroyed, and its destroy-time provisioner, "
                "if it runs, deletes it, leaving nothing to page (Terraform 1.11 skips it for a "
                "create_before_destroy replacement, hashicorp/terraform#13549; that is not a "
                "promise to page on). To write its settings again, replace "
                f'terraform_data.oncall_schedule_settings["{alias}"] instead.',
            )
        elif arn in still_engaged:
            yield Refusal(
                "referenced-contact-delete",
                change["address"],
                f"this apply would delete on-call schedule {alias!r}, which "
                f"{still_engaged[arn]} still engages: that engagement would page nobody.",
            )


def _still_engaged(changes: list[Json]) -> dict[str, str]:
    """Every string in the after-state of what engages contacts, and who mentions it."""
    return {
        mention: change["address"]
        for change in changes
        if change["type"] in REFERRERS and not _deletes(change)
        for mention in json_strings(change["change"].get("after"))
    }


def _without_empty(value: Any) -> Any:
    """``value`` with empty maps, lists and nulls left out: the plan shows an action read back
    from AWS and the same action from the configuration with empty values spelled apart."""
    if isinstance(value, dict):
        kept = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [], "")}
    if isinstance(value, list):
        return [_without_empty(item) for item in value]
    return value


def _runbook_actions(change: Json) -> Iterator[Refusal]:
    """provider 5.100.0 sends a response plan's action when it creates the plan or the action
    changes, with both maps even when empty, and AWS refuses an empty one
    (terraform-provider-aws#32057): an action adopted that way (kept_as_adopted) must stay as
    it is."""
    body = change["change"]
    actions = _actions(change)
    after = (body.get("after") or {}).get("action") or []
    if "create" not in actions and "update" not in actions:
        return
    if "create" not in actions and _without_empty((body.get("before") or {}).get("action")) == (
        _without_empty(after)
    ):
        return
    for action in after:
        for automation in action.get("ssm_automation") or []:
            empty = [name for name, key in MAPS if not automation.get(key)]
            if empty:
                yield Refusal(
                    "runbook-empty-map",
                    change["address"],
                    f"this apply would send its runbook action with no {' and no '.join(empty)}; "
                    "provider 5.100.0 sends the empty map and AWS refuses it "
                    "(terraform-provider-aws#32057), stopping the apply half-way. Give at least "
                    "one entry in each map (and remove kept_as_adopted), or leave the action as "
                    "it was adopted.",
                )


# What each record stands for, in words: (what is re-created, what an old copy's end keeps).
RECORD_WORDS = {
    SCHEDULE_KIND: (
        "re-creating the record of on-call schedule {name!r} after an interrupted apply: its "
        "create step adopts the schedule (same ARN) and writes the config's settings",
        "the schedule is not deleted",
    ),
    SETTINGS_KIND: (
        "re-creating the settings of on-call schedule {name!r} after an interrupted apply: its "
        "create step writes the config's display name, rotations and tags in place",
        "nothing is deleted",
    ),
    COVERAGE_KIND: (
        "re-creating the shift coverage record of rotation {name!r} after an interrupted apply: "
        "its create step writes the config's coverage",
        "nothing is deleted",
    ),
}


def _record(change: Json) -> tuple[str, Json] | None:
    """The kind and ``input`` of one of the stack's terraform_data records, before the apply."""
    if change["type"] != TERRAFORM_DATA:
        return None
    data = (change["change"].get("before") or {}).get("input")
    if isinstance(data, dict) and data.get("kind") in RECORD_WORDS:
        return str(data["kind"]), data
    return None


def notes(plan: Json) -> list[Note]:
    """What an interrupted apply left for this plan to finish, in words: tainted records
    replaced and deposed ones dropped, none of which deletes anything in AWS."""
    found = []
    for change in plan.get("resource_changes") or []:
        record = _record(change)
        if record is None or not _leaves_no_provisioner_run(change):
            continue
        kind, data = record
        name = data.get("alias") or data.get("name")
        recreate, kept = RECORD_WORDS[kind]
        if change.get("deposed"):
            text = (
                f"dropping a leftover copy of this record from a replacement that stopped "
                f"half-way; Terraform runs no destroy-time provisioner for it, so {kept}"
            )
        else:
            text = (
                recreate.format(name=name) + "; Terraform runs no destroy-time provisioner for "
                f"a tainted object, so {kept}"
            )
        found.append(Note(str(change["address"]), text))
    return found


def check_plan(plan: Json, allow: Iterable[str] = ()) -> list[Refusal]:
    """Every dangerous change in ``plan`` (``terraform show -json``) not in ``allow``."""
    allowed = set(allow)
    unknown = allowed - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kind(s) {sorted(unknown)}; kinds: {', '.join(KINDS)}")
    changes: list[Json] = plan.get("resource_changes") or []
    refusals: list[Refusal] = []
    for change in changes:
        if change["type"] == REPLICATION_SET:
            refusals.extend(_replication_set(change))
        if change["type"] == RESPONSE_PLAN:
            refusals.extend(_runbook_actions(change))
    refusals.extend(_contacts(changes))
    refusals.extend(_schedules(changes, _still_engaged(changes)))
    return [r for r in refusals if r.kind not in allowed]


def run_guard(
    plan: Json,
    allow: Iterable[str] = (),
    source: str = "the plan",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Check ``plan`` (``terraform show -json``, parsed) as the command line does and print the
    same words: the exit status (0 nothing dangerous, 2 an unknown kind in ``allow``, 3
    refused). ``source`` names the plan in what is printed."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        refusals = check_plan(plan, allow)
    except ValueError as error:
        print(f"plan guard: {error}", file=err)
        return EXIT_BAD_INPUT
    for note in notes(plan):
        print(f"plan guard: note: {note}", file=out)
    if not refusals:
        print(f"plan guard: nothing dangerous in {source}", file=out)
        return EXIT_OK
    print(f"plan guard: {len(refusals)} dangerous change(s); not applying:", file=err)
    for refusal in refusals:
        print(f"  {refusal}", file=err)
    kinds = sorted({r.kind for r in refusals})
    print(
        "If you mean it, re-run with "
        + " ".join(f"--allow {k}" for k in kinds)
        + ' (make plan-check ALLOW="'
        + " ".join(kinds)
        + '").',
        file=err,
    )
    return EXIT_REFUSED


def add_allow_option(parser: argparse.ArgumentParser) -> None:
    """``--allow KIND``, repeatable: the kinds of refusal to let through (``plan-check`` and
    this module's own command line)."""
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        choices=sorted(KINDS),
        metavar="KIND",
        help="let one kind of dangerous change through: "
        + "; ".join(f"{k}: {v}" for k, v in KINDS.items()),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Refuse dangerous Incident Manager plans.")
    parser.add_argument("plan_json", type=Path, help="output of `terraform show -json PLANFILE`")
    add_allow_option(parser)
    args = parser.parse_args(argv)
    try:
        plan = json.loads(args.plan_json.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        print(f"{args.plan_json}: cannot read a plan in JSON ({error})", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not isinstance(plan, dict):
        print(f"{args.plan_json}: not the JSON of a plan (terraform show -json)", file=sys.stderr)
        return EXIT_BAD_INPUT
    return run_guard(plan, args.allow, str(args.plan_json))


if __name__ == "__main__":
    sys.exit(main())
