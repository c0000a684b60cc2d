"""Every environment present (stacks/environments/*.yaml) really applied, updated, imported and
destroyed against a local Incident Manager with the real Terraform and provider. The cycles of
all environments run at once (one server each, in the environment's own account); each test
below checks one step of one environment (what each Terraform step proves: deploy_cycle.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from local_aws.local_apply import TerraformCli, provider_version
from local_aws.stack_inputs import secret_address_types
from stacks.config.environment_loader import environment_files, load_environments
from stacks.stack.resource_kinds import KINDS
from tests.conftest import PROJECT_ROOT
from tests.local_aws.deploy_cycle import DeployCycle, run_cycle
from tests.local_aws.environment_changes import (
    Edits,
    changed_project,
    edited_addresses,
    unexplained,
)

ENVIRONMENTS = sorted(environment_files(PROJECT_ROOT))
# A whole-string reference to one attribute of one resource: ``${aws_x.name.arn}``.
REFERENCE = re.compile(r"\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z_]+)\}")


def stack_dir(outdir: Path, environment: str) -> Path:
    return outdir / "stacks" / f"incident-manager-{environment}"


@pytest.fixture(scope="module")
def everyday_edits(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Edits]]:
    """Every environment with the everyday changes, synthesized: (cdktf.out, edits)."""
    from stacks.stack.synthesize import synthesize

    root, edits = changed_project(PROJECT_ROOT, tmp_path_factory.mktemp("changed-project"))
    outdir = root / "cdktf.out"
    synthesize(load_environments(root), root, outdir)
    return outdir, edits


@pytest.fixture(scope="module")
def deploy_cycles(
    synthesized_environments: Path,
    everyday_edits: tuple[Path, dict[str, Edits]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, DeployCycle]]:
    """The cycle of every environment, run concurrently."""
    changed_outdir, _ = everyday_edits
    first = stack_dir(synthesized_environments, ENVIRONMENTS[0]) / "cdk.tf.json"
    version = provider_version(json.loads(first.read_text(encoding="utf-8")))
    try:
        terraform = TerraformCli.offline(version, tmp_path_factory.mktemp("deploy-cli"))
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    address_types = secret_address_types(PROJECT_ROOT)
    with ThreadPoolExecutor(max_workers=len(ENVIRONMENTS)) as pool:
        futures = {
            environment: pool.submit(
                run_cycle,
                environment,
                stack_dir(synthesized_environments, environment),
                stack_dir(changed_outdir, environment),
                terraform,
                address_types,
                tmp_path_factory.mktemp(f"deploy-{environment}"),
            )
            for environment in ENVIRONMENTS
        }
        yield {environment: future.result() for environment, future in futures.items()}


def coverage_records(stack: dict[str, Any], rotations: list[str]) -> list[str]:
    """The coverage records that an update of ``rotations`` replaces (replace_triggered_by)."""
    records = stack.get("resource", {}).get("terraform_data", {})
    return [
        f"terraform_data.{name}"
        for name, body in records.items()
        if set(body.get("lifecycle", {}).get("replace_triggered_by", [])) & set(rotations)
    ]


def completed(cycles: dict[str, DeployCycle], environment: str) -> DeployCycle:
    cycle = cycles[environment]
    assert not cycle.failure, f"{environment}: {cycle.failure}\n--- server\n{cycle.server_log}"
    return cycle


def stacks(
    synthesized: Path, everyday_edits: tuple[Path, dict[str, Edits]], environment: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The environment's stack as synthesized, and with the everyday changes."""
    changed_outdir, _ = everyday_edits
    original, changed = (
        json.loads((stack_dir(root, environment) / "cdk.tf.json").read_text(encoding="utf-8"))
        for root in (synthesized, changed_outdir)
    )
    return original, changed


def resource_changes(cycle: DeployCycle) -> dict[str, dict[str, Any]]:
    """Address -> ``change`` of the update's saved plan (``terraform show -json``), with the
    resource change's ``action_reason``."""
    return {
        c["address"]: {**c["change"], "action_reason": c.get("action_reason")}
        for c in cycle.update_plan["resource_changes"]
    }


def sensitivity_only(change: dict[str, Any]) -> bool:
    """An update that changes no value, only what is marked sensitive: Terraform marks the
    address of an imported channel sensitive when its configuration reads it from a sensitive
    variable ("The value is unchanged")."""
    return bool(
        change["actions"] == ["update"]
        and change["before"] == change["after"]
        and change["before_sensitive"] != change["after_sensitive"]
    )


def resolver(cycle: DeployCycle) -> Any:
    """``${type.name.attribute}`` -> the value the first apply left (lists item by item)."""

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(item) for item in value]
        match = REFERENCE.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            return value
        return cycle.applied.get(match.group(1), {}).get(match.group(2), value)

    return resolve


def edit_problems(
    cycle: DeployCycle, original: dict[str, Any], changed: dict[str, Any]
) -> dict[str, list[str]]:
    """Edited resource -> where its planned change is not exactly the edit ([] when it is)."""
    changes = resource_changes(cycle)
    found = {}
    for address in edited_addresses(original, changed):
        kind, name = address.split(".", 1)
        found[address] = unexplained(
            changes[address],
            original["resource"][kind][name],
            changed["resource"][kind][name],
            resolver(cycle),
        )
    return found


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_applies_from_scratch_and_plans_no_changes(
    deploy_cycles: dict[str, DeployCycle],
    synthesized_environments: Path,
    everyday_edits: tuple[Path, dict[str, Edits]],
    environment: str,
) -> None:
    cycle = completed(deploy_cycles, environment)
    # Through the providers rehearse shares (one process per configuration, reattached).
    assert cycle.shared_providers
    created = cycle.actions("apply")
    assert created
    assert set(created.values()) == {"create"}
    # The provider blocks as synthesized (assume_role, allowed_account_ids: the offline plans
    # replace both) applied without a warning.
    assert cycle.warnings["apply"] == []
    # "Plan again: no changes", read from the next plan (which plans over what the first apply
    # left, read back): every resource the edits leave alone plans no change, the coverage
    # records of an edited rotation are replaced by their trigger, and each edited resource
    # changes by exactly the edit (asserted in test_everyday_changes_apply_in_place).
    original, changed = stacks(synthesized_environments, everyday_edits, environment)
    edited = set(edited_addresses(original, changed))
    changes = resource_changes(cycle)
    untouched = {
        address: changes[address]["actions"]
        for address in created
        if address not in edited
        and changes[address]["actions"] != ["no-op"]
        and not sensitivity_only(changes[address])
        and changes[address].get("action_reason") != "replace_by_triggers"
    }
    assert untouched == {}
    assert edited <= set(created)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_everyday_changes_apply_in_place(
    deploy_cycles: dict[str, DeployCycle],
    synthesized_environments: Path,
    everyday_edits: tuple[Path, dict[str, Edits]],
    environment: str,
) -> None:
    cycle = completed(deploy_cycles, environment)
    _, all_edits = everyday_edits
    edits = all_edits[environment]
    original, stack = stacks(synthesized_environments, everyday_edits, environment)
    changes = resource_changes(cycle)
    # The same plan imports every Incident Manager resource (test_imports_back_without_changes):
    # an import without change, and a channel only marked sensitive, are not the edits.
    actions = {
        address: action
        for address, action in cycle.actions("update").items()
        if action != "import" and not sensitivity_only(changes[address])
    }
    assert set(actions.values()) <= {"create", "update", "replace"}, actions
    # The provider's update of a rotation re-sends the shift coverage it read back: the
    # rotation's coverage record is replaced and writes the configured hours again
    # (constructs_lib/rotation_coverage.py). Nothing else is replaced.
    updated_rotations = [
        a
        for a, action in actions.items()
        if action == "update" and a.startswith("aws_ssmcontacts_rotation.")
    ]
    replaced = sorted(a for a, action in actions.items() if action == "replace")
    assert replaced == sorted(coverage_records(stack, updated_rotations)), actions
    created_kinds = sorted(a.split(".")[0] for a, action in actions.items() if action == "create")
    assert created_kinds == [
        "aws_ssmcontacts_contact",
        "aws_ssmcontacts_contact_channel",
        "aws_ssmcontacts_plan",
    ], f"{edits.contact_added}: a contact, its channel and its engagement plan"
    updated_kinds = sorted(a.split(".")[0] for a, action in actions.items() if action == "update")
    expected = sorted(
        kind
        for kind, made in (
            ("aws_ssmcontacts_plan", edits.escalation_stage_added_to),
            ("aws_ssmcontacts_rotation", edits.rotation_members_changed),
            ("aws_ssmincidents_response_plan", edits.response_plan_changed),
        )
        if made
    )
    # Nothing else changes: a resource that read back differently after the first apply would
    # show up here as an update too.
    assert updated_kinds == expected
    # Each updated resource changes by exactly its edit, from what the first apply left: its
    # other attributes plan no change, and what the edit replaces read back as configured.
    problems = edit_problems(cycle, original, stack)
    assert sorted(problems) == sorted(a for a, action in actions.items() if action == "update")
    assert problems == {address: [] for address in problems}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_imports_back_without_changes(
    deploy_cycles: dict[str, DeployCycle],
    synthesized_environments: Path,
    everyday_edits: tuple[Path, dict[str, Edits]],
    environment: str,
) -> None:
    cycle = completed(deploy_cycles, environment)
    assert cycle.imported_addresses
    assert {a.split(".")[0] for a in cycle.imported_addresses} <= set(KINDS)
    changes = resource_changes(cycle)
    assert all("importing" in changes[a] for a in cycle.imported_addresses)
    original, changed = stacks(synthesized_environments, everyday_edits, environment)
    edited = set(edited_addresses(original, changed))
    # Imported with no change; a channel whose address comes from a sensitive variable shows
    # one update that changes no value (Terraform marks the imported address sensitive: "The
    # value is unchanged"); the edited resources change by their edit alone (asserted in
    # test_everyday_changes_apply_in_place). Nothing else may.
    changed_imports = {
        a: changes[a]["actions"]
        for a in cycle.imported_addresses
        if a not in edited and changes[a]["actions"] != ["no-op"]
    }
    assert all(sensitivity_only(changes[a]) for a in changed_imports), changed_imports
    assert {a.split(".")[0] for a in changed_imports} <= {"aws_ssmcontacts_contact_channel"}
    # Once applied, the imports (and the edits) read back as configured.
    assert cycle.changes["plan"] == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_destroys_everything(deploy_cycles: dict[str, DeployCycle], environment: str) -> None:
    cycle = completed(deploy_cycles, environment)
    destroyed = cycle.actions("destroy")
    updated = cycle.actions("update")
    every = set(cycle.actions("apply")) | {a for a, act in updated.items() if act == "create"}
    assert destroyed == dict.fromkeys(every, "delete")


def test_the_ci_apply_role_allows_every_call_the_cycles_made(
    deploy_cycles: dict[str, DeployCycle],
) -> None:
    """docs/ci.md's apply role (docs/ci/apply-role-policy.json) names every operation the
    provider and the provisioners called while every environment was applied, updated,
    imported, planned and destroyed, and its plan role every read."""
    from tests.test_ci_policies import READ_VERBS, actions, policy

    apply = actions(policy("apply-role-policy.json"))
    plan = actions(policy("plan-role-policy.json"))
    # IAM's prefix for the service botocore and the server call "monitoring".
    prefixes = {"monitoring": "cloudwatch"}
    seen = {
        f"{prefixes.get(r['service'], r['service'])}:{r['operation']}"
        for cycle in deploy_cycles.values()
        for r in cycle.requests
    }
    assert {"ssm-contacts:CreateRotation", "ssm-incidents:CreateReplicationSet"} <= seen
    # sts:AssumeRole: only for an environment file's assume_role, which docs/ci.md advises
    # leaving out in CI (and says what the roles need with it).
    missing = sorted(seen - apply - {"sts:AssumeRole"})
    assert missing == [], f"docs/ci/apply-role-policy.json lacks {missing}"
    reads = {action for action in seen if action.split(":", 1)[1].startswith(READ_VERBS)}
    assert sorted(reads - plan) == [], "docs/ci/plan-role-policy.json lacks reads"


def test_an_edit_is_told_apart_from_what_read_back_differently() -> None:
    """``unexplained``, on the shapes the everyday changes take: a list with an item appended
    (known, or a set made unknown by the new item) and a block with one value changed."""
    original = {
        "stage": [{"duration_in_minutes": 5}],
        "engagements": ["${aws_x.a.arn}"],
        "incident_template": [{"impact": 3, "title": "t"}],
        "name": "n",
    }
    changed = {
        "stage": [{"duration_in_minutes": 5}, {"duration_in_minutes": 5}],
        "engagements": ["${aws_x.a.arn}", "${aws_x.new.arn}"],
        "incident_template": [{"impact": 2, "title": "t"}],
        "name": "n",
    }
    arns = {"${aws_x.a.arn}": "arn:a"}

    def resolve(value: Any) -> Any:
        return [resolve(v) for v in value] if isinstance(value, list) else arns.get(value, value)

    def change(**before: Any) -> dict[str, Any]:
        read_back = {
            "stage": [{"duration_in_minutes": 5, "target": []}],
            "engagements": ["arn:a"],
            "incident_template": [{"impact": 3, "title": "t", "summary": ""}],
            "name": "n",
            "arn": "arn:plan",
            **before,
        }
        planned = {
            "stage": [{"duration_in_minutes": 5, "target": []}, {"duration_in_minutes": 5}],
            "engagements": None,
            "incident_template": [{"impact": 2, "title": "t", "summary": ""}],
            "name": "n",
            "arn": "arn:plan",
        }
        return {"before": read_back, "after": planned, "after_unknown": {"engagements": True}}

    assert unexplained(change(), original, changed, resolve) == []
    # What the first apply left read back differently: each is told.
    assert unexplained(change(name="other"), original, changed, resolve) == ["name: 'other' -> 'n'"]
    assert unexplained(change(arn="arn:drifted"), original, changed, resolve) == [
        "arn: 'arn:drifted' -> 'arn:plan'"
    ]
    assert unexplained(
        change(stage=[{"duration_in_minutes": 10, "target": []}]), original, changed, resolve
    ) == [
        "stage: [{'duration_in_minutes': 10, 'target': []}] -> [{'duration_in_minutes': 5, "
        "'target': []}, {'duration_in_minutes': 5}] is not 1 appended"
    ]
    assert unexplained(change(engagements=[]), original, changed, resolve) == [
        "engagements: reads back [], configured ['arn:a']"
    ]
    assert unexplained(
        change(incident_template=[{"impact": 3, "title": "t", "summary": "x"}]),
        original,
        changed,
        resolve,
    ) == ["incident_template.summary: 'x' -> ''"]
    assert unexplained(
        change(incident_template=[{"impact": 4, "title": "t", "summary": ""}]),
        original,
        changed,
        resolve,
    ) == ["incident_template.impact: 4 -> 2, configured 3 -> 2"]
    # A value the edit changes must change from what was configured to what is.
    assert unexplained(change(), {**original, "name": "a"}, {**changed, "name": "n"}, resolve) == [
        "name: 'n' -> 'n', configured 'a' -> 'n'"
    ]
    # An edit of a shape it does not know is not passed over.
    assert unexplained(
        change(), {**original, "stage": [1]}, {**changed, "stage": [2]}, resolve
    ) == ["stage: an edit this check does not know ([1] -> [2])"]
