"""Shared test setup: jsii quiet, and the project root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def main_environment() -> dict[str, str]:
    """This process's environment without the variables that steer main.py (set by the cdktf
    CLI, or the eager provider import): a child main.py does what its arguments say."""
    from constructs_lib.provider_loader import EAGER_ENV_VAR
    from main import OUTPUT_VARIABLES

    unset = (*OUTPUT_VARIABLES, EAGER_ENV_VAR)
    return {k: v for k, v in os.environ.items() if k not in unset}


def run_main(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` in ``root`` (a project copy, or the project itself)."""
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=root,
        env=main_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def synthesized_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cdktf.out for every example environment, synthesized once per test session the way
    main.py does it."""
    from stacks.environment_loader import load_environments
    from stacks.synthesize import synthesize

    outdir = tmp_path_factory.mktemp("examples") / "cdktf.out"
    synthesize(load_environments(PROJECT_ROOT), PROJECT_ROOT, outdir)
    return outdir
