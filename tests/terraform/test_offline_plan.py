"""`terraform init` and `plan` of every synthesized environment with the real hashicorp/aws
provider, offline: fake credentials, skip flags and a local backend go into an override file in a
temporary copy of the stack; secret variables get fictional placeholders. The plan validates the
configuration as `terraform validate` does (a separate validate would only start the provider
again): it runs, and warns about nothing in the stack's own files. The same for every
environment as exported in HCL (`make synth-hcl`), which must plan exactly what the JSON plans.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.terraform.conftest import ENVIRONMENTS, stack_dir
from tests.terraform.offline_runs import OfflineRuns
from tests.terraform.stack_copy import (
    PLACEHOLDER_ADDRESSES,
    created_addresses,
    instance_addresses,
    offline_override,
    placeholder_values,
    read_stack,
)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_init_validate_and_plan_offline(
    environment: str, synthesized_environments: Path, offline_runs: OfflineRuns
) -> None:
    # The plan ran (an invalid configuration fails the run with Terraform's output) and warned
    # about nothing but the offline override's own settings.
    run = offline_runs.result("json", environment)
    assert run.validated["diagnostics"] == [], run.validated

    created = created_addresses(run.plan)
    declared = instance_addresses(read_stack(run.source))
    assert declared, f"{environment} declares no resources"
    # Everything the stack declares is created, and nothing else is planned.
    assert created == declared
    assert len(run.plan["resource_changes"]) == len(created)
    # The run used a copy: the product's output was only read.
    assert run.source == stack_dir(synthesized_environments, environment)
    assert run.workdir != run.source
    assert "ci_offline_override.tf.json" not in {p.name for p in run.source.iterdir()}
    assert (run.workdir / "ci_offline_override.tf.json").is_file()


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_hcl_validates_and_plans_exactly_like_the_json(
    environment: str, hcl_examples: Path, offline_runs: OfflineRuns
) -> None:
    # Both kinds at once, two runs at a time (each test waits for its environment's pair only).
    offline_runs.start_kinds("json", "hcl")
    hcl = offline_runs.result("hcl", environment)
    assert hcl.source == stack_dir(hcl_examples, environment)
    # Validated as exported by its plan (which validates first): no "Quoted references are
    # deprecated" nor any other warning about the exported files (the offline override's own
    # warning is about that file, not the export).
    assert hcl.validated["diagnostics"] == [], hcl.validated
    # Planned offline like the JSON: the same resources with the same values, so moving a
    # deployed environment from the JSON to the HCL changes nothing.
    synthesized = offline_runs.result("json", environment)
    assert hcl.plan["resource_changes"] == synthesized.plan["resource_changes"]
    assert hcl.plan["planned_values"] == synthesized.plan["planned_values"]
    assert hcl.plan["variables"] == synthesized.plan["variables"]


def test_every_variable_without_a_default_gets_a_placeholder_of_its_type() -> None:
    stack = {
        "variable": {
            "with_default": {"type": "string", "default": "kept"},
            "ops__email": {"type": "string", "sensitive": True},
            "ops__phone": {"type": "string", "sensitive": True},
            "token": {"type": "string", "sensitive": True},
            "count": {"type": "number"},
            "enabled": {"type": "bool"},
            "regions": {"type": "list(string)"},
            "tags": {"type": "map(string)"},
            "untyped": {},
        }
    }
    values = placeholder_values(stack, {"ops__email": "EMAIL", "ops__phone": "VOICE"})
    assert values == {
        "ops__email": PLACEHOLDER_ADDRESSES["EMAIL"],
        "ops__phone": PLACEHOLDER_ADDRESSES["VOICE"],
        "token": "placeholder-token",
        "count": 0,
        "enabled": False,
        "regions": [],
        "tags": {},
        "untyped": "placeholder-untyped",
    }


def test_every_required_variable_of_every_environment_gets_a_placeholder(
    synthesized_environments: Path, address_types: dict[str, str]
) -> None:
    for environment in ENVIRONMENTS:
        stack = read_stack(stack_dir(synthesized_environments, environment))
        required = {n for n, v in stack.get("variable", {}).items() if "default" not in v}
        assert set(placeholder_values(stack, address_types)) == required
        # The fictional addresses are what the stacks' validations expect, not a generic string.
        assert required <= set(address_types), environment


def test_offline_override_replaces_assume_role_and_account_check_only_where_set(
    synthesized_examples: Path, tmp_path: Path
) -> None:
    prod = read_stack(stack_dir(synthesized_examples, "prod"))
    override = offline_override(prod, tmp_path / "state")
    assert [p.get("alias") for p in override["provider"]["aws"]] == [
        p.get("alias") for p in prod["provider"]["aws"]
    ]
    assert all(p["assume_role"] == [{"role_arn": ""}] for p in override["provider"]["aws"])
    dev = read_stack(stack_dir(synthesized_examples, "dev"))
    (dev_provider,) = offline_override(dev, tmp_path / "state")["provider"]["aws"]
    assert "assume_role" not in dev_provider
    assert dev_provider["allowed_account_ids"] is None
    assert override["terraform"]["backend"] == {"local": {"path": str(tmp_path / "state")}}
