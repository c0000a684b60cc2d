"""A Terraform working directory for plan-guard tests: offline, with a prior state made from
Terraform's own plan of the "before" environment.

No test calls AWS: the provider gets fake credentials and skip flags through an override file in
this temporary directory (never in cdktf.out, the same override as tests/terraform), and plans
run with ``-refresh=false``. The prior
state is what applying the "before" plan would have recorded: its planned values, with each value
known only after apply filled in (references resolved from the resources they point at, ARNs and
ids made up in AWS's formats).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.terraform.stack_copy import offline_override, write_override, write_placeholders
from tests.terraform.terraform_cli import PROVIDER_SOURCE, Terraform, find_terraform

Json = dict[str, Any]

ACCOUNT = "111122223333"
REGION = "us-east-1"
_SCHEMA_VERSIONS: dict[str, int] = {}
REFERENCE = re.compile(r"\$\{((?:var|[a-z0-9_]+)\.[A-Za-z0-9_-]+)(?:\.([a-z0-9_]+))?\}")


class TerraformWorkdir:
    """One stack's copy in a temporary directory, with its own state, run offline the way
    tests/terraform runs every stack (same CLI config, override and placeholders)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.terraform: Terraform | None = None
        self.var_args: list[str] = []
        # The plan that made the prior state (every resource created), once recorded.
        self.creation_plan: Json | None = None

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        assert self.terraform is not None, "use_stack() first"
        return self.terraform.run(self.directory, *args, check=check, timeout=600)

    def use_stack(self, stack: Json) -> None:
        """Put a synthesized stack here, made runnable offline by an override file."""
        if self.terraform is None:
            version = stack["terraform"]["required_providers"]["aws"]["version"]
            self.terraform = find_terraform(version, self.directory.parent)
        (self.directory / "cdk.tf.json").write_text(json.dumps(stack, indent=2), encoding="utf-8")
        state = self.directory / "terraform.tfstate"
        write_override(self.directory, "offline", offline_override(stack, state))
        # The stack describes each secret address variable as "<TYPE> address of ...".
        address_types = {
            name: str(variable.get("description", "")).split(" ", 1)[0]
            for name, variable in stack.get("variable", {}).items()
        }
        self.var_args = write_placeholders(self.directory, stack, address_types)

    def init(self) -> None:
        self.run("init", "-input=false", "-reconfigure")

    def plan(self) -> Json:
        """``terraform plan -refresh=false`` of the current stack, as ``terraform show -json``."""
        self.run(
            "plan", "-input=false", "-refresh=false", "-lock=false", "-out=tfplan", *self.var_args
        )
        shown = self.run("show", "-json", "tfplan")
        plan: Json = json.loads(shown.stdout)
        return plan

    def schema_versions(self) -> dict[str, int]:
        if not _SCHEMA_VERSIONS:
            shown = json.loads(self.run("providers", "schema", "-json").stdout)
            schemas = shown["provider_schemas"][PROVIDER_SOURCE]["resource_schemas"]
            _SCHEMA_VERSIONS.update({name: schema["version"] for name, schema in schemas.items()})
        return _SCHEMA_VERSIONS

    def record_prior_state(self, plan: Json) -> None:
        """Write the state that applying ``plan`` (all creates) would have left."""
        self.creation_plan = plan
        state = prior_state(plan, self.schema_versions())
        (self.directory / "terraform.tfstate").write_text(
            json.dumps(state, indent=2), encoding="utf-8"
        )


class _UnresolvedError(Exception):
    pass


def _made_up(resource_type: str, name: str, after: Json) -> str:
    if resource_type == "aws_ssmcontacts_contact":
        return f"arn:aws:ssm-contacts:{REGION}:{ACCOUNT}:contact/{after['alias']}"
    if resource_type == "aws_ssmincidents_replication_set":
        return f"arn:aws:ssm-incidents::{ACCOUNT}:replication-set/{name}"
    service = resource_type.split("_")[1]
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource_type}/{name}"


def _substitute(template: str, values: dict[str, Json], variables: dict[str, Any]) -> Any:
    def value_of(match: re.Match[str]) -> Any:
        target, attribute = match.group(1), match.group(2)
        if target.startswith("var."):
            return variables[target[4:]]
        if target not in values:
            raise _UnresolvedError(target)
        return values[target][attribute or "id"]

    whole = REFERENCE.fullmatch(template)
    if whole:
        return value_of(whole)
    return REFERENCE.sub(lambda m: str(value_of(m)), template)


def _fill(
    after: Any, unknown: Any, expression: Any, own: dict[str, Any], ctx: tuple[Any, Any]
) -> Any:
    values, variables = ctx
    if unknown is True:
        if isinstance(expression, dict) and isinstance(expression.get("constant_value"), str):
            return _substitute(expression["constant_value"], values, variables)
        return own.get("leaf")
    if isinstance(after, dict):
        filled = {}
        for key in set(after) | set(unknown or {}):
            inner_expression = expression.get(key) if isinstance(expression, dict) else None
            inner_own = {"leaf": own.get(key)} if key in own else {}
            filled[key] = _fill(
                after.get(key), (unknown or {}).get(key), inner_expression, inner_own, ctx
            )
        return filled
    if isinstance(after, list):
        unknowns = unknown if isinstance(unknown, list) else []
        expressions = expression if isinstance(expression, list) else []
        return [
            _fill(
                item,
                unknowns[i] if i < len(unknowns) else None,
                expressions[i] if i < len(expressions) else None,
                {},
                ctx,
            )
            for i, item in enumerate(after)
        ]
    return after


def prior_state(plan: Json, schema_versions: dict[str, int]) -> Json:
    """A v4 state file holding every resource ``plan`` creates, with known values only."""
    changes = [c for c in plan["resource_changes"] if c["mode"] == "managed"]
    config = {r["address"]: r for r in plan["configuration"]["root_module"]["resources"]}
    variables = {name: v["value"] for name, v in plan.get("variables", {}).items()}
    values: dict[str, Json] = {}
    pending = list(changes)
    while pending:
        progressed = False
        for change in list(pending):
            arn = _made_up(change["type"], change["name"], change["change"]["after"])
            own = {
                "arn": arn,
                "id": arn if change["type"].startswith("aws_ssm") else change["name"],
            }
            try:
                values[change["address"]] = _fill(
                    change["change"]["after"],
                    change["change"]["after_unknown"],
                    config[change["address"]].get("expressions", {}),
                    own,
                    (values, variables),
                )
            except _UnresolvedError:
                continue
            pending.remove(change)
            progressed = True
        assert progressed, f"cannot resolve references of {[c['address'] for c in pending]}"
    resources = []
    for change in changes:
        key = config[change["address"]]["provider_config_key"]
        alias = key.split(".", 1)[1] if "." in key else None
        provider = f'provider["{PROVIDER_SOURCE}"]' + (f".{alias}" if alias else "")
        resources.append(
            {
                "mode": "managed",
                "type": change["type"],
                "name": change["name"],
                "provider": provider,
                "instances": [
                    {
                        "schema_version": schema_versions[change["type"]],
                        "attributes": values[change["address"]],
                        "sensitive_attributes": [],
                    }
                ],
            }
        )
    return {
        "version": 4,
        "terraform_version": plan["terraform_version"],
        "serial": 1,
        "lineage": "00000000-0000-4000-8000-000000000000",
        "outputs": {},
        "resources": resources,
    }
