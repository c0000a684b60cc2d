"""Rules across environments that share an AWS account.

Each environment file is checked on its own first; these rules need every file of one account
side by side. The replication set is one per account, so exactly one environment of an account
creates it and the others refer to it (``existing: true``) with regions it has. Names AWS keeps
once per account (or per account and region) must differ between the environments too:
otherwise the second apply fails, or two stacks take turns changing one object. Each problem is
reported at the later file and names the earlier file, line and field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from constructs_lib.runbook_document import own_role_name
from stacks.config.config_errors import ConfigProblem, Loc, format_path
from stacks.config.environment_checks import runbooks_with_own_role
from stacks.config.environment_config import EnvironmentConfig
from stacks.config.topic_alarm_checks import alarm_region

LineOf = Callable[[str, Loc], int]


@dataclass(frozen=True)
class AccountMember:
    """One environment file as these rules see it: where it is and its valid config."""

    shown_path: str
    config: EnvironmentConfig


@dataclass(frozen=True)
class _Name:
    """A name one environment gives an AWS object, in the space where AWS keeps it unique."""

    space: tuple[str, ...]
    name: str
    kind: str
    loc: Loc
    # How the message names it where it is given (a runbook's own role is named for it).
    subject: str = ""

    @property
    def shown(self) -> str:
        return self.subject or repr(self.name)


# What each name space is, in the words of the message.
SPACES = {
    "alias": "contact, escalation plan and on-call schedule aliases are unique in an account",
    "rotation": "AWS tells rotations apart by ID, but people (the console, adoption) tell "
    "them apart by name, so rotation names differ within an account",
    "response plan": "response plan names are unique in an account",
    "runbook": "SSM document names are unique in an account and region",
    "role": "IAM role names are unique in an account",
    "topic": "SNS topic names are unique in an account and region",
    "alarm": "alarm names are unique in an account and region",
}


def _names(config: EnvironmentConfig) -> Iterator[_Name]:
    account, region = config.account_id, config.region
    for section, kind in (
        ("contacts", "a contact alias"),
        ("escalation_plans", "an escalation plan alias"),
        ("oncall_schedules", "an on-call schedule alias"),
    ):
        for index, entry in enumerate(getattr(config, section)):
            yield _Name(("alias", account), entry.alias, kind, (section, index, "alias"))
    for index, rotation in enumerate(config.rotations):
        yield _Name(
            ("rotation", account), rotation.name, "a rotation name", ("rotations", index, "name")
        )
    for index, plan in enumerate(config.response_plans):
        loc: Loc = ("response_plans", index, "name")
        yield _Name(("response plan", account), plan.name, "a response plan name", loc)
    own_roles = runbooks_with_own_role(config)
    for index, runbook in enumerate(config.runbooks):
        loc = ("runbooks", index, "name")
        yield _Name(("runbook", account, region), runbook.name, "a runbook name", loc)
        if runbook.name in own_roles:
            role = own_role_name(runbook.name)
            kind = f"the role runbook {runbook.name!r} creates"
            yield _Name(("role", account), role, kind, loc, f"its role {role!r}")
    for index, role_config in enumerate(config.runbook_roles):
        loc = ("runbook_roles", index, "name")
        yield _Name(("role", account), role_config.name, "a runbook role name", loc)
    for index, topic in enumerate(config.topics):
        yield _Name(
            ("topic", account, region), topic.name, "a topic name", ("topics", index, "name")
        )
    for index, alarm in enumerate(config.alarms):
        space = ("alarm", account, alarm_region(config, alarm))
        yield _Name(space, alarm.name, "an alarm name", ("alarms", index, "name"))


def _place(member: AccountMember, loc: Loc, line_of: LineOf) -> str:
    return f"{member.shown_path}:{line_of(member.shown_path, loc)} ({format_path(loc)})"


def check_shared_accounts(
    members: Sequence[AccountMember], line_of: LineOf, reported: Callable[[str], bool]
) -> list[ConfigProblem]:
    """Every problem between environments of one account, in file order; ``reported`` says
    whether a problem of that file is wanted (files not asked for are compared, not blamed)."""
    problems: list[ConfigProblem] = []

    def add(member: AccountMember, other: AccountMember, loc: Loc, message: str) -> None:
        if reported(member.shown_path) or reported(other.shown_path):
            path = format_path(loc)
            line = line_of(member.shown_path, loc)
            problems.append(ConfigProblem(member.shown_path, line, path, message))

    accounts: dict[str, list[AccountMember]] = {}
    for member in members:
        accounts.setdefault(member.config.account_id, []).append(member)
    for account, group in accounts.items():
        if len(group) < 2:
            continue
        for member, other, loc, message in _replication_set_problems(account, group, line_of):
            add(member, other, loc, message)
        first: dict[tuple[tuple[str, ...], str], tuple[AccountMember, _Name]] = {}
        for member in group:
            seen_here: set[tuple[tuple[str, ...], str]] = set()
            for name in _names(member.config):
                key = (name.space, name.name)
                if key in seen_here:
                    continue  # a repeat within one file is reported by that file's checks
                seen_here.add(key)
                if key not in first:
                    first[key] = (member, name)
                    continue
                other, earlier = first[key]
                where = "" if len(name.space) < 3 else f" in {name.space[2]}"
                add(
                    member,
                    other,
                    name.loc,
                    f"{name.shown} is also {earlier.kind} in {_place(other, earlier.loc, line_of)}"
                    f", and both files deploy to account {account}{where}; "
                    f"{SPACES[name.space[0]]}: rename one",
                )
    return problems


def _replication_set_problems(
    account: str, group: list[AccountMember], line_of: LineOf
) -> Iterator[tuple[AccountMember, AccountMember, Loc, str]]:
    creators = [m for m in group if not m.config.replication_set.existing]
    if not creators:
        # Every file refers to a set created outside them (the console, an adopted account):
        # nothing here can tell which regions it has.
        return
    creator = creators[0]
    for member in creators[1:]:
        yield (
            member,
            creator,
            ("replication_set",),
            f"account {account} has one replication set, and "
            f"{_place(creator, ('replication_set',), line_of)} creates it already; write "
            "existing: true here (or there): exactly one environment of an account creates it",
        )
    regions = creator.config.replication_set.regions
    for member in group:
        if not member.config.replication_set.existing:
            continue
        for index, region in enumerate(member.config.replication_set.regions):
            if region not in regions:
                loc: Loc = ("replication_set", "regions", index)
                yield (
                    member,
                    creator,
                    loc,
                    f"{region!r} is not a region of the replication set that "
                    f"{_place(creator, ('replication_set', 'regions'), line_of)} creates "
                    f"({', '.join(regions)})",
                )
