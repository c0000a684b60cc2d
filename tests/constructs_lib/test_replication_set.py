"""ReplicationSet: regions, keys, deletion protection."""

from __future__ import annotations

import json

import pytest

from constructs_lib import (
    CreatedKeys,
    CustomerManagedKeys,
    PropsError,
    ReplicationSet,
    ReplicationSetProps,
)
from constructs_lib.aws import AwsProvider
from tests.synth_helpers import new_stack, only, ref, resources, synth

KEY_EAST = "arn:aws:kms:us-east-1:111122223333:key/11111111-1111-1111-1111-111111111111"
KEY_WEST = "arn:aws:kms:us-west-2:111122223333:key/22222222-2222-2222-2222-222222222222"


def test_minimal_set_is_one_region_with_the_aws_owned_key_and_cannot_be_destroyed() -> None:
    stack = new_stack()
    ReplicationSet(
        stack, "rs", ReplicationSetProps(regions=["us-east-1"], provider_region="us-east-1")
    )
    out = synth(stack)
    rs = only(out, "aws_ssmincidents_replication_set")
    assert rs["region"] == [{"name": "us-east-1"}]
    assert rs["lifecycle"] == {"prevent_destroy": True}
    assert "aws_kms_key" not in out.get("resource", {})


def test_prevent_destroy_can_be_turned_off_explicitly() -> None:
    stack = new_stack()
    ReplicationSet(
        stack,
        "rs",
        ReplicationSetProps(
            regions=["us-east-1"], provider_region="us-east-1", prevent_destroy=False
        ),
    )
    rs = only(synth(stack), "aws_ssmincidents_replication_set")
    assert rs["lifecycle"] == {"prevent_destroy": False}


def test_provider_region_comes_first_whatever_the_order_given() -> None:
    stack = new_stack("us-west-2")
    ReplicationSet(
        stack,
        "rs",
        ReplicationSetProps(regions=["us-east-1", "us-west-2"], provider_region="us-west-2"),
    )
    rs = only(synth(stack), "aws_ssmincidents_replication_set")
    assert [r["name"] for r in rs["region"]] == ["us-west-2", "us-east-1"]


def test_existing_customer_managed_keys_are_used_per_region() -> None:
    stack = new_stack()
    ReplicationSet(
        stack,
        "rs",
        ReplicationSetProps(
            regions=["us-east-1", "us-west-2"],
            provider_region="us-east-1",
            encryption=CustomerManagedKeys({"us-east-1": KEY_EAST, "us-west-2": KEY_WEST}),
            tags={"team": "sre"},
        ),
    )
    rs = only(synth(stack), "aws_ssmincidents_replication_set")
    assert rs["region"] == [
        {"name": "us-east-1", "kms_key_arn": KEY_EAST},
        {"name": "us-west-2", "kms_key_arn": KEY_WEST},
    ]
    assert rs["tags"] == {"team": "sre"}


def test_created_keys_are_a_rotating_multi_region_key_with_a_replica_per_other_region() -> None:
    stack = new_stack()
    west = AwsProvider(stack, "west", region="us-west-2", alias="us-west-2")
    rs = ReplicationSet(
        stack,
        "rs",
        ReplicationSetProps(
            regions=["us-east-1", "us-west-2"],
            provider_region="us-east-1",
            encryption=CreatedKeys(
                account_id="111122223333", replica_providers={"us-west-2": west}
            ),
        ),
    )
    out = synth(stack)
    key = only(out, "aws_kms_key")
    assert key["multi_region"] is True
    assert key["enable_key_rotation"] is True
    assert key["lifecycle"] == {"prevent_destroy": True}
    policy = json.loads(key["policy"])
    services = [s["Principal"].get("Service") for s in policy["Statement"]]
    assert ["ssm-contacts.amazonaws.com", "ssm-incidents.amazonaws.com"] in services
    replica = only(out, "aws_kms_replica_key")
    assert replica["provider"] == "aws.us-west-2"
    assert rs.primary_key is not None
    primary_arn = ref(rs.primary_key)
    assert replica["primary_key_arn"] == primary_arn
    assert only(out, "aws_ssmincidents_replication_set")["region"] == [
        {"name": "us-east-1", "kms_key_arn": primary_arn},
        {"name": "us-west-2", "kms_key_arn": ref(rs.replica_keys["us-west-2"])},
    ]


def test_fails_when_keys_are_mixed() -> None:
    with pytest.raises(PropsError) as error:
        ReplicationSet(
            new_stack(),
            "rs",
            ReplicationSetProps(
                regions=["us-east-1", "us-west-2"],
                provider_region="us-east-1",
                encryption=CustomerManagedKeys({"us-east-1": KEY_EAST}),
            ),
        )
    assert "no customer managed key for us-west-2" in str(error.value)
    assert "cannot be mixed" in str(error.value)


def test_fails_when_provider_region_is_outside_the_set() -> None:
    with pytest.raises(PropsError, match="'eu-west-1' is not in the replication set"):
        ReplicationSet(
            new_stack("eu-west-1"),
            "rs",
            ReplicationSetProps(regions=["us-east-1"], provider_region="eu-west-1"),
        )


def test_fails_with_every_problem_at_once() -> None:
    regions = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"]
    with pytest.raises(PropsError) as error:
        ReplicationSet(
            new_stack(),
            "rs",
            ReplicationSetProps(
                regions=regions,
                provider_region="eu-west-1",
                encryption=CreatedKeys(account_id="111122223333"),
            ),
        )
    problems = error.value.problems
    assert len(problems) == 3
    assert problems[0] == "regions: 4 given; a replication set has 1 to 3"
    assert "no AWS provider given for replica region(s) us-east-1, us-east-2" in problems[2]


def test_no_resources_are_created_for_a_rejected_set() -> None:
    stack = new_stack()
    with pytest.raises(PropsError):
        ReplicationSet(stack, "rs", ReplicationSetProps(regions=[], provider_region="us-east-1"))
    assert resources(synth(stack), "aws_ssmincidents_replication_set") == {}
