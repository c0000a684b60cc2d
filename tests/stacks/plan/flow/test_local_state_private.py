"""plan-check and apply with the real Terraform and a local backend: the state Terraform writes
holds the secret and is the owner's only (0600), and nothing else the flow writes holds it
(issue 17, finding 5). The configuration has only Terraform's built-in ``terraform_data``: no
provider starts, so this costs a second. (The flow against the local Incident Manager,
tests/stacks/plan/flow/test_flow_local_aws.py, keeps its state in S3.)"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from stacks import layout
from stacks.plan import plan_flow

SECRET = "local-state-secret-0815@example.com"
STACK = {
    "terraform": {"backend": {"local": {"path": "../../../terraform.dev.tfstate"}}},
    "variable": {"secret": {"type": "string", "sensitive": True}},
    "resource": {"terraform_data": {"record": {"input": "${var.secret}"}}},
}
# main.py of a stand-in project: its synth writes STACK; every other step does nothing.
MAIN = f"""\
import pathlib, sys
if sys.argv[1] == "synth":
    stack = pathlib.Path(__file__).parent / "cdktf.out/stacks/incident-manager-dev"
    stack.mkdir(parents=True, exist_ok=True)
    (stack / "cdk.tf.json").write_text({json.dumps(json.dumps(STACK))})
"""


# The real Terraform (no provider), through plan_flow, which quick tests use with stand-ins.
@pytest.mark.slow
def test_the_local_state_terraform_writes_is_private_and_alone_holds_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "main.py").write_text(MAIN, encoding="utf-8")
    monkeypatch.setenv("TF_VAR_secret", SECRET)
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")

    assert plan_flow.plan_check("dev", (), "5s", root) == layout.EXIT_OK
    stack = root / "cdktf.out/stacks/incident-manager-dev"
    shown = (stack / "tfplan.json").read_text(encoding="utf-8")
    assert SECRET not in shown
    assert '"(sensitive value)"' in shown
    assert plan_flow.apply("dev", "5s", root) == layout.EXIT_OK

    state = root / "terraform.dev.tfstate"
    holding = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and SECRET.encode() in p.read_bytes()
    )
    assert holding == ["terraform.dev.tfstate"]
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
