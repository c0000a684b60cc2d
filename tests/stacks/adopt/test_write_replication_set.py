"""The replication set as adoption writes it, from recorded API answers (no server, no plan)."""

from __future__ import annotations

from stacks.adopt.read_account import LiveAccount
from stacks.adopt.write_environment import build_adoption

SET_ARN = "arn:aws:ssm-incidents::123456789012:replication-set/abcd"
KEY = "arn:aws:kms:us-west-2:123456789012:key/1111"
TAGS = {"team": "sre", "cost-center": "1234"}


def _account(region_map: dict[str, dict[str, str]], tags: dict[str, str]) -> LiveAccount:
    replication_set = {"arn": SET_ARN, "regionMap": region_map, "status": "ACTIVE"}
    return LiveAccount(replication_set, [], [], [], replication_set_tags=tags)


def test_the_sets_tags_are_written_in_key_order() -> None:
    adoption = build_adoption(_account({"us-east-1": {}}, TAGS), "123456789012", "us-east-1", "a")
    assert adoption.environment["replication_set"] == {
        "regions": ["us-east-1"],
        "tags": {"cost-center": "1234", "team": "sre"},
    }
    assert adoption.imports["replication_set"] == SET_ARN
    assert adoption.report == []


def test_a_set_left_unmanaged_reports_its_tags_left_with_it() -> None:
    mixed = {"us-east-1": {}, "us-west-2": {"sseKmsKeyId": KEY}}
    adoption = build_adoption(_account(mixed, TAGS), "123456789012", "us-east-1", "a")
    assert adoption.environment["replication_set"] == {
        "regions": ["us-east-1", "us-west-2"],
        "existing": True,
    }
    assert "replication_set" not in adoption.imports
    (line,) = adoption.report
    assert line.endswith("(existing: true), not managed, its tags (cost-center, team) with it")
