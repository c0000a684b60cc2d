"""A synthesized stack applied for real against the local AWS server: a working copy whose
override points every AWS endpoint at the server, with fake keys and a local state file.

The provider blocks keep their ``allowed_account_ids`` and ``assume_role``: the server runs in
the environment's own account (``--account-id``), so STS answers with that account and the
provider's account check runs as it does against AWS. Used by ``rehearse`` and the deploy tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs_lib.provisioners.contract import PYTHON_VARIABLE, is_coverage_input
from local_aws.provider_relay import installed_provider
from local_aws.reattached_providers import ReattachedProviders
from local_aws.stack_inputs import FAKE_CREDENTIALS, placeholder_values
from local_aws.terraform_setup import (
    find_mirror,
    find_terraform_binary,
    terraform_env,
    write_cli_config,
)
from stacks.stack.resource_kinds import KINDS, OTHER_KINDS

Json = dict[str, Any]

# Every service a stack of this project talks to, as the provider's `endpoints` block names them.
ENDPOINT_SERVICES = (
    "cloudwatch",
    "dynamodb",
    "iam",
    "kms",
    "s3",
    "sns",
    "ssm",
    "ssmcontacts",
    "ssmincidents",
    "sts",
)
STACK_FILE = "cdk.tf.json"
OVERRIDE_FILE = "local_aws_override.tf.json"
UNPROTECT_FILE = "local_aws_unprotect_override.tf.json"
IMPORTS_FILE = "local_aws_imports.tf.json"
VAR_FILE = "local-aws-placeholders.tfvars.json"
PLAN_FILE = "local-aws.tfplan"
DEFAULT_TIMEOUT = 600
VERBS = {
    "create": "created",
    "update": "updated in place",
    "replace": "replaced",
    "delete": "deleted",
    "import": "imported",
}


class StepFailedError(RuntimeError):
    """A Terraform step exited with an error; ``output`` is Terraform's own."""

    def __init__(self, step: str, output: str) -> None:
        super().__init__(f"{step} failed")
        self.step = step
        self.output = output


@dataclass(frozen=True)
class TerraformCli:
    """The Terraform binary with a CLI config that installs the provider from the mirror."""

    binary: Path
    cli_config: Path

    @classmethod
    def offline(cls, provider_version: str, config_dir: Path) -> TerraformCli:
        binary, _ = find_terraform_binary()
        mirror = find_mirror(provider_version)
        return cls(binary, write_cli_config(config_dir / "terraform.tfrc", mirror))

    def run(
        self,
        workdir: Path,
        *args: str,
        timeout: float = DEFAULT_TIMEOUT,
        extra_env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args, "-no-color"],
            cwd=workdir,
            env={**terraform_env(self.cli_config), **(extra_env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def provider_version(stack: Json) -> str:
    return str(stack["terraform"]["required_providers"]["aws"]["version"])


def stack_providers(stack: Json) -> list[Json]:
    """The stack's hashicorp/aws configurations (provider blocks), the default one first."""
    providers: list[Json] = stack.get("provider", {}).get("aws", [])
    return providers


def stack_account(stack: Json) -> str | None:
    """The account the stack's first provider block allows (None: any)."""
    providers = stack_providers(stack)
    allowed = providers[0].get("allowed_account_ids") if providers else None
    return str(allowed[0]) if allowed else None


def stack_region(stack: Json) -> str:
    providers = stack_providers(stack)
    return str(providers[0].get("region", "us-east-1")) if providers else "us-east-1"


def has_replication_set(stack: Json) -> bool:
    return bool(stack.get("resource", {}).get("aws_ssmincidents_replication_set"))


def local_override(stack: Json, server_url: str, state_path: Path) -> Json:
    """Every AWS provider block pointed at ``server_url`` with fake keys; a local backend."""
    providers = []
    for provider in stack_providers(stack):
        override: Json = {
            **FAKE_CREDENTIALS,
            # No instance metadata; region names are checked by the server, not a built-in list.
            "skip_metadata_api_check": True,
            "skip_region_validation": True,
            "endpoints": [dict.fromkeys(ENDPOINT_SERVICES, server_url)],
        }
        if "alias" in provider:
            override["alias"] = provider["alias"]
        providers.append(override)
    return {
        "terraform": {"backend": {"local": {"path": str(state_path)}}},
        "provider": {"aws": providers},
    }


def unprotect_override(stack: Json) -> Json:
    """``prevent_destroy`` lifted from every resource that sets it (for the final destroy)."""
    lifted: dict[str, Json] = {}
    for kind, by_name in stack.get("resource", {}).items():
        for name, body in by_name.items():
            if body.get("lifecycle", {}).get("prevent_destroy"):
                lifted.setdefault(kind, {})[name] = {"lifecycle": {"prevent_destroy": False}}
    return {"resource": lifted} if lifted else {}


def _resource(stack: Json, address: str) -> Json:
    kind, _, name = address.partition(".")
    body: Json = stack.get("resource", {}).get(kind, {}).get(name.split("[", 1)[0], {})
    return body


def _reference_name(stack: Json, text: str) -> str | None:
    """The alias or name of the resource a ``${type.name.arn}`` reference points at."""
    if not text.startswith("${"):
        return text.rsplit("/", 1)[-1] or None
    kind, _, rest = text[2:].partition(".")
    body = _resource(stack, f"{kind}.{rest.split('.', 1)[0]}")
    name = body.get("alias") or body.get("name")
    return str(name) if name else None


def label(stack: Json, kind: str, address: str) -> str:
    """``contact incident-responder``, ``engagement plan of incident-responder`` ..."""
    noun = KINDS.get(kind) or OTHER_KINDS.get(kind) or kind
    body = _resource(stack, address)
    if kind == "aws_ssmcontacts_plan":
        name = _reference_name(stack, str(body.get("contact_id", "")))
        return f"engagement plan of {name}" if name else f"{noun} {address}"
    if kind == "aws_ssmcontacts_contact_channel":
        owner = _reference_name(stack, str(body.get("contact_id", "")))
        if owner and body.get("name"):
            return f"{noun} {body['name']!r} of {owner}"
    if kind == "terraform_data" and "[" in address:
        schedule = _schedule_label(stack, body, address)
        if schedule:
            return schedule
    if kind == "terraform_data" and _is_coverage_record(body):
        return f"coverage of on-call rotation {body['input']['name']}"
    name = body.get("alias") or body.get("name")
    if isinstance(name, str) and "${" not in name:
        return f"{noun} {name}"
    return noun


def _is_coverage_record(body: Json) -> bool:
    """A rotation's shift coverage record (constructs_lib/rotation_coverage.py)."""
    data = body.get("input")
    return is_coverage_input(data) and "name" in data


def _schedule_label(stack: Json, body: Json, address: str) -> str | None:
    """An on-call schedule (constructs_lib/oncall_schedule.py): a ``terraform_data`` instance
    per schedule and one for its settings, keyed by alias."""
    alias = address.split("[", 1)[1].strip('"]')
    entry = (body.get("for_each") or {}).get(alias)
    if not isinstance(entry, dict) or "settings" not in entry:
        return None
    rotations = [_reference_name(stack, r) or r for r in entry["settings"]["rotation_ids"]]
    what = (
        "on-call schedule"
        if address.startswith("terraform_data.oncall_schedule[")
        else ("settings of on-call schedule")
    )
    return f"{what} {alias} (rotations: {', '.join(rotations)})"


@dataclass
class Change:
    """One resource change from Terraform's machine-readable output."""

    address: str
    kind: str
    action: str

    def line(self, stack: Json) -> str:
        verb = VERBS.get(self.action, self.action)
        return f"{verb:<17} {label(stack, self.kind, self.address)}  ({self.address})"


def json_messages(json_lines: str) -> Iterator[Json]:
    """The messages of Terraform's ``-json`` output, one a line; lines that are not JSON (a
    provisioner's own output, a blank line) passed over."""
    for line in json_lines.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        yield message


def planned_changes(json_lines: str) -> list[Change]:
    """The ``planned_change`` messages of ``terraform apply -json``."""
    changes = []
    for message in json_messages(json_lines):
        if message.get("type") != "planned_change":
            continue
        change = message["change"]
        resource = change["resource"]
        action = change["action"]
        if change.get("importing") and action == "noop":
            action = "import"
        if action in ("noop", "read"):
            continue
        changes.append(Change(resource["addr"], resource["resource_type"], action))
    return sorted(changes, key=lambda c: (c.action, c.address))


def errors_of(json_lines: str) -> str:
    """Terraform's error diagnostics from ``-json`` output, as Terraform words them."""
    found = []
    for message in json_messages(json_lines):
        diagnostic = message.get("diagnostic") or {}
        if diagnostic.get("severity") == "error":
            where = diagnostic.get("address") or ""
            found.append(
                f"Error: {diagnostic.get('summary', '')}\n{diagnostic.get('detail', '')}"
                + (f"\n  with {where}" if where else "")
            )
    return "\n\n".join(found)


def warnings_of(json_lines: str) -> list[str]:
    """Terraform's warning diagnostics from ``-json`` output, as ``summary: detail`` lines."""
    found = []
    for message in json_messages(json_lines):
        diagnostic = message.get("diagnostic") or {}
        if diagnostic.get("severity") == "warning":
            found.append(f"{diagnostic.get('summary', '')}: {diagnostic.get('detail', '')}")
    return found


def operations(entries: Sequence[Json]) -> list[str]:
    """The write operations of request-log ``entries`` as ``service Operation xN`` lines (reads
    and STS's credential calls left out), refused ones marked."""
    reads = ("Get", "List", "Describe")
    counted = Counter(
        (entry["service"], entry["operation"], int(entry.get("status", 0)) >= 400)
        for entry in entries
        if entry["service"] != "sts" and not str(entry["operation"]).startswith(reads)
    )
    lines = []
    for (service, operation, failed), count in sorted(counted.items()):
        suffix = "  (refused)" if failed else ""
        lines.append(f"{service:<14} {operation} x{count}{suffix}")
    return lines


def is_override_file(name: str) -> bool:
    """Terraform's rule: ``override.tf(.json)`` or a name ending ``_override.tf(.json)``."""
    return name in ("override.tf", "override.tf.json") or name.endswith(
        ("_override.tf", "_override.tf.json")
    )


@dataclass
class LocalWorkdir:
    """A working copy of a synthesized stack, pointed at a local server."""

    path: Path
    terraform: TerraformCli
    server_url: str
    state_path: Path
    stack: Json = field(default_factory=dict)
    # Every warning Terraform printed in this copy's ``-json`` runs, in order.
    warnings: list[str] = field(default_factory=list)
    # The tree whose synthesis is loaded, when its provisioners run modules of that tree rather
    # than the stack directory's copy (a stack synthesized before the provisioners travelled:
    # ``make rehearse BEFORE=<older ref>``); None for a stack that carries its provisioners.
    code_root: Path | None = None
    # The provider processes every run but ``init`` and ``state`` reattaches (started once by
    # ``share_providers``); None: each run starts its own.
    providers: ReattachedProviders | None = None

    def load(self, stack_dir: Path, address_types: Mapping[str, str]) -> None:
        """Put ``stack_dir``'s stack (the first, or a changed version) into the copy."""
        self.path.mkdir(parents=True, exist_ok=True)
        for item in stack_dir.iterdir():
            if item.name in (".terraform", "terraform.tfstate") or item.name.endswith(".tfstate"):
                continue
            # A team's override (an HCP Terraform `cloud` block) would take the state away
            # from the local server: only this copy's own overrides apply here.
            if is_override_file(item.name):
                continue
            target = self.path / item.name
            if item.is_dir():
                shutil.copytree(item, target, dirs_exist_ok=True)
            else:
                shutil.copy2(item, target)
        self.stack = json.loads((self.path / STACK_FILE).read_text(encoding="utf-8"))
        override = local_override(self.stack, self.server_url, self.state_path)
        (self.path / OVERRIDE_FILE).write_text(json.dumps(override, indent=2), encoding="utf-8")
        values = placeholder_values(self.stack, address_types)
        (self.path / VAR_FILE).write_text(json.dumps(values, indent=2), encoding="utf-8")

    def write_stack(self, stack: Json) -> None:
        """Replace the copy's stack with ``stack`` (a changed version)."""
        self.stack = stack
        (self.path / STACK_FILE).write_text(json.dumps(stack, indent=2), encoding="utf-8")

    def run(self, step: str, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        env = self.provisioner_env()
        if self.providers is not None and args[0] not in ("init", "state"):
            kinds = [*KINDS, *OTHER_KINDS]
            env.update(self.providers.run_env(self.path, [self.state_path], kinds))
        result = self.terraform.run(self.path, *args, extra_env=env)
        if result.returncode not in ok:
            detail = errors_of(result.stdout) or (result.stderr + result.stdout)[-6000:]
            raise StepFailedError(step, detail)
        if "-json" in args:
            self.warnings.extend(warnings_of(result.stdout))
        return result.stdout

    def provisioner_env(self) -> dict[str, str]:
        """For the provisioners (the stack directory's copy of constructs_lib/provisioners/,
        boto3): the SDK pointed at the server with the fake keys, as the provider is, and this
        project's Python, which has boto3 (and ``code_root`` on its path, when set)."""
        env = {
            "AWS_ENDPOINT_URL": self.server_url,
            "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["access_key"],
            "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["secret_key"],
            "AWS_REGION": stack_region(self.stack) if self.stack else "us-east-1",
            PYTHON_VARIABLE: sys.executable,
        }
        if self.code_root is not None:
            env["PYTHONPATH"] = str(self.code_root)
        return env

    def init(self) -> None:
        self.run("terraform init", "init", "-input=false", "-backend=true", "-reconfigure")

    def share_providers(self, configurations: int, folder: Path) -> bool:
        """Start the provider ``init`` installed once, a process per configuration, for every
        later run of this copy (local_aws/reattached_providers.py); whether it could.
        ``stop_providers`` ends them."""
        binary = installed_provider(self.path)
        if binary is None:
            return False
        env = {**terraform_env(self.terraform.cli_config), **self.provisioner_env()}
        self.providers = ReattachedProviders.start(binary, configurations, folder, env)
        return self.providers is not None

    def stop_providers(self) -> None:
        if self.providers is not None:
            self.providers.stop()
            self.providers = None

    def apply(self, step: str = "terraform apply") -> list[Change]:
        out = self.run(
            step, "apply", "-input=false", "-auto-approve", "-json", f"-var-file={VAR_FILE}"
        )
        return planned_changes(out)

    def pending_changes(self, step: str = "terraform plan") -> list[Change]:
        """What a plan would change now ([] means "No changes")."""
        out = self.run(
            step,
            "plan",
            "-input=false",
            "-detailed-exitcode",
            "-json",
            f"-var-file={VAR_FILE}",
            ok=(0, 2),
        )
        return planned_changes(out)

    def plan_saved(self, step: str = "terraform plan") -> tuple[list[Change], Json]:
        """``terraform plan -out`` (saved for ``apply_saved``): its changes, and the saved plan
        as ``terraform show -json`` prints it (for the values of each change)."""
        out = self.run(
            step, "plan", "-input=false", "-json", f"-out={PLAN_FILE}", f"-var-file={VAR_FILE}"
        )
        shown: Json = json.loads(self.run(f"{step}: show", "show", "-json", PLAN_FILE))
        return planned_changes(out), shown

    def apply_saved(self, step: str = "terraform apply") -> None:
        """``terraform apply`` of the plan ``plan_saved`` saved: exactly that plan, no new one."""
        self.run(step, "apply", "-input=false", "-json", PLAN_FILE)

    def forget_for_import(self, addresses: Sequence[str], ids: Mapping[str, str]) -> None:
        """``terraform state rm`` of ``addresses``, and import blocks that bring them back with
        the next plan (remove them with ``drop_imports`` once it is applied). The replication
        set's import ID is any string: the importer lists the account's one set."""
        self.run("terraform state rm", "state", "rm", *addresses)
        blocks = [
            {
                "to": address,
                "id": "import"
                if address.startswith("aws_ssmincidents_replication_set.")
                else ids[address],
            }
            for address in addresses
        ]
        (self.path / IMPORTS_FILE).write_text(json.dumps({"import": blocks}), encoding="utf-8")

    def drop_imports(self) -> None:
        """An applied import block must go: one pointing at an object deleted later fails."""
        (self.path / IMPORTS_FILE).unlink(missing_ok=True)

    def state_attributes(self) -> dict[str, Json]:
        """Resource address -> attributes of everything in the state (from the state file)."""
        state = json.loads(self.state_path.read_text(encoding="utf-8"))
        found: dict[str, Json] = {}
        for resource in state.get("resources", []):
            if resource.get("mode") != "managed" or resource.get("module"):
                continue
            for instance in resource.get("instances", []):
                found[f"{resource['type']}.{resource['name']}"] = instance["attributes"]
        return found

    def state_ids(self) -> dict[str, str]:
        """Resource address -> ``id`` of everything in the state (read from the state file:
        ``terraform show`` would start the provider only to print it)."""
        return {address: str(a["id"]) for address, a in self.state_attributes().items()}

    def destroy(self, *, refresh: bool = True) -> list[Change]:
        """Destroy everything, ``prevent_destroy`` lifted in the copy only; without ``refresh``
        the state is taken as it is (for a destroy right after a plan that read everything back
        and found no changes)."""
        unprotect = unprotect_override(self.stack)
        if unprotect:
            (self.path / UNPROTECT_FILE).write_text(json.dumps(unprotect), encoding="utf-8")
        out = self.run(
            "terraform destroy",
            "destroy",
            "-input=false",
            "-auto-approve",
            "-json",
            f"-var-file={VAR_FILE}",
            *([] if refresh else ["-refresh=false"]),
        )
        return planned_changes(out)


def incident_manager_addresses(ids: Mapping[str, str]) -> list[str]:
    """The Incident Manager resources among ``ids`` (the ones an adoption imports)."""
    return sorted(a for a in ids if a.split(".", 1)[0] in KINDS)


def create_shared_replication_set(server_url: str, region: str) -> str:
    """The account's replication set, for a stack that refers to one another environment owns
    (``replication_set.existing``); its ARN."""
    import boto3  # type: ignore[import-untyped]

    client = boto3.client(
        "ssm-incidents",
        endpoint_url=server_url,
        region_name=region,
        aws_access_key_id=FAKE_CREDENTIALS["access_key"],
        aws_secret_access_key=FAKE_CREDENTIALS["secret_key"],
    )
    arn: str = client.create_replication_set(regions={region: {}})["arn"]
    return arn
