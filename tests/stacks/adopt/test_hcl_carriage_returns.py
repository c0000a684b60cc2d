"""The HCL export keeps a string's carriage returns (stacks/stack/hcl_strings.py): a runbook
document adopted with Windows line endings (the console's JSON editor saves them) planned as changed
after `make synth-hcl` (found by test_make_adopt.py's account; its HCL plan proves the fix with
Terraform)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from stacks.stack.hcl_strings import keep_carriage_returns, quoted, strings_with_carriage_returns

DOCUMENT = '{\r\n    "schemaVersion": "0.3",\r\n    "x": "${not a reference} %{ nor this }"\r\n}'


def test_only_strings_with_a_carriage_return_are_found() -> None:
    stack = {"resource": {"aws_ssm_document": {"a": {"content": DOCUMENT, "name": "a\nb"}}}}
    assert list(strings_with_carriage_returns(stack)) == [DOCUMENT]


def test_a_heredoc_cdktf_wrote_becomes_the_exact_quoted_string() -> None:
    # What cdktf 0.21's renderer writes: the lines split at \r\n and joined with \n.
    rendered = "content = <<EOF\n" + DOCUMENT.replace("\r\n", "\n") + "\nEOF\nname = <<EOF\na\nEOF"
    kept = keep_carriage_returns(rendered, [DOCUMENT])
    assert kept == (
        'content = "{\\r\\n    \\"schemaVersion\\": \\"0.3\\",\\r\\n    \\"x\\": '
        '\\"$${not a reference} %%{ nor this }\\"\\r\\n}"\nname = <<EOF\na\nEOF'
    )


def test_quoting_escapes_what_hcl_would_read_otherwise() -> None:
    assert quoted('a\\b"\t') == '"a\\\\b\\"\\t"'


@pytest.mark.slow
def test_terraform_reads_the_quoted_string_back_exactly(tmp_path: Path) -> None:
    # `terraform console` in an empty folder: no provider, no state; the string as JSON.
    done = subprocess.run(
        ["terraform", "console"],
        cwd=tmp_path,
        input=f"jsonencode({quoted(DOCUMENT)})\n",
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(json.loads(done.stdout)) == DOCUMENT
