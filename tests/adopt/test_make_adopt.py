"""Issue #12's acceptance run, as a person follows docs/adopt.md on a fresh copy: `make local-aws`
in the background, its exports, `make local-aws-example`, `make adopt ENV=acme
REGION=us-east-1` (only imports), `make apply`, `make plan-check` (no changes), then an
everyday edit of the adopted file applied in place and a clean plan again; last, `make
synth-hcl` of the adopted environment plans no change against the same state."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stacks.adopt.first_plan import SECRETS_FILE
from tests.conftest import PROJECT_ROOT

COPIED = (
    "main.py",
    "cdktf.json",
    "Makefile",
    "requirements.txt",
    "requirements-checkov.txt",
    "requirements-uv.txt",
    "package.json",
    "package-lock.json",
)
COPIED_FOLDERS = ("constructs_lib", "stacks", "local_aws")
STACK_DIR = Path("cdktf.out/stacks/incident-manager-acme")
HCL_STACK_DIR = Path("cdktf.out.hcl/stacks/incident-manager-acme")


def fresh_copy(destination: Path) -> Path:
    """The repository's files a person gets with a clone, sharing this checkout's installs."""
    root = destination / "repo"
    root.mkdir()
    for name in COPIED:
        shutil.copy2(PROJECT_ROOT / name, root / name)
    for name in COPIED_FOLDERS:
        shutil.copytree(
            PROJECT_ROOT / name,
            root / name,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    for installed in (".venv", ".venv-checkov", "node_modules", ".tools"):
        (root / installed).symlink_to(PROJECT_ROOT / installed)
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return fresh_copy(tmp_path)


@pytest.fixture
def exported(repo: Path) -> Iterator[dict[str, str]]:
    """`make local-aws PORT=0` running, and the environment with what it says to export."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    server = subprocess.Popen(
        ["make", "--no-print-directory", "local-aws", "PORT=0"],
        cwd=repo,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Its own process group: make, its shell and the server stop together.
        start_new_session=True,
    )
    assert server.stdout is not None
    output: list[str] = []
    try:
        for line in server.stdout:
            output.append(line)
            found = re.fullmatch(r"export (\w+)=(\S+)\n", line)
            if found:
                env[found.group(1)] = found.group(2)
            if line.startswith("# Ctrl-C stops it."):
                break
        # Keep reading what the server prints, so that it never blocks on a full pipe.
        drain = threading.Thread(target=lambda: output.extend(server.stdout or []), daemon=True)
        drain.start()
        assert env.get("AWS_ENDPOINT_URL", "").startswith("http://127.0.0.1:"), output
        assert Path(env["TF_CLI_CONFIG_FILE"]).is_file()
        yield env
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
            raise AssertionError(
                "make local-aws did not stop on SIGTERM:\n" + "".join(output[-40:])
            ) from None


def make(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=repo,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def changes(repo: Path) -> list[tuple[str, list[str]]]:
    """(address, actions) of every resource change in the last saved plan but no-ops."""
    plan: dict[str, Any] = json.loads((repo / STACK_DIR / "tfplan.json").read_text())
    return [
        (r["address"], r["change"]["actions"])
        for r in plan.get("resource_changes", [])
        if r["change"]["actions"] != ["no-op"]
    ]


def test_adopt_apply_and_plan_check_through_make(repo: Path, exported: dict[str, str]) -> None:
    loaded = make(repo, exported, "local-aws-example")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr

    adopted = make(repo, exported, "adopt", "ENV=acme", "REGION=us-east-1")
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    # The example: replication set, 2 contacts (plan, 2 channels each), escalation plan and its
    # plan, rotation, response plan, chat topic and policy, runbook document, role, inline
    # policy, alarm: 19 imports.
    assert "first plan: 19 to import, 0 other change(s)" in adopted.stdout
    assert (repo / "stacks/environments/acme.yaml").is_file()
    assert (repo / "stacks/adopted/acme.imports.json").is_file()
    # The adopted addresses stay out of every file git would track (the schema's own examples
    # use example.com too, so the account's addresses are looked for, not the domain).
    tracked = [repo / "stacks/environments/acme.yaml", *(repo / "stacks").rglob("*.json")]
    for address in ("oncall@example.com", "senior@example.com", "+12065550101"):
        assert not [p for p in tracked if address in p.read_text(encoding="utf-8")], address

    applied = make(repo, exported, "apply", "ENV=acme")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert not (repo / "stacks/adopted/acme.imports.json").exists()

    checked = make(repo, exported, "plan-check", "ENV=acme")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No changes." in checked.stdout
    assert changes(repo) == []

    # The README's everyday edit: the SMS of incident-responder 15 minutes in, not 10.
    path = repo / "stacks/environments/acme.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("at_minute: 10") == 2
    path.write_text(text.replace("at_minute: 10", "at_minute: 15", 1), encoding="utf-8")
    edited = make(repo, exported, "plan-check", "ENV=acme")
    assert edited.returncode == 0, edited.stdout + edited.stderr
    ((address, actions),) = changes(repo)
    assert address.startswith("aws_ssmcontacts_plan.contact-incident-responder")
    assert actions == ["update"]
    assert make(repo, exported, "apply", "ENV=acme").returncode == 0
    again = make(repo, exported, "plan-check", "ENV=acme")
    assert again.returncode == 0 and changes(repo) == []

    # The way out of cdktf: `make synth-hcl` of the adopted environment plans, with the adopted
    # addresses and the same state, and has nothing to change.
    hcl = make(repo, exported, "synth-hcl", "ENV=acme")
    assert hcl.returncode == 0, hcl.stdout + hcl.stderr
    hcl_dir = repo / HCL_STACK_DIR
    addresses = hcl_dir / SECRETS_FILE
    assert addresses.read_bytes() == (repo / STACK_DIR / SECRETS_FILE).read_bytes()
    assert stat.S_IMODE(addresses.stat().st_mode) == 0o600
    for step in (("init", "-input=false"), ("plan", "-input=false", "-detailed-exitcode")):
        done = subprocess.run(
            ["terraform", *step, "-no-color"],
            cwd=hcl_dir,
            env=exported,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert "No changes." in done.stdout
