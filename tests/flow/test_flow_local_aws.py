"""`make plan-check` and `make apply` with the real Terraform against the local Incident Manager
(issue 17, findings 1, 5, 6, 9, 10), on a fresh copy of the repository. One environment is
applied once for the whole module; each test starts from that applied state and leaves it so.

- the checked plan is the applied plan: a `terraform plan -replace=... -out=tfplan` typed after
  plan-check is refused by apply, and the contact stays;
- a refused plan is out of reach (tfplan.refused) and the refusal is the last thing printed,
  make's own "Error 3" line after it;
- no secret address in a file the flow writes; the state that must hold them is mode 0600;
- apply waits for a held state lock only --lock-timeout, then stops with Terraform's message.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_aws.process import LocalAwsProcess
from local_aws.terraform_setup import find_mirror, write_cli_config
from tests.adopt.test_make_adopt import fresh_copy

STACK = Path("cdktf.out/stacks/incident-manager-flow")
STATE = Path("terraform.incident-manager-flow.tfstate")
# Fictional addresses: neither may appear in a file the product writes, but the state.
EMAIL = "flow-secret-4711@example.com"
PHONE = "+15555550147"
# An account of its own: environments of one account share one replication set (dev's).
ACCOUNT = "999988887777"
# What a Terraform run holding the local state's lock writes beside the state file.
LOCK_INFO = {
    "ID": "5e0d1d52-held-by-another-run",
    "Operation": "OperationTypeApply",
    "Info": "",
    "Who": "colleague@laptop",
    "Version": "1.11.4",
    "Created": "2026-12-06T10:00:00Z",
    "Path": "terraform.incident-manager-flow.tfstate",
}
ENVIRONMENT = """\
account_id: "999988887777"
region: us-east-1
replication_set:
  regions: [us-east-1]
  prevent_destroy: false
contacts:
  - alias: flow-responder
    channels:
      - {name: email, type: EMAIL, secret: true}
    engagement:
      - {channel: email, at_minute: 0}
  - alias: flow-backup
    channels:
      - {name: phone, type: SMS, secret: true}
    engagement:
      - {channel: phone, at_minute: 0}
"""


@dataclass
class Applied:
    """The fresh copy, the environment its commands run with, and the server."""

    repo: Path
    env: dict[str, str]
    server: LocalAwsProcess

    def run(self, *command: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``command`` with stderr merged into stdout, in the order a terminal shows them."""
        return subprocess.run(
            list(command),
            cwd=cwd or self.repo,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
            check=False,
        )

    def make(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("make", "--no-print-directory", *args)

    def contacts(self) -> dict[str, str]:
        """Alias -> ARN of every contact the server holds."""
        import boto3  # type: ignore[import-untyped]

        client = boto3.client(
            "ssm-contacts",
            endpoint_url=self.server.url,
            region_name="us-east-1",
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )
        found: list[dict[str, Any]] = client.list_contacts()["Contacts"]
        return {c["Alias"]: c["ContactArn"] for c in found}


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Applied]:
    workdir = tmp_path_factory.mktemp("flow")
    repo = fresh_copy(workdir)
    (repo / "stacks/environments/flow.yaml").write_text(ENVIRONMENT, encoding="utf-8")
    server = LocalAwsProcess.start(workdir / "server", ACCOUNT, request_log=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(server.environment())
    env["TF_CLI_CONFIG_FILE"] = str(
        write_cli_config(workdir / "terraform.tfrc", find_mirror("5.100.0"))
    )
    env["TF_VAR_flow_responder__email"] = EMAIL
    env["TF_VAR_flow_backup__phone"] = PHONE
    # The renamed contact of the refusal test.
    env["TF_VAR_flow_standby__phone"] = PHONE
    # Not TF_IN_AUTOMATION: Terraform prints its `terraform apply "tfplan"` hint as a person sees.
    state = Applied(repo, env, server)
    try:
        checked = state.make("plan-check", "ENV=flow")
        assert checked.returncode == 0, checked.stdout
        done = state.make("apply", "ENV=flow")
        assert done.returncode == 0, done.stdout
        yield state
    finally:
        server.stop()


def test_the_checked_plan_is_applied_once(applied: Applied) -> None:
    assert sorted(applied.contacts()) == ["flow-backup", "flow-responder"]
    stack = applied.repo / STACK
    # Spent: a second make apply asks for a new plan-check instead of Terraform's "stale plan".
    assert not (stack / "tfplan").exists()
    assert not (stack / "tfplan.checked").exists()
    again = applied.make("apply", "ENV=flow")
    assert again.returncode == 2
    assert "nothing to apply: no saved plan" in again.stdout


def written_files(repo: Path) -> list[Path]:
    """Every file under the copy but the shared installs."""
    installs = {".venv", ".venv-checkov", "node_modules"}
    return [
        p
        for p in repo.rglob("*")
        if p.is_file() and not p.is_symlink() and not installs & set(p.relative_to(repo).parts)
    ]


def test_no_secret_address_is_written_but_into_the_private_state(applied: Applied) -> None:
    holding = sorted(
        str(p.relative_to(applied.repo))
        for p in written_files(applied.repo)
        if any(s.encode() in p.read_bytes() for s in (EMAIL, PHONE))
    )
    # Terraform's state must hold them (the provider reads the address back); nothing else.
    assert holding == [str(STATE), f"{STATE}.backup"] or holding == [str(STATE)]
    for name in holding:
        assert (applied.repo / name).stat().st_mode & 0o777 == 0o600, name
    # The plan JSON kept for people is there, redacted.
    shown = (applied.repo / STACK / "tfplan.json").read_text(encoding="utf-8")
    assert "(sensitive value)" in shown


def test_apply_waits_for_a_held_lock_only_the_lock_timeout(applied: Applied) -> None:
    checked = applied.make("plan-check", "ENV=flow")
    assert checked.returncode == 0, checked.stdout
    assert "No changes." in checked.stdout
    stack = applied.repo / STACK
    # The local backend locks its state file with a POSIX record lock (fcntl F_SETLK) and writes
    # who holds it beside the file, as another Terraform run in progress does. (`terraform
    # console` takes no lasting lock there.) Without that file Terraform does not wait at all:
    # a lock it cannot describe fails at once, whatever -lock-timeout says.
    holder = applied.repo / f".{STATE.name}.lock.info"
    holder.write_text(json.dumps(LOCK_INFO), encoding="utf-8")
    try:
        with (applied.repo / STATE).open("rb+") as state:
            fcntl.lockf(state, fcntl.LOCK_EX | fcntl.LOCK_NB)
            started = time.monotonic()
            blocked = applied.make("apply", "ENV=flow", "LOCK_TIMEOUT=4s")
            waited = time.monotonic() - started
    finally:
        holder.unlink()
    assert blocked.returncode == 2
    assert "Error acquiring the state lock" in blocked.stdout
    assert f"ID:        {LOCK_INFO['ID']}" in blocked.stdout
    assert "apply] Error 1" in blocked.stdout
    # Terraform retried for the whole timeout (it tries at once, then after 1 s and 3 s).
    assert waited >= 4
    # Nothing was applied: the same checked plan applies once the lock is free.
    assert (stack / "tfplan.checked").is_file()


def test_apply_refuses_a_plan_typed_by_hand_after_plan_check(applied: Applied) -> None:
    stack = applied.repo / STACK
    assert (stack / "tfplan.checked").is_file(), "the previous test leaves a checked plan"
    before = applied.contacts()
    listed = applied.run("terraform", "state", "list", cwd=stack).stdout.split()
    (contact,) = [a for a in listed if a.startswith("aws_ssmcontacts_contact.contact-flow-resp")]
    by_hand = applied.run(
        "terraform",
        "plan",
        "-no-color",
        "-input=false",
        f"-replace={contact}",
        "-out=tfplan",
        cwd=stack,
    )
    assert by_hand.returncode == 0, by_hand.stdout
    assert "will be replaced, as requested" in by_hand.stdout

    refused = applied.make("apply", "ENV=flow")
    assert refused.returncode == 2
    assert "not the plan that plan-check checked" in refused.stdout
    assert "Apply complete" not in refused.stdout
    assert applied.contacts() == before


def test_a_refused_plan_cannot_be_applied_and_the_refusal_is_printed_last(
    applied: Applied,
) -> None:
    path = applied.repo / "stacks/environments/flow.yaml"
    path.write_text(ENVIRONMENT.replace("flow-backup", "flow-standby"), encoding="utf-8")
    try:
        refused = applied.make("plan-check", "ENV=flow")
    finally:
        path.write_text(ENVIRONMENT, encoding="utf-8")
    lines = [line for line in refused.stdout.splitlines() if line.strip()]
    assert refused.returncode == 2
    # make passes only 2 on; its own last line carries the command's status.
    assert lines[-1].startswith("make: *** [Makefile:") and lines[-1].endswith(
        "plan-check] Error 3"
    )
    allow = 'If you mean it, re-run with --allow contact-replace (make plan-check ALLOW="%s").'
    assert lines[-2] == allow % "contact-replace"
    assert "[contact-replace]" in refused.stdout
    # Terraform's hint to apply "tfplan" comes before the refusal, and that file is gone.
    hint = refused.stdout.index("run the following command to apply")
    assert hint < refused.stdout.index("plan guard: 1 dangerous change(s)")
    stack = applied.repo / STACK
    assert not (stack / "tfplan").exists()
    assert (stack / "tfplan.refused").is_file()
    blocked = applied.make("apply", "ENV=flow")
    assert blocked.returncode == 2
    assert "the plan guard refused the last plan" in blocked.stdout
    assert sorted(applied.contacts()) == ["flow-backup", "flow-responder"]
