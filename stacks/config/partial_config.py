"""Validate an environment file that has mistakes, and still check everything else in it.

pydantic names every field-level mistake in one pass, but the checks across entries (references,
unique names, quotas) need a valid config. So the parts that failed are set aside, as small as
they can be: an unknown key, then an invalid optional value, then (only when a required value
is what failed) the entry holding it, climbing until the rest validates. An unknown key alone
costs nothing else of its entry, so a misspelt key and a bad reference in one contact are both
reported in the first run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from stacks.config.config_errors import Loc
from stacks.config.environment_config import EnvironmentConfig
from stacks.config.pydantic_messages import clean_loc, message_for

# Each round removes at least one level; the model is at most 8 levels deep.
MAX_ROUNDS = 12
NAME_KEYS = ("alias", "name")


@dataclass
class _Pruned:
    """A plain copy of the file's data from which failed parts are removed, remembering each
    list item's index in the file."""

    data: Any
    origins: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, data: Any) -> _Pruned:
        pruned = cls(None)
        pruned.data = pruned._copy(data)
        return pruned

    def _copy(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {key: self._copy(value) for key, value in node.items()}
        if isinstance(node, list):
            items = [self._copy(item) for item in node]
            self.origins[id(items)] = list(range(len(items)))
            return items
        return node

    def original_loc(self, loc: Loc) -> Loc:
        """``loc`` in the pruned data -> the same place in the file."""
        out: list[str | int] = []
        node = self.data
        for index, part in enumerate(loc):
            if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                out.append(self.origins[id(node)][part])
                node = node[part]
            elif isinstance(node, dict) and part in node:
                out.append(part)
                node = node[part]
            else:
                return (*out, *loc[index:])
        return tuple(out)

    def remove(self, locs: list[Loc]) -> None:
        """Remove every node at ``locs`` (pruned coordinates, all resolved before any change)."""
        dict_keys: list[tuple[dict[Any, Any], Any]] = []
        list_items: dict[int, tuple[list[Any], set[int]]] = {}
        for loc in locs:
            parent = _node_at(self.data, loc[:-1])
            part = loc[-1]
            if isinstance(parent, dict) and part in parent:
                dict_keys.append((parent, part))
            elif isinstance(parent, list) and isinstance(part, int) and 0 <= part < len(parent):
                list_items.setdefault(id(parent), (parent, set()))[1].add(part)
        for mapping, key in dict_keys:
            mapping.pop(key, None)
        for items, indices in list_items.values():
            origins = self.origins[id(items)]
            for index in sorted(indices, reverse=True):
                del items[index]
                del origins[index]


def _node_at(data: Any, loc: Loc) -> Any:
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_dict or in_list):
            return None
        node = node[part]
    return node


def _names_in(node: Any, last: str | int | None) -> Iterator[str]:
    """Names a removed part defined: its own alias or name, or itself if it is one."""
    if isinstance(node, dict):
        yield from (str(node[key]) for key in NAME_KEYS if isinstance(node.get(key), str))
    elif last in NAME_KEYS and isinstance(node, str):
        yield node


def _within(loc: Loc, ancestor: Loc) -> bool:
    return loc[: len(ancestor)] == ancestor


@dataclass(frozen=True)
class PartialConfig:
    """The config without the parts that failed, and how to map its locations to the file's."""

    config: EnvironmentConfig
    invalid_names: frozenset[str]
    pruned: _Pruned

    def original_loc(self, loc: Loc) -> Loc:
        return self.pruned.original_loc(loc)


@dataclass(frozen=True)
class Validated:
    """Every schema problem of a file (locations as in the file), and the config of the rest;
    ``partial`` is None when a required top-level setting itself failed."""

    problems: list[tuple[Loc, str]]
    partial: PartialConfig | None


def validate_partially(data: dict[str, Any]) -> Validated:
    """Validate ``data``; on failure set aside what failed until the rest validates."""
    pruned = _Pruned.of(data)
    problems: list[tuple[Loc, str]] = []
    removed: list[tuple[Loc, bool]] = []  # file location, and whether it was an unknown key
    names: set[str] = set()
    for round_number in range(MAX_ROUNDS):
        try:
            config = EnvironmentConfig.model_validate(pruned.data)
        except ValidationError as error:
            details = error.errors()
        else:
            return Validated(problems, PartialConfig(config, frozenset(names), pruned))
        targets: list[Loc] = []
        for detail in details:
            loc = clean_loc(detail, pruned.data)
            original = pruned.original_loc(loc)
            if round_number == 0 or _uncovered(detail, original, removed):
                problems.append((original, message_for(detail, EnvironmentConfig, loc)))
            target = loc[:-1] if detail["type"] == "missing" else loc
            if not target or (len(target) == 1 and _required(str(target[0]))):
                return Validated(problems, None)
            targets.append(target)
            original_target = pruned.original_loc(target)
            removed.append((original_target, detail["type"] == "extra_forbidden"))
            names.update(_names_in(_node_at(data, original_target), original_target[-1]))
        pruned.remove(targets)
    return Validated(problems, None)


def _uncovered(detail: ErrorDetails, loc: Loc, removed: list[tuple[Loc, bool]]) -> bool:
    """A problem that appears only once other parts were set aside is the file's own (and
    reported) when nothing but unknown keys was set aside within it: e.g. a 0-minute stage
    without targets whose ``target:`` key is misspelt. Otherwise it follows from the removal
    (a channel whose invalid address was set aside "needs an address")."""
    if detail["type"] == "missing":
        return False
    return all(extra for where, extra in removed if _within(where, loc))


def _required(top_level_key: str) -> bool:
    field_info = EnvironmentConfig.model_fields.get(top_level_key)
    return field_info is not None and field_info.is_required()
