"""Every example environment's synthesized Terraform JSON, pinned as a reviewable snapshot.

Update after an intended change with `.venv/bin/pytest --snapshot-update` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.environment_loader import environment_files
from tests.conftest import PROJECT_ROOT

ENVIRONMENTS = sorted(environment_files(PROJECT_ROOT))


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_every_example_environment_is_in_the_manifest(synthesized_examples: Path) -> None:
    manifest = json.loads((synthesized_examples / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["stacks"]) == [f"incident-manager-{e}" for e in ENVIRONMENTS]
    assert ENVIRONMENTS == ["dev", "prod", "staging"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_synthesized_stack_matches_its_snapshot(
    environment: str, synthesized_examples: Path, snapshot_json: SnapshotAssertion
) -> None:
    stack_file = synthesized_examples / "stacks" / f"incident-manager-{environment}" / "cdk.tf.json"
    text = stack_file.read_text(encoding="utf-8")
    # Nothing machine-specific may leak into the output.
    assert str(PROJECT_ROOT) not in text
    assert str(synthesized_examples) not in text
    assert json.loads(text) == snapshot_json
