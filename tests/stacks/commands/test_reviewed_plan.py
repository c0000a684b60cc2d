"""reviewed-plan: the merge applies only the changes the pull request's plan showed."""

from __future__ import annotations

from typing import Any

from stacks.commands.reviewed_plan import changes, differences


def plan(*entries: tuple[str, list[str], dict[str, Any]]) -> dict[str, Any]:
    return {
        "resource_changes": [
            {"address": a, "change": {"actions": act, "after": after, "after_unknown": {}}}
            for a, act, after in entries
        ]
    }


def test_the_same_changes_pass_and_no_ops_do_not_count() -> None:
    reviewed = plan(("a", ["update"], {"n": 10}), ("b", ["no-op"], {"n": 1}))
    checked = plan(("a", ["update"], {"n": 10}), ("b", ["no-op"], {"n": 2}))
    assert differences(changes(reviewed), changes(checked)) == []


def test_each_difference_is_named() -> None:
    reviewed = plan(("a", ["update"], {"n": 10}), ("b", ["create"], {}), ("c", ["update"], {}))
    checked = plan(
        ("a", ["update"], {"n": 11}), ("c", ["delete", "create"], {}), ("d", ["delete"], {})
    )
    assert differences(changes(reviewed), changes(checked)) == [
        "a: update with other values",
        "b: reviewed create, no longer planned",
        "c: reviewed update, now delete/create",
        "d: delete, not in the reviewed plan",
    ]
