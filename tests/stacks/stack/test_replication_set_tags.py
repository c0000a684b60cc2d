"""``replication_set.tags``: the set's own tags, checked by ssm-incidents' rules, refused on a set
this environment does not create."""

from __future__ import annotations

import json
from pathlib import Path

import cdktf
import pytest

from stacks.config.config_errors import ConfigError
from stacks.config.environment_loader import load_environments
from stacks.stack.synthesize import build_app
from tests.stacks.environment_files import MINIMAL, project_with
from tests.synth_helpers import only

FILE = "stacks/environments/broken.yaml"


def _with_set_lines(*lines: str) -> str:
    return MINIMAL.replace(
        "  regions: [us-east-1]\n", "  regions: [us-east-1]\n" + "".join(f"{x}\n" for x in lines)
    )


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_environments(project_with(tmp_path, text))
    return [str(p) for p in error.value.problems]


def test_replication_set_tags_reach_the_resource(tmp_path: Path) -> None:
    text = _with_set_lines("  tags:", "    team: sre", '    cost-center: "1234"')
    root = project_with(tmp_path, text, name="tagged")
    (environment,) = load_environments(root)
    stack = build_app([environment], root, tmp_path / "out").node.find_child(environment.stack_name)
    assert isinstance(stack, cdktf.TerraformStack)
    replication_set = only(
        json.loads(cdktf.Testing.synth(stack)), "aws_ssmincidents_replication_set"
    )
    assert replication_set["tags"] == {"team": "sre", "cost-center": "1234"}


def test_fails_when_an_existing_set_is_given_tags(tmp_path: Path) -> None:
    text = _with_set_lines("  existing: true", "  tags: {team: sre}")
    assert _problems(tmp_path, text) == [
        f"{FILE}:5: replication_set.existing: an existing replication set is not managed here; "
        "remove encryption, key_arns and tags"
    ]


def test_fails_on_a_tag_key_ssm_incidents_reserves(tmp_path: Path) -> None:
    text = _with_set_lines("  tags: {'aws:owner': sre}")
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"{FILE}:5: replication_set.tags.aws:owner: 'aws:owner' is not valid")
    assert "ssm-incidents TagKey" in problem
