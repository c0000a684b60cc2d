"""A synthesized stack copied into a temporary directory and made runnable there.

Everything a test changes goes into the copy as Terraform override files
(``*_override.tf.json``, merged over ``cdk.tf.json`` by Terraform itself) and variable files;
the product's own output is never touched.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from local_aws.local_apply import stack_providers
from local_aws.stack_inputs import (
    FAKE_CREDENTIALS,
    PLACEHOLDER_ADDRESSES,
    placeholder_values,
    secret_address_types,
)
from tests.terraform.terraform_cli import Terraform

# Re-exported: the tests import them from here.
__all__ = [
    "FAKE_CREDENTIALS",
    "PLACEHOLDER_ADDRESSES",
    "placeholder_values",
    "secret_address_types",
]

Json = dict[str, Any]

# No credential check, no account id lookup, no instance metadata, no region list: nothing the
# provider does before planning new resources needs the network.
OFFLINE_FLAGS: Json = {
    "skip_credentials_validation": True,
    "skip_requesting_account_id": True,
    "skip_metadata_api_check": True,
    "skip_region_validation": True,
}
PLACEHOLDERS_FILE = "ci-placeholders.tfvars.json"
_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")
_REFERENCE = re.compile(r"\b([a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)")


def read_stack(stack_dir: Path) -> Json:
    stack: Json = json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
    return stack


def copy_stack(stack_dir: Path, destination: Path) -> Path:
    """``stack_dir`` copied to ``destination`` (which must not exist yet)."""
    shutil.copytree(
        stack_dir,
        destination,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.*", "*.auto.tfvars"),
    )
    return destination


def write_override(workdir: Path, name: str, override: Json) -> Path:
    """``<name>_override.tf.json`` in ``workdir``."""
    path = workdir / f"{name}_override.tf.json"
    path.write_text(json.dumps(override, indent=2) + "\n", encoding="utf-8")
    return path


def offline_override(stack: Json, state_path: Path) -> Json:
    """Fake credentials and skip flags for every AWS provider block, and a local backend in the
    test's directory instead of the stack's own.

    Two settings cannot work offline and are overridden where a provider has them:
    ``assume_role`` calls STS before anything else, so it is replaced by a block with an empty
    role ARN (which the provider treats as "no role"; Terraform warns that ``role_arn`` is
    required); and ``allowed_account_ids`` is *not* skipped by ``skip_requesting_account_id``:
    the provider then compares an empty account id with the list and refuses every run
    ("AWS account ID not allowed: "), so it is set to null. Both are exercised for real against
    the local AWS stand-in in test_backend_remote_state.py.
    """
    providers = []
    for provider in stack_providers(stack):
        override: Json = {**FAKE_CREDENTIALS, **OFFLINE_FLAGS}
        if "alias" in provider:
            override["alias"] = provider["alias"]
        if "assume_role" in provider:
            override["assume_role"] = [{"role_arn": ""}]
        if "allowed_account_ids" in provider:
            override["allowed_account_ids"] = None
        providers.append(override)
    return {
        "terraform": {"backend": {"local": {"path": str(state_path)}}},
        "provider": {"aws": providers},
    }


def write_placeholders(workdir: Path, stack: Json, address_types: Mapping[str, str]) -> list[str]:
    """The ``-var-file`` argument for the copy's placeholder values ([] when none are needed)."""
    values = placeholder_values(stack, address_types)
    if not values:
        return []
    (workdir / PLACEHOLDERS_FILE).write_text(json.dumps(values, indent=2), encoding="utf-8")
    return [f"-var-file={PLACEHOLDERS_FILE}"]


def resource_addresses(stack: Json) -> list[str]:
    resources: dict[str, Json] = stack.get("resource", {})
    return sorted(f"{kind}.{name}" for kind, by_name in resources.items() for name in by_name)


def instance_addresses(stack: Json) -> list[str]:
    """What a plan calls the stack's resources: one address per instance of a resource with a
    literal ``for_each`` map (``type.name["key"]``), the plain address otherwise."""
    found: list[str] = []
    for kind, by_name in stack.get("resource", {}).items():
        for name, body in by_name.items():
            keys = body.get("for_each")
            if isinstance(keys, dict):
                found.extend(f'{kind}.{name}["{key}"]' for key in keys)
            else:
                found.append(f"{kind}.{name}")
    return sorted(found)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def direct_dependencies(stack: Json, address: str) -> set[str]:
    """Resources ``address`` refers to (``${type.name...}``) or lists in ``depends_on``."""
    kind, name = address.split(".", 1)
    body = stack["resource"][kind][name]
    known = set(resource_addresses(stack))
    found = set(body.get("depends_on", []))
    for text in _strings({k: v for k, v in body.items() if k != "depends_on"}):
        for expression in _INTERPOLATION.findall(text):
            found.update(_REFERENCE.findall(expression))
    return found & known


def dependency_closure(stack: Json, address: str) -> set[str]:
    """Every resource that ``terraform apply -target=<address>`` also applies."""
    seen: set[str] = set()
    pending = [address]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        pending.extend(direct_dependencies(stack, current))
    return seen


def created_addresses(plan: Json) -> list[str]:
    """Addresses that ``terraform show -json <plan>`` says will be created."""
    return sorted(
        change["address"]
        for change in plan.get("resource_changes", [])
        if change["change"]["actions"] == ["create"]
    )


def plan_offline(
    terraform: Terraform, workdir: Path, stack: Json, address_types: Mapping[str, str]
) -> Json:
    """``terraform init`` + ``plan -out`` in ``workdir`` (a copy of ``stack``) made offline, and
    the saved plan as ``terraform show -json`` prints it."""
    plan, _ = plan_offline_diagnosed(terraform, workdir, stack, address_types)
    return plan


def plan_offline_diagnosed(
    terraform: Terraform, workdir: Path, stack: Json, address_types: Mapping[str, str]
) -> tuple[Json, list[Json]]:
    """``plan_offline``, and every diagnostic (warning) the plan printed except the ones the
    offline override itself causes: what ``terraform validate`` of the copy as exported says.

    A plan validates the whole configuration first (the same validate walk as ``terraform
    validate``, the same provider and resource checks), so a separate ``validate`` only starts
    the provider twice more. Left out: diagnostics located in the override file, and the
    "role_arn is required" warning of a provider whose ``assume_role`` the override replaced by
    an empty role ARN (see ``offline_override``; with an HCL stack Terraform places it on the
    stack's provider block). The real ``assume_role`` is applied, warning-free, by the deploy
    tests (tests/local_aws/test_deploy_cycle.py)."""
    override = write_override(
        workdir, "ci_offline", offline_override(stack, workdir / "ci.tfstate")
    )
    var_file = write_placeholders(workdir, stack, address_types)
    terraform.run(workdir, "init", "-input=false", "-reconfigure")
    output = terraform.run(
        workdir, "plan", "-input=false", "-lock=false", "-out=tfplan", "-json", *var_file
    ).stdout
    plan: Json = json.loads(terraform.run(workdir, "show", "-json", "tfplan").stdout)
    replaced = {
        provider_address(provider)
        for provider in stack_providers(stack)
        if "assume_role" in provider
    }
    return plan, [
        diagnostic
        for diagnostic in diagnostics_of(output)
        if (diagnostic.get("range") or {}).get("filename") != override.name
        and not _empty_role_warning(diagnostic, replaced)
    ]


def provider_address(provider: Json) -> str:
    """How Terraform's diagnostics name an AWS provider block."""
    address = 'provider["registry.terraform.io/hashicorp/aws"]'
    return f"{address}.{provider['alias']}" if "alias" in provider else address


def _empty_role_warning(diagnostic: Json, replaced: set[str]) -> bool:
    return (
        diagnostic.get("summary") == "Missing required argument"
        and '"role_arn"' in str(diagnostic.get("detail"))
        and diagnostic.get("address") in replaced
    )


def diagnostics_of(json_lines: str) -> list[Json]:
    """The diagnostics of Terraform's ``-json`` output."""
    found: list[Json] = []
    for line in json_lines.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if message.get("type") == "diagnostic":
            found.append(message["diagnostic"])
    return found
