"""Shared test setup: jsii quiet, and the project root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
