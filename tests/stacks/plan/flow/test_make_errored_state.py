"""`make plan-check` and `make apply` stop while errored.tfstate waits to be pushed back (issue
17, finding 2), before the synth that used to delete it: run through make on a fresh copy."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.stacks.adopt.test_make_adopt import fresh_copy


@pytest.mark.parametrize("target", ["plan-check", "apply"])
def test_make_stops_while_errored_state_waits_and_names_the_push(
    tmp_path: Path, target: str
) -> None:
    repo = fresh_copy(tmp_path)
    stack = repo / "cdktf.out" / "stacks" / "incident-manager-dev"
    stack.mkdir(parents=True)
    (stack / "errored.tfstate").write_text('{"version": 4}', encoding="utf-8")

    result = subprocess.run(
        ["make", "--no-print-directory", target, "ENV=dev"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert "cdktf.out/stacks/incident-manager-dev/errored.tfstate exists" in result.stderr
    assert (
        "cd cdktf.out/stacks/incident-manager-dev && terraform state push errored.tfstate"
        in result.stderr
    )
    assert "[Makefile:" in result.stderr and f"{target}] Error 2" in result.stderr
    # Stopped before the synth: the stack directory holds the state and nothing else.
    assert [p.name for p in stack.iterdir()] == ["errored.tfstate"]
