"""Every environment's synthesized Terraform JSON, pinned as a reviewable snapshot.

The environments are the files in stacks/environments/, whatever they are: a team that replaces
the examples with its own gets snapshots of its own. Update after an intended change with
`make snapshot-update` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import PROJECT_ROOT, environment_names

ENVIRONMENTS = environment_names()


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_every_environment_is_in_the_manifest(synthesized_environments: Path) -> None:
    manifest = json.loads((synthesized_environments / "manifest.json").read_text(encoding="utf-8"))
    assert ENVIRONMENTS, "no environment files in stacks/environments/"
    assert sorted(manifest["stacks"]) == [f"incident-manager-{e}" for e in ENVIRONMENTS]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_synthesized_stack_matches_its_snapshot(
    environment: str, synthesized_environments: Path, snapshot_json: SnapshotAssertion
) -> None:
    stack_file = (
        synthesized_environments / "stacks" / f"incident-manager-{environment}" / "cdk.tf.json"
    )
    text = stack_file.read_text(encoding="utf-8")
    # Nothing machine-specific may leak into the output.
    assert str(PROJECT_ROOT) not in text
    assert str(synthesized_environments) not in text
    assert json.loads(text) == snapshot_json
