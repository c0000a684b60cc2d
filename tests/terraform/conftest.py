"""Session fixtures for the tests that run the real Terraform: the binary with its offline CLI
config, the HCL export, and the offline runs of every environment."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES_ROOT, PROJECT_ROOT, environment_names, run_main
from tests.terraform.offline_runs import OfflineRuns, start_all
from tests.terraform.stack_copy import read_stack, secret_address_types
from tests.terraform.terraform_cli import Terraform, find_terraform

# Every environment this repository keeps; tests about the examples' content use the fixtures.
ENVIRONMENTS = tuple(environment_names())


def stack_dir(outdir: Path, environment: str) -> Path:
    return outdir / "stacks" / f"incident-manager-{environment}"


@pytest.fixture(scope="session")
def terraform(synthesized_examples: Path, tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    """Terraform and a CLI config that installs the provider version the stacks pin from the
    filesystem mirror (a failure, not a skip, when either is missing)."""
    # Every stack pins the same provider (constructs_lib/aws.py): any one tells the version.
    stack = read_stack(stack_dir(synthesized_examples, "dev"))
    version = stack["terraform"]["required_providers"]["aws"]["version"]
    return find_terraform(version, tmp_path_factory.mktemp("terraform-cli"))


@pytest.fixture(scope="session")
def address_types() -> dict[str, str]:
    """Secret address variable -> channel type, for placeholder values: of the environments
    kept here and of the frozen examples (the remote-state tests apply those)."""
    return {**secret_address_types(EXAMPLES_ROOT), **secret_address_types(PROJECT_ROOT)}


@pytest.fixture(scope="session")
def hcl_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make synth-hcl` (main.py --hcl) of every environment, into a temporary directory."""
    outdir = tmp_path_factory.mktemp("hcl") / "cdktf.out.hcl"
    result = run_main(PROJECT_ROOT, "synth", "--hcl", "--outdir", str(outdir))
    assert result.returncode == 0, result.stderr
    return outdir


@pytest.fixture(scope="session")
def offline_runs(
    synthesized_environments: Path,
    hcl_examples: Path,
    terraform: Terraform,
    address_types: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[OfflineRuns]:
    """init + offline plan (which validates) of every environment, JSON and HCL, registered at
    once and started by the test modules that read them (``OfflineRuns.start_kinds``)."""
    runs = OfflineRuns()
    start_all(
        runs,
        terraform,
        {"json": synthesized_environments, "hcl": hcl_examples},
        environments=ENVIRONMENTS,
        workroot=tmp_path_factory.mktemp("offline-runs"),
        address_types=address_types,
    )
    yield runs
    runs.close()


@pytest.fixture(scope="session", autouse=True)
def _start_offline_runs_early(request: pytest.FixtureRequest) -> None:
    """Start the offline runs with the first test of this folder when the session has tests that
    read them, so that they run while the remote state and CLI tests (which run first, and
    mostly wait on single processes) do.

    Not under pytest-xdist: there every worker collects every test, so each worker would start
    all the runs (~40 CPU-seconds) for tests another worker may be running; a worker starts them
    when one of its own tests asks for them."""
    if hasattr(request.config, "workerinput"):
        return
    if any("offline_runs" in getattr(item, "fixturenames", ()) for item in request.session.items):
        # No terraform or no mirror: the tests that need the runs fail with the reason; the
        # others here still run.
        with contextlib.suppress(pytest.fail.Exception):
            runs = request.getfixturevalue("offline_runs")
            runs.start_kinds("json", "hcl")
