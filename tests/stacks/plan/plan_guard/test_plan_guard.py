"""The plan guard on real plans: the real terraform and AWS provider, offline, with a prior
state for the "before" environment and `terraform plan -refresh=false` for the "after" one.

Every "after" scenario is a module of one root configuration, planned in one Terraform run over
the state its "before" would have left (tests/stacks/plan/plan_guard/terraform_workdir.py:
ScenarioRoot); each is checked on its module's part of the plan, addressed as a plan of its stack
alone. Measured when this was introduced: each scenario's resource changes (addresses, actions,
before, after, unknown values, reasons) and the guard's refusals were identical to a plan of the
same stack as a root module, for 2 plans (9 provider starts) instead of 7 (29)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stacks.config.environment_loader import load_environments
from stacks.plan.plan_guard import REPLICATION_SET, check_plan
from stacks.stack.synthesize import build_app
from tests.conftest import EXAMPLES_ROOT, PROJECT_ROOT
from tests.stacks.plan.plan_guard.terraform_workdir import ScenarioRoot
from tests.terraform.stack_copy import instance_addresses

Json = dict[str, Any]
DEV = (EXAMPLES_ROOT / "stacks" / "environments" / "dev.yaml").read_text(encoding="utf-8")
KEY_A = "arn:aws:kms:us-east-1:111122223333:key/aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
KEY_B = "arn:aws:kms:us-east-1:111122223333:key/bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
KEY_WEST = "arn:aws:kms:us-west-2:111122223333:key/cccccccc-cccc-4ccc-8ccc-cccccccccccc"


def synthesized_dev(tmp_path: Path, text: str) -> Json:
    """The dev stack synthesized from ``text`` (same environment name: same addresses)."""
    root = tmp_path / "project"
    shutil.rmtree(root, ignore_errors=True)
    (root / "stacks" / "environments").mkdir(parents=True)
    shutil.copytree(EXAMPLES_ROOT / "stacks" / "runbooks", root / "stacks" / "runbooks")
    (root / "stacks" / "environments" / "dev.yaml").write_text(text, encoding="utf-8")
    build_app(load_environments(root), root, root / "out").synth()
    path = root / "out" / "stacks" / "incident-manager-dev" / "cdk.tf.json"
    stack: Json = json.loads(path.read_text(encoding="utf-8"))
    return stack


def with_replication_set(text: str, block: str) -> str:
    start = text.index("replication_set:")
    end = text.index("\ncontacts:")
    return text[:start] + block.strip() + "\n" + text[end:]


CMK = f"""
replication_set:
  regions: [us-east-1, us-west-2]
  encryption: customer-managed-keys
  key_arns:
    us-east-1: {KEY_A}
    us-west-2: {KEY_WEST}
"""


@dataclass(frozen=True)
class Plans:
    """Real plans of the dev stack: the two "before" environments created from nothing, and
    every "after" scenario planned over the state its "before" left."""

    creation: dict[str, Json]
    after: dict[str, Json]
    # The "after" stacks as synthesized, by scenario.
    stacks: dict[str, Json]


# Scenario -> the "before" environment its prior state comes from.
BEFORE = {
    "one_region": "dev",
    "risky": "dev",
    "contact_dropped": "dev",
    "set_destroyed": "cmk",
    "key_changed": "cmk",
}


def _risky(base: Path) -> Json:
    """Three dangers at once: two more replication regions, a contact renamed, and a contact
    whose alias changes in place."""
    text = DEV.replace(
        "regions: [us-east-1]", "regions: [us-east-1, us-west-2, us-east-2]"
    ).replace("dev-sr-incident-responder", "dev-senior-responder")
    after = synthesized_dev(base, text)
    name = _contact(after, "dev-incident-responder")
    after["resource"]["aws_ssmcontacts_contact"][name]["alias"] = "dev-responder"
    return after


def _contact_dropped(base: Path) -> Json:
    """The senior responder and everything of its own dropped; the escalation plan keeps
    engaging its ARN (as a plan edited in the console, or written with a literal ARN, would)."""
    after = synthesized_dev(base, DEV)
    name = _contact(after, "dev-sr-incident-responder")
    reference = f"${{aws_ssmcontacts_contact.{name}.arn}}"
    resources = after["resource"]
    resources["aws_ssmcontacts_contact"].pop(name)
    for kind in ("aws_ssmcontacts_contact_channel", "aws_ssmcontacts_plan"):
        owned = [k for k, b in resources[kind].items() if reference in json.dumps(b["contact_id"])]
        for key in owned:
            resources[kind].pop(key)
    text = json.dumps(after).replace(
        reference, "arn:aws:ssm-contacts:us-east-1:111122223333:contact/dev-sr-incident-responder"
    )
    loaded: Json = json.loads(text)
    return loaded


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> Plans:
    """Two Terraform plans for every case (each plan starts the provider three times, whatever
    it holds): one creating both "before" environments, dev as shipped and dev with a protected
    two-region set encrypted with customer managed keys; then one planning each "after"
    scenario, each a module of its own over the state its "before" would have left."""
    base = tmp_path_factory.mktemp("plan-guard")
    root = ScenarioRoot(base / "root")
    befores = {
        "dev": synthesized_dev(base / "dev-src", DEV),
        "cmk": synthesized_dev(base / "cmk-src", with_replication_set(DEV, CMK)),
    }
    creation = root.plan(befores)
    stacks = {
        "one_region": synthesized_dev(
            base / "one-region",
            DEV.replace("regions: [us-east-1]", "regions: [us-east-1, us-west-2]"),
        ),
        "risky": _risky(base / "risky"),
        "contact_dropped": _contact_dropped(base / "contact-dropped"),
        # The "before" set has prevent_destroy, but the "after" config no longer has the
        # resource (existing: true), so Terraform itself plans the delete.
        "set_destroyed": synthesized_dev(
            base / "set-destroyed",
            with_replication_set(DEV, "replication_set:\n  existing: true\n  regions: [us-east-1]"),
        ),
        "key_changed": synthesized_dev(
            base / "key-changed", with_replication_set(DEV, CMK.replace(KEY_A, KEY_B))
        ),
    }
    after = root.plan(stacks, {name: creation[before] for name, before in BEFORE.items()})
    return Plans(creation=creation, after=after, stacks=stacks)


@pytest.fixture(scope="module")
def risky_dev_plan(plans: Plans) -> Json:
    return plans.after["risky"]


def test_each_scenario_is_planned_as_its_stack_alone(plans: Plans) -> None:
    """What each scenario's plan holds: its own stack's resources (created, kept or changed)
    and its "before"'s (kept or deleted), with a root module's addresses, nothing of the
    other modules planned beside it."""
    for name, before in BEFORE.items():
        addresses = {c["address"] for c in plans.after[name]["resource_changes"]}
        stack = plans.stacks[name]
        declared = set(instance_addresses(stack))
        prior = {c["address"] for c in plans.creation[before]["resource_changes"]}
        assert addresses == declared | prior, name
        assert not any("module_address" in c for c in plans.after[name]["resource_changes"])


def _contact(stack: Json, alias: str) -> str:
    contacts: dict[str, Json] = stack["resource"]["aws_ssmcontacts_contact"]
    (name,) = [n for n, b in contacts.items() if b["alias"] == alias]
    return name


def _by_kind(plan: Json, allow: tuple[str, ...] = ()) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for refusal in check_plan(plan, allow):
        found.setdefault(refusal.kind, []).append(refusal.consequence)
    return found


def test_one_region_change_passes_and_nothing_is_deleted(plans: Plans) -> None:
    plan = plans.after["one_region"]
    # The prior state reproduces "before": only the replication set changes.
    changed = {c["type"] for c in plan["resource_changes"] if "delete" in c["change"]["actions"]}
    assert changed == set()
    assert check_plan(plan) == []


def test_creating_a_two_region_set_is_one_call_and_passes(plans: Plans) -> None:
    # The plan that made the "cmk" prior state: a first deploy, as of prod.
    plan = plans.creation["cmk"]
    (created,) = [c for c in plan["resource_changes"] if c["type"] == REPLICATION_SET]
    assert created["change"]["actions"] == ["create"]
    assert sorted(r["name"] for r in created["change"]["after"]["region"]) == [
        "us-east-1",
        "us-west-2",
    ]
    assert check_plan(plan) == []


def test_refuses_creating_a_set_with_more_regions_than_aws_allows(plans: Plans) -> None:
    plan = copy.deepcopy(plans.creation["cmk"])
    (created,) = [c for c in plan["resource_changes"] if c["type"] == REPLICATION_SET]
    regions = created["change"]["after"]["region"]
    regions += [{**regions[0], "name": name} for name in ("eu-west-1", "eu-central-1")]
    (refusal,) = check_plan(plan)
    assert refusal.kind == "replication-regions"
    assert "create the replication set with 4 regions" in refusal.consequence
    assert "allows 1 to 3" in refusal.consequence


def test_refuses_two_region_changes_in_one_apply(risky_dev_plan: Json) -> None:
    (consequence,) = _by_kind(risky_dev_plan)["replication-regions"]
    assert "add ['us-east-2', 'us-west-2']" in consequence
    assert "Change one region, apply, then the next." in consequence


def test_refuses_renaming_a_contact(risky_dev_plan: Json) -> None:
    renamed = [c for c in _by_kind(risky_dev_plan)["contact-replace"] if "rename" in c]
    assert renamed == [
        "this apply would delete PERSONAL contact 'dev-sr-incident-responder' and create "
        "['dev-senior-responder']: if this is a rename, the old contact's engagement history "
        "is lost and the new one's channels must be activated again before it can be paged."
    ]


def test_refuses_a_contact_replaced_in_place(risky_dev_plan: Json) -> None:
    replaced = [
        c
        for c in risky_dev_plan["resource_changes"]
        if c["type"] == "aws_ssmcontacts_contact" and c["change"]["actions"] == ["delete", "create"]
    ]
    assert [c["change"]["before"]["alias"] for c in replaced] == ["dev-incident-responder"]
    in_place = [c for c in _by_kind(risky_dev_plan)["contact-replace"] if "recreate" in c]
    assert in_place == [
        "this apply would delete and recreate PERSONAL contact 'dev-incident-responder' (its "
        "alias or type changed): its engagement history is lost, and its channels must be "
        "activated again before it can be paged."
    ]


def test_allow_lets_exactly_the_named_kind_through(risky_dev_plan: Json) -> None:
    assert sorted(_by_kind(risky_dev_plan)) == ["contact-replace", "replication-regions"]
    assert sorted(_by_kind(risky_dev_plan, ("contact-replace",))) == ["replication-regions"]
    assert _by_kind(risky_dev_plan, ("contact-replace", "replication-regions")) == {}


def test_refuses_destroying_the_replication_set_even_where_terraform_would_not(
    plans: Plans,
) -> None:
    # The "before" set has prevent_destroy, but the "after" config no longer has the resource
    # (existing: true), so Terraform itself plans the delete.
    plan = plans.after["set_destroyed"]
    deleted = [c["type"] for c in plan["resource_changes"] if c["change"]["actions"] == ["delete"]]
    assert "aws_ssmincidents_replication_set" in deleted
    (refusal,) = check_plan(plan)
    assert refusal.kind == "replication-set-delete"
    assert "every incident record" in refusal.consequence
    assert check_plan(plan, ["replication-set-delete"]) == []


def test_refuses_changing_a_regions_key(plans: Plans) -> None:
    (refusal,) = check_plan(plans.after["key_changed"])
    assert refusal.kind == "replication-key"
    assert f"us-east-1 from {KEY_A} to {KEY_B}" in refusal.consequence


def test_refuses_deleting_a_contact_an_escalation_plan_still_engages(plans: Plans) -> None:
    # The contact is gone from the "after" stack: its name as the "before" stack has it.
    name = _contact(plans.stacks["one_region"], "dev-sr-incident-responder")
    refusals = check_plan(plans.after["contact_dropped"])
    assert [r.kind for r in refusals] == ["referenced-contact-delete"]
    assert refusals[0].address == f"aws_ssmcontacts_contact.{name}"
    assert refusals[0].consequence == (
        "this apply would delete contact 'dev-sr-incident-responder', which "
        f"{refusals[0].consequence.split('which ')[1].split(' still')[0]} still engages: that "
        "engagement would page nobody."
    )
    assert "aws_ssmcontacts_plan." in refusals[0].consequence


def test_command_line_exit_status_and_allow(risky_dev_plan: Json, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(risky_dev_plan), encoding="utf-8")

    def guard(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "stacks.plan.plan_guard", str(plan_file), *extra],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )

    refused = guard()
    assert refused.returncode == 3
    assert "plan guard: 3 dangerous change(s); not applying:" in refused.stderr
    assert "[contact-replace] aws_ssmcontacts_contact." in refused.stderr
    assert "--allow contact-replace --allow replication-regions" in refused.stderr
    allowed = guard("--allow", "contact-replace", "--allow", "replication-regions")
    assert allowed.returncode == 0, allowed.stderr
    assert "nothing dangerous" in allowed.stdout
    unknown = guard("--allow", "everything")
    assert unknown.returncode == 2
    assert "invalid choice: 'everything'" in unknown.stderr
