"""Tags every adopted resource has become ``default_tags``; anything else stays per resource."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from stacks.adopt.common_tags import common_tags, lift_common_tags

POLICY = {"cost-center": "1234", "team": "sre"}


def _environment(*tag_sets: dict[str, str], set_tags: dict[str, str] | None = None) -> Any:
    replication_set: dict[str, Any] = {"regions": ["us-east-1"]}
    if set_tags:
        replication_set["tags"] = dict(set_tags)
    return {
        "account_id": "123456789012",
        "region": "us-east-1",
        "replication_set": replication_set,
        "contacts": [{"alias": f"c{i}", "tags": dict(t)} for i, t in enumerate(tag_sets)],
        "response_plans": [
            {"name": "P", "incident": {"title": "t", "tags": dict(POLICY)}, "tags": dict(POLICY)}
        ],
    }


def test_tags_on_every_resource_are_written_once_after_the_region() -> None:
    env = lift_common_tags(_environment(POLICY, {**POLICY, "on-call": "yes"}, set_tags=POLICY))
    assert list(env)[:3] == ["account_id", "region", "default_tags"]
    assert env["default_tags"] == POLICY
    assert "tags" not in env["replication_set"]
    assert [c.get("tags") for c in env["contacts"]] == [None, {"on-call": "yes"}]
    (plan,) = env["response_plans"]
    # The incidents' tags are not the plan's: they stay.
    assert "tags" not in plan and plan["incident"]["tags"] == POLICY


def test_a_tag_missing_on_one_resource_stays_per_resource() -> None:
    # The replication set has no tags: default_tags would add them to it.
    env = lift_common_tags(_environment(POLICY, POLICY))
    assert "default_tags" not in env
    assert [c["tags"] for c in env["contacts"]] == [POLICY, POLICY]


def test_the_same_key_with_another_value_is_not_common() -> None:
    env = _environment(POLICY, {**POLICY, "team": "dba"}, set_tags=POLICY)
    assert common_tags(env) == {"cost-center": "1234"}


def test_an_existing_set_is_not_a_resource_of_the_file() -> None:
    env = _environment(POLICY)
    env["replication_set"]["existing"] = True
    assert common_tags(env) == POLICY


def test_one_resource_keeps_its_own_tags() -> None:
    env: dict[str, Any] = {
        "region": "us-east-1",
        "replication_set": {"regions": ["us-east-1"], "tags": POLICY},
    }
    assert lift_common_tags(env) is env and env["replication_set"]["tags"] == POLICY


def test_a_pair_default_tags_refuses_stays_per_resource() -> None:
    # ssm-incidents allows a space in a key; ssm-contacts does not, and default tags reach both.
    spaced = {**POLICY, "cost center": "1234"}
    env = {
        "region": "us-east-1",
        "replication_set": {"regions": ["us-east-1"], "tags": dict(spaced)},
        "response_plans": [{"name": "P", "tags": dict(spaced)}],
    }
    lifted = lift_common_tags(env)
    assert lifted["default_tags"] == POLICY
    assert lifted["response_plans"][0]["tags"] == {"cost center": "1234"}


tags = st.dictionaries(st.sampled_from("abc"), st.sampled_from("xy"), max_size=3)


@given(st.lists(tags, min_size=1, max_size=4), tags)
def test_every_resource_ends_with_the_tags_it_had(contacts: list[Any], set_tags: Any) -> None:
    env = _environment(*contacts, set_tags=set_tags)
    before = [dict(e.get("tags", {})) for e in [env["replication_set"], *env["contacts"]]]
    lifted = lift_common_tags(env)
    default = lifted.get("default_tags", {})
    after = [
        {**default, **e.get("tags", {})} for e in [lifted["replication_set"], *lifted["contacts"]]
    ]
    assert after == before
