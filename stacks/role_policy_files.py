"""Read an IAM policy file of a runbook role (its trust policy or an inline policy).

The text goes to Terraform as the file holds it (minus a leading byte-order mark): the provider
compares policies by meaning, so spacing and key order never show as changes, and a reviewer
sees the same text in git and in the plan. The file must be a JSON object with a ``Statement``.
"""

from __future__ import annotations

import json
from pathlib import Path

from constructs_lib.runbook_document import not_utf8


def read_policy_file(path: Path, shown: str) -> str:
    """The policy's text; ``ValueError`` naming the file as ``shown`` when it cannot be read,
    is not UTF-8 or is not a JSON policy."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(f"{shown}: cannot read policy file ({error.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{shown}: {not_utf8(data, error)}") from None
    try:
        policy = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{shown}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(policy, dict) or "Statement" not in policy:
        raise ValueError(
            f"{shown}: an IAM policy is a JSON object with a Statement "
            '(e.g. {"Version": "2012-10-17", "Statement": [...]})'
        )
    return text
