"""The environment file's ``runbook_roles`` as constructs, and which role a runbook action
uses: a ``runbook_roles`` name, an ARN of a role managed elsewhere, or (no ``role:``) the
runbook's own role."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from constructs import Construct

from constructs_lib.runbook_role import InlinePolicy, RunbookRole, RunbookRoleProps
from stacks.config.environment_config import EnvironmentConfig, RunbookActionConfig
from stacks.config.policy_files import read_repository_policy


def build_runbook_roles(
    scope: Construct, config: EnvironmentConfig, project_root: Path
) -> dict[str, RunbookRole]:
    """One ``RunbookRole`` per ``runbook_roles`` entry (the files are checked already)."""

    def policy(relative: str) -> str:
        return read_repository_policy(project_root, relative)

    return {
        role.name: RunbookRole(
            scope,
            f"runbook-role-{role.name}",
            RunbookRoleProps(
                name=role.name,
                trust_policy=policy(role.trust_policy),
                path=role.path,
                description=role.description,
                max_session_duration=role.max_session_duration,
                permissions_boundary=role.permissions_boundary,
                inline_policies=[
                    InlinePolicy(name=p.name, document=policy(p.document))
                    for p in role.inline_policies
                ],
                managed_policy_arns=role.managed_policies,
                tags=role.tags,
            ),
        )
        for role in config.runbook_roles
    }


def action_role_arn(action: RunbookActionConfig, roles: Mapping[str, RunbookRole]) -> str | None:
    """The role ARN an action names, or None for the runbook's own role."""
    if action.role is None:
        return None
    if action.role.startswith("arn:"):
        return action.role
    return roles[action.role].role_arn
