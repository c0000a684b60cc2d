"""The everyday changes people make to an environment file, applied to any environment: add a
contact with a channel, add an escalation stage, change a rotation's members, change a response
plan's impact and engagements. Each is made only where the environment has the thing it
changes; ``Edits`` says which were made, so the tests expect exactly those. ``unexplained``
tells an edit apart from anything else in a planned change of an edited resource."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from stacks.config.environment_loader import environment_files

# Suffixed with the environment's name: environments of one account may not share an alias.
ADDED_ALIAS = "deploy-test-added"
ADDED_CHANNEL = "added email"
Json = dict[str, Any]
# A ``${...}`` reference (or a list of them) -> the value it had.
Resolver = Callable[[Any], Any]


@dataclass
class Edits:
    """What was changed in one environment file."""

    contact_added: str = ""
    escalation_stage_added_to: str = ""
    rotation_members_changed: str = ""
    response_plan_changed: str = ""
    notes: list[str] = field(default_factory=list)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    return yaml


def change_environment(text: str, environment: str) -> tuple[str, Edits]:
    """``text`` (an environment file) with every applicable everyday change made."""
    yaml = _yaml()
    document: Any = yaml.load(text)
    edits = Edits()
    added = f"{ADDED_ALIAS}-{environment}"
    document.setdefault("contacts", []).append(
        {
            "alias": added,
            "display_name": "Deploy Test Added",
            "channels": [{"name": ADDED_CHANNEL, "type": "EMAIL", "address": "added@example.com"}],
            "engagement": [{"channel": ADDED_CHANNEL, "at_minute": 0}],
        }
    )
    edits.contact_added = added
    plans = document.get("escalation_plans") or []
    if plans:
        plans[0]["stages"].append({"duration_minutes": 5, "targets": [{"contact": added}]})
        edits.escalation_stage_added_to = str(plans[0]["alias"])
    rotations = document.get("rotations") or []
    if rotations:
        rotations[0]["contacts"].append(added)
        edits.rotation_members_changed = str(rotations[0]["name"])
    response_plans = document.get("response_plans") or []
    if response_plans:
        incident = response_plans[0]["incident"]
        incident["impact"] = "high" if incident.get("impact") != "high" else "low"
        response_plans[0].setdefault("engagements", []).append(added)
        edits.response_plan_changed = str(response_plans[0]["name"])
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue(), edits


def changed_project(project_root: Path, destination: Path) -> tuple[Path, dict[str, Edits]]:
    """A minimal project tree at ``destination`` (environment files and runbooks) whose
    environment files carry the everyday changes; the edits per environment."""
    environments = destination / "stacks" / "environments"
    environments.mkdir(parents=True)
    shutil.copytree(project_root / "stacks" / "runbooks", destination / "stacks" / "runbooks")
    edits: dict[str, Edits] = {}
    for path in environment_files(project_root).values():
        text, made = change_environment(path.read_text(encoding="utf-8"), path.stem)
        (environments / path.name).write_text(text, encoding="utf-8")
        edits[path.stem] = made
    return destination, edits


def edited_addresses(original: Json, changed: Json) -> list[str]:
    """Resources both stacks declare whose synthesized bodies differ (what the edits change)."""
    found = []
    for kind, by_name in original.get("resource", {}).items():
        for name, body in by_name.items():
            other = changed.get("resource", {}).get(kind, {}).get(name)
            if other is not None and other != body:
                found.append(f"{kind}.{name}")
    return sorted(found)


def unexplained(change: Json, original: Json, changed: Json, resolve: Resolver) -> list[str]:
    """Where a planned change of an edited resource (``terraform show -json``'s ``change``)
    is not the edit: ``before`` is what the resource reads back, ``after`` the changed body
    planned; ``original`` and ``changed`` are the resource's synthesized bodies. Attributes the
    edit leaves alone must plan no change; items the edit appends to a list must leave the
    items before them as they read back; a value (or a block's value) the edit changes must
    change from what the original body gives (``resolve`` turns a ``${...}`` reference into the
    value it had) to the new one, and nothing else in the block. [] when the change is the edit
    alone."""
    before, after = change.get("before") or {}, change.get("after") or {}
    unknown = change.get("after_unknown") or {}
    found = []
    for key in sorted(set(before) | set(after)):
        was, now = original.get(key), changed.get(key)
        old, new, hidden = before.get(key), after.get(key), unknown.get(key) is True
        if was == now:
            if hidden or old != new:
                found.append(f"{key}: {old!r} -> {'(known after apply)' if hidden else new!r}")
        elif isinstance(was, list) and isinstance(now, list) and now[: len(was)] == was:
            if hidden:
                # A set with an unknown item is unknown as a whole: what it held must be what
                # the original body says.
                if sorted(map(str, old or [])) != sorted(map(str, resolve(was))):
                    found.append(f"{key}: reads back {old!r}, configured {resolve(was)!r}")
            elif not (
                isinstance(old, list)
                and isinstance(new, list)
                and (len(old), len(new)) == (len(was), len(now))
                and new[: len(old)] == old
            ):
                found.append(f"{key}: {old!r} -> {new!r} is not {len(now) - len(was)} appended")
        elif not isinstance(was, (dict, list)) and not isinstance(now, (dict, list)):
            if (old, new) != (resolve(was), resolve(now)):
                found.append(
                    f"{key}: {old!r} -> {new!r}, configured {resolve(was)!r} -> {resolve(now)!r}"
                )
        elif _block(was) is not None and _block(now) is not None:
            found.extend(
                _block_changes(key, old, new, _block(was) or {}, _block(now) or {}, resolve)
            )
        else:
            found.append(f"{key}: an edit this check does not know ({was!r} -> {now!r})")
    return found


def _block(body: Any) -> Json | None:
    """A single nested block as synthesized (an object, or a list of one object)."""
    if isinstance(body, dict):
        return body
    if isinstance(body, list) and len(body) == 1 and isinstance(body[0], dict):
        return dict(body[0])
    return None


def _block_changes(  # noqa: PLR0917 - one caller
    key: str, old: Any, new: Any, was: Json, now: Json, resolve: Resolver
) -> list[str]:
    olds, news = _block(old), _block(new)
    if olds is None or news is None:
        return [f"{key}: {old!r} -> {new!r} is not one block"]
    found = []
    for inner in sorted(set(olds) | set(news)):
        left, right = olds.get(inner), news.get(inner)
        if was.get(inner) == now.get(inner):
            if left != right:
                found.append(f"{key}.{inner}: {left!r} -> {right!r}")
        elif (left, right) != (resolve(was.get(inner)), resolve(now.get(inner))):
            found.append(
                f"{key}.{inner}: {left!r} -> {right!r}, configured "
                f"{resolve(was.get(inner))!r} -> {resolve(now.get(inner))!r}"
            )
    return found
