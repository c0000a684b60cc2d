"""Files an environment file points at besides runbook documents: IAM policies (a runbook role's
trust and inline policies) and SNS topic policies, all JSON.

A path must stay inside the repository (an environment file must not make the tool read other
files). The text goes to Terraform as the file holds it (minus a leading byte-order mark): the
provider compares policies by meaning, so spacing and key order never show as changes, and a
reviewer sees the same text in git and in the plan.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from constructs_lib.runbook_document import not_utf8

POLICY_EXAMPLE = '(e.g. {"Version": "2012-10-17", "Statement": [...]})'
# Where adopt writes an environment's policies (stacks/policies/<env>/).
POLICIES_DIR = PurePosixPath("stacks") / "policies"


def repository_path(project_root: Path, relative: str) -> Path | None:
    """The file ``relative`` names, or None when it leaves the repository (absolute, ``..``, a
    link pointing out)."""
    root = project_root.resolve()
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) else None


def read_policy_file(path: Path, shown: str) -> str:
    """The policy's text; ``ValueError`` naming the file as ``shown`` when it is missing,
    unreadable, not UTF-8 or not a JSON policy document."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValueError(
            f"{shown!r} does not exist (a JSON policy file, relative to the repository root)"
        ) from None
    except OSError as error:
        raise ValueError(f"cannot read {shown!r}: {error.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{shown!r}: {not_utf8(data, error)}") from None
    try:
        policy = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{shown!r} is not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), list | dict):
        raise ValueError(
            f"{shown!r} is not a policy document: a JSON object with a Statement {POLICY_EXAMPLE}"
        )
    return text


def read_repository_policy(project_root: Path, relative: str) -> str:
    """The policy file ``relative`` of an environment (checked when it was loaded); a path
    leaving the repository is refused here too, unread."""
    path = repository_path(project_root, relative)
    if path is None:
        raise ValueError(f"policy file {relative!r} is outside the repository")
    return read_policy_file(path, relative)


def policy_file_text(policy: Any) -> str:
    """A policy as adopt writes it: AWS's JSON (botocore decodes IAM's URL-encoded text) in
    AWS's key order, indented for review; the provider compares policies by meaning."""
    return json.dumps(policy, indent=2, ensure_ascii=False) + "\n"


def policy_file_problem(project_root: Path, relative: str, example: str) -> str | None:
    """Why the policy file ``relative`` cannot be used, if so; ``example`` is a path to suggest
    (e.g. ``stacks/policies/<env>/<topic>.topic-policy.json``)."""
    path = repository_path(project_root, relative)
    if path is None:
        return (
            f"{relative!r} is outside the repository; give a path inside it, relative to the "
            f"repository root (e.g. {example})"
        )
    try:
        read_policy_file(path, relative)
    except ValueError as error:
        return str(error)
    return None
