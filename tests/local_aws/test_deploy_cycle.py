"""Every environment present (stacks/environments/*.yaml) really applied, updated, imported and
destroyed against a local Incident Manager with the real Terraform and provider. The cycles of
all environments run at once (one server each, in the environment's own account); each test
below checks one step of one environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from local_aws.local_apply import KINDS, TerraformCli, provider_version
from local_aws.stack_inputs import secret_address_types
from stacks.environment_loader import environment_files, load_environments
from tests.conftest import PROJECT_ROOT
from tests.local_aws.deploy_cycle import DeployCycle, run_cycle
from tests.local_aws.environment_changes import Edits, changed_project

ENVIRONMENTS = sorted(environment_files(PROJECT_ROOT))


def stack_dir(outdir: Path, environment: str) -> Path:
    return outdir / "stacks" / f"incident-manager-{environment}"


@pytest.fixture(scope="session")
def everyday_edits(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Edits]]:
    """Every environment with the everyday changes, synthesized: (cdktf.out, edits)."""
    from stacks.synthesize import synthesize

    root, edits = changed_project(PROJECT_ROOT, tmp_path_factory.mktemp("changed-project"))
    outdir = root / "cdktf.out"
    synthesize(load_environments(root), root, outdir)
    return outdir, edits


@pytest.fixture(scope="session")
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


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_applies_from_scratch_and_plans_no_changes(
    deploy_cycles: dict[str, DeployCycle], environment: str
) -> None:
    cycle = completed(deploy_cycles, environment)
    created = cycle.actions("apply")
    assert created
    assert set(created.values()) == {"create"}
    assert cycle.changes["plan"] == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_everyday_changes_apply_in_place(
    deploy_cycles: dict[str, DeployCycle],
    everyday_edits: tuple[Path, dict[str, Edits]],
    environment: str,
) -> None:
    cycle = completed(deploy_cycles, environment)
    changed_outdir, all_edits = everyday_edits
    edits = all_edits[environment]
    actions = cycle.actions("update")
    assert set(actions.values()) <= {"create", "update", "replace"}, actions
    # The provider's update of a rotation re-sends the shift coverage it read back: the
    # rotation's coverage record is replaced and writes the configured hours again
    # (constructs_lib/rotation_coverage.py). Nothing else is replaced.
    updated_rotations = [
        a
        for a, action in actions.items()
        if action == "update" and a.startswith("aws_ssmcontacts_rotation.")
    ]
    stack = json.loads(
        (stack_dir(changed_outdir, environment) / "cdk.tf.json").read_text(encoding="utf-8")
    )
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


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_imports_back_without_changes(
    deploy_cycles: dict[str, DeployCycle], environment: str
) -> None:
    cycle = completed(deploy_cycles, environment)
    assert cycle.imported_addresses
    assert {a.split(".")[0] for a in cycle.imported_addresses} <= set(KINDS)
    actions = cycle.actions("import")
    assert set(actions) == set(cycle.imported_addresses)
    # A channel whose address comes from a sensitive variable shows one update when imported:
    # Terraform marks the imported value sensitive ("The value is unchanged"). Nothing else may.
    changed = {a for a, action in actions.items() if action != "import"}
    assert {actions[a] for a in changed} <= {"update"}
    assert {a.split(".")[0] for a in changed} <= {"aws_ssmcontacts_contact_channel"}
    assert cycle.changes["plan after import"] == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_destroys_everything(deploy_cycles: dict[str, DeployCycle], environment: str) -> None:
    cycle = completed(deploy_cycles, environment)
    destroyed = cycle.actions("destroy")
    updated = cycle.actions("update")
    every = set(cycle.actions("apply")) | {a for a, act in updated.items() if act == "create"}
    assert destroyed == dict.fromkeys(every, "delete")
