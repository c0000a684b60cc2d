"""Tags every adopted resource carries, written once as ``default_tags``.

A tag policy puts the same tags on every resource; written per resource they repeat on every
entry, and a contact added later would lack them. With hashicorp/aws 5.100.0 an imported
resource whose tags are the provider's ``default_tags`` (and no ``tags`` of its own) plans as
an import with no change, for every type adoption writes (tests/stacks/adopt/test_make_adopt.py runs
the tagged console example through import, apply, an edit and a clean plan). A pair moves only
when every taggable resource of the file has it with the same value: ``default_tags`` would
otherwise add it where it is missing, a change on the first plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import TypeAdapter, ValidationError

from stacks.config.environment_config import DefaultTags

Json = dict[str, Any]
# Sections whose entries are resources with tags. A response plan's incident.tags are the tags
# of the incidents it opens, not of the plan: never moved.
TAGGED_SECTIONS = (
    "contacts",
    "escalation_plans",
    "rotations",
    "oncall_schedules",
    "topics",
    "runbooks",
    "runbook_roles",
    "response_plans",
    "alarms",
)
# With one resource, default_tags would only move its tags and decide for every later one.
MIN_RESOURCES = 2
_DEFAULT_TAGS: TypeAdapter[dict[str, str]] = TypeAdapter(DefaultTags)


def _tagged_entries(environment: Json) -> Iterator[Json]:
    replication_set = environment.get("replication_set", {})
    if not replication_set.get("existing"):
        yield replication_set
    for section in TAGGED_SECTIONS:
        yield from environment.get(section, [])


def _fits_default_tags(key: str, value: str) -> bool:
    """Default tags land on contacts and response plans too: both services' rules apply."""
    try:
        _DEFAULT_TAGS.validate_python({key: value})
    except ValidationError:
        return False
    return True


def common_tags(environment: Json) -> dict[str, str]:
    """The tag pairs every taggable entry of ``environment`` has (none below two entries)."""
    entries = list(_tagged_entries(environment))
    if len(entries) < MIN_RESOURCES:
        return {}
    shared = set(entries[0].get("tags", {}).items())
    for entry in entries[1:]:
        shared &= set(entry.get("tags", {}).items())
    return {k: v for k, v in sorted(shared) if _fits_default_tags(k, v)}


def lift_common_tags(environment: Json) -> Json:
    """``environment`` with its common tags as ``default_tags`` (after ``region``) and taken
    out of each entry's ``tags`` (an entry left with none has no ``tags``)."""
    common = common_tags(environment)
    if not common:
        return environment
    for entry in _tagged_entries(environment):
        own = {k: v for k, v in entry.get("tags", {}).items() if common.get(k) != v}
        if own:
            entry["tags"] = own
        else:
            entry.pop("tags", None)
    result: Json = {}
    for key, value in environment.items():
        result[key] = value
        if key == "region":
            result["default_tags"] = common
    return result
