"""A Terraform working directory for plan-guard tests: offline, with a prior state made from
Terraform's own plan of the "before" environment.

No test calls AWS: the provider gets fake credentials and skip flags through an override file in
this temporary directory (never in cdktf.out), and plans run with ``-refresh=false``. The prior
state is what applying the "before" plan would have recorded: its planned values, with each value
known only after apply filled in (references resolved from the resources they point at, ARNs and
ids made up in AWS's formats).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

Json = dict[str, Any]

ACCOUNT = "111122223333"
REGION = "us-east-1"
PROVIDER = "registry.terraform.io/hashicorp/aws"
_SCHEMA_VERSIONS: dict[str, int] = {}
REFERENCE = re.compile(r"\$\{((?:var|[a-z0-9_]+)\.[A-Za-z0-9_-]+)(?:\.([a-z0-9_]+))?\}")


def find_terraform() -> tuple[str, Path]:
    """The terraform binary and the provider mirror; a clear failure when either is missing."""
    terraform = shutil.which("terraform")
    assert terraform, "terraform is not on PATH: install Terraform 1.11 (see README, Tests)"
    candidates = [os.environ.get("IM_TF_PLUGIN_MIRROR", ""), "/opt/tf-plugins"]
    for candidate in candidates:
        if candidate and (Path(candidate) / PROVIDER / "5.100.0").is_dir():
            return terraform, Path(candidate)
    raise AssertionError(
        f"no filesystem mirror holding {PROVIDER} 5.100.0 (looked in /opt/tf-plugins); set "
        "IM_TF_PLUGIN_MIRROR to the folder that contains registry.terraform.io/"
    )


class TerraformWorkdir:
    """One stack's copy in a temporary directory, with its own CLI config and state."""

    def __init__(self, directory: Path, variables: dict[str, str]) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        terraform, mirror = find_terraform()
        self.terraform = terraform
        cli_config = directory.parent / f"{directory.name}.tfrc"
        cli_config.write_text(
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path = "{mirror}"\n    include = ["{PROVIDER}"]\n  }}\n'
            f'  direct {{\n    exclude = ["{PROVIDER}"]\n  }}\n}}\n',
            encoding="utf-8",
        )
        self.env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            **{f"TF_VAR_{name}": value for name, value in variables.items()},
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [self.terraform, *args, "-no-color"],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"terraform {args[0]} failed:\n{result.stderr}"
        return result

    def use_stack(self, stack: Json) -> None:
        """Put a synthesized stack here, made runnable offline by an override file."""
        (self.directory / "cdk.tf.json").write_text(json.dumps(stack, indent=2), encoding="utf-8")
        providers = stack.get("provider", {}).get("aws", [])
        offline = {
            "access_key": "test",
            "secret_key": "test",
            "skip_credentials_validation": True,
            "skip_requesting_account_id": True,
            "skip_metadata_api_check": "true",
            "skip_region_validation": True,
            # Without an account id lookup these would refuse every run.
            "allowed_account_ids": None,
            "assume_role": [],
        }
        override = {
            "terraform": {"backend": {"local": {"path": "terraform.tfstate"}}},
            "provider": {
                "aws": [
                    {**({"alias": p["alias"]} if "alias" in p else {}), **offline}
                    for p in providers
                ]
            },
        }
        (self.directory / "offline_override.tf.json").write_text(
            json.dumps(override, indent=2), encoding="utf-8"
        )
        # Placeholders for secret addresses not given explicitly, shaped to pass validation.
        placeholders = {
            name: "placeholder@example.com"
            if variable.get("description", "").startswith("EMAIL")
            else "+12065550199"
            for name, variable in stack.get("variable", {}).items()
            if "default" not in variable and f"TF_VAR_{name}" not in self.env
        }
        (self.directory / "placeholders.auto.tfvars.json").write_text(
            json.dumps(placeholders, indent=2), encoding="utf-8"
        )

    def init(self) -> None:
        self.run("init", "-input=false", "-reconfigure")

    def plan(self) -> Json:
        """``terraform plan -refresh=false`` of the current stack, as ``terraform show -json``."""
        self.run("plan", "-input=false", "-refresh=false", "-lock=false", "-out=tfplan")
        shown = self.run("show", "-json", "tfplan")
        plan: Json = json.loads(shown.stdout)
        return plan

    def plan_error(self) -> str:
        result = self.run("plan", "-input=false", "-refresh=false", "-lock=false", check=False)
        assert result.returncode != 0, "expected terraform plan to fail"
        return result.stderr

    def schema_versions(self) -> dict[str, int]:
        if not _SCHEMA_VERSIONS:
            shown = json.loads(self.run("providers", "schema", "-json").stdout)
            schemas = shown["provider_schemas"][PROVIDER]["resource_schemas"]
            _SCHEMA_VERSIONS.update({name: schema["version"] for name, schema in schemas.items()})
        return _SCHEMA_VERSIONS

    def record_prior_state(self, plan: Json) -> None:
        """Write the state that applying ``plan`` (all creates) would have left."""
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
        provider = f'provider["{PROVIDER}"]' + (f".{alias}" if alias else "")
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
