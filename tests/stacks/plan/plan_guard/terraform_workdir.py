"""Terraform working directories for plan-guard tests: offline, with a prior state made from
Terraform's own plan of the "before" environment.

No test calls AWS: the provider gets fake credentials and skip flags through an override file in
this temporary directory (never in cdktf.out, the same override as tests/terraform), and plans
run with ``-refresh=false``. The prior
state is what applying the "before" plan would have recorded: its planned values, with each value
known only after apply filled in (references resolved from the resources they point at, ARNs and
ids made up in AWS's formats).

``ScenarioRoot`` plans several stacks in one Terraform run: each stack is a module of one root
configuration (its provider block moved to the root, which every module inherits), and each
module's part of ``terraform show -json`` is cut out as a plan of its own, with the addresses a
plan of that stack alone has. Terraform plans every module instance with the same provider and
the same rules as a root module; one run starts the provider three times however many stacks it
holds (a plan of each would start it three times each).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.terraform.stack_copy import (
    offline_override,
    placeholder_values,
    write_override,
)
from tests.terraform.terraform_cli import PROVIDER_SOURCE, Terraform, find_terraform

Json = dict[str, Any]

ACCOUNT = "111122223333"
REGION = "us-east-1"
_SCHEMA_VERSIONS: dict[str, int] = {}
REFERENCE = re.compile(r"\$\{((?:var|[a-z0-9_]+)\.[A-Za-z0-9_-]+)(?:\.([a-z0-9_]+))?\}")
STATE_FILE = "terraform.tfstate"


def _address_types(stack: Json) -> dict[str, str]:
    """The stack describes each secret address variable as "<TYPE> address of ..."."""
    return {
        name: str(variable.get("description", "")).split(" ", 1)[0]
        for name, variable in stack.get("variable", {}).items()
    }


def schema_versions(run: Any) -> dict[str, int]:
    """Resource type -> schema version of the provider (``terraform providers schema``), once."""
    if not _SCHEMA_VERSIONS:
        shown = json.loads(run("providers", "schema", "-json").stdout)
        schemas = shown["provider_schemas"][PROVIDER_SOURCE]["resource_schemas"]
        _SCHEMA_VERSIONS.update({name: schema["version"] for name, schema in schemas.items()})
    return _SCHEMA_VERSIONS


class ScenarioRoot:
    """Stacks of one environment (the same provider block) planned together, each as a module
    of one root configuration in ``directory``, offline, with ``-refresh=false``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.terraform: Terraform | None = None
        # Module name -> the variable values passed to it (the stack's placeholders).
        self.arguments: dict[str, dict[str, Any]] = {}

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        assert self.terraform is not None, "plan() first"
        return self.terraform.run(self.directory, *args, timeout=600)

    def plan(
        self, stacks: Mapping[str, Json], befores: Mapping[str, Json] | None = None
    ) -> dict[str, Json]:
        """Plan every stack (module name -> synthesized stack), each over the state its
        creation plan in ``befores`` (module name -> a plan of this method) would have left
        (none: over nothing); each module's part of ``terraform show -json``, as a plan of its
        own."""
        first = next(iter(stacks.values()))
        providers = first["provider"]["aws"]
        assert len(providers) == 1 and "alias" not in providers[0], "one provider block"
        if self.terraform is None:
            version = first["terraform"]["required_providers"]["aws"]["version"]
            self.terraform = find_terraform(version, self.directory.parent)
        for name in list(self.arguments):
            if name not in stacks:
                del self.arguments[name]
        calls = {}
        for name, stack in stacks.items():
            assert stack["provider"] == first["provider"], f"{name}: another provider block"
            module = {k: v for k, v in stack.items() if k not in ("provider", "//")}
            module["terraform"] = {"required_providers": stack["terraform"]["required_providers"]}
            folder = self.directory / name
            folder.mkdir(exist_ok=True)
            (folder / "cdk.tf.json").write_text(json.dumps(module, indent=2), encoding="utf-8")
            self.arguments[name] = placeholder_values(stack, _address_types(stack))
            calls[name] = {"source": f"./{name}", **self.arguments[name]}
        root = {
            "terraform": {"required_providers": first["terraform"]["required_providers"]},
            "provider": first["provider"],
            "module": calls,
        }
        (self.directory / "main.tf.json").write_text(json.dumps(root, indent=2), encoding="utf-8")
        write_override(
            self.directory, "offline", offline_override(first, self.directory / STATE_FILE)
        )
        # `init` registers the module folders (no provider start); it empties the local state,
        # so the prior state is written after it.
        self.run("init", "-input=false", "-reconfigure")
        (self.directory / STATE_FILE).unlink(missing_ok=True)
        if befores:
            self._record_prior_state(befores)
        self.run("plan", "-input=false", "-refresh=false", "-lock=false", "-out=tfplan")
        shown: Json = json.loads(self.run("show", "-json", "tfplan").stdout)
        return {name: self._module_plan(shown, name) for name in stacks}

    def _module_plan(self, shown: Json, name: str) -> Json:
        prefix = f"module.{name}."
        changes = []
        for change in shown.get("resource_changes", []):
            if change.get("module_address") != f"module.{name}":
                continue
            own = {k: v for k, v in change.items() if k != "module_address"}
            own["address"] = change["address"].removeprefix(prefix)
            changes.append(own)
        module = shown["configuration"]["root_module"]["module_calls"][name]["module"]
        return {
            "format_version": shown["format_version"],
            "terraform_version": shown["terraform_version"],
            "variables": {k: {"value": v} for k, v in self.arguments[name].items()},
            "resource_changes": changes,
            "configuration": {"root_module": copy.deepcopy(module)},
        }

    def _record_prior_state(self, plans: Mapping[str, Json]) -> None:
        """Write the state that applying each plan (all creates: module name -> a plan from
        ``plan``) would have left, each in its module."""
        versions = schema_versions(self.run)
        states = [prior_state(plan, versions, module=name) for name, plan in plans.items()]
        state = {**states[0], "resources": [r for one in states for r in one["resources"]]}
        (self.directory / STATE_FILE).write_text(json.dumps(state, indent=2), encoding="utf-8")


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


def prior_state(plan: Json, schema_versions: dict[str, int], module: str = "") -> Json:
    """A v4 state file holding every resource ``plan`` creates, with known values only (in
    ``module.<module>`` when given, with the root's provider, which the module inherits)."""
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
        alias = key.split(".", 1)[1] if "." in key and not module else None
        provider = f'provider["{PROVIDER_SOURCE}"]' + (f".{alias}" if alias else "")
        resources.append(
            {
                **({"module": f"module.{module}"} if module else {}),
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
