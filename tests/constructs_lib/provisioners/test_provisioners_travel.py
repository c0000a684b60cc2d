"""What lets the provisioners travel with their stack: their package imports nothing but the
standard library, boto3/botocore and its own modules (relatively, so that the copy synthesis puts
in a stack directory runs under its own name), and that copy runs from the stack directory alone.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from constructs_lib.provisioners.contract import (
    COVERAGE_MODULE,
    EXIT_BAD_INPUT,
    PACKAGE_IN_STACK,
    SCHEDULE_MODULE,
    SCHEDULE_VARIABLE,
)
from stacks.stack.synthesize import provisioner_sources

# What a machine that applies a stack directory has besides the standard library.
ALLOWED_THIRD_PARTY = {"boto3", "botocore"}


def foreign_imports(source: Path) -> list[str]:
    """Every import of ``source`` that is not the standard library, boto3/botocore or a
    relative import, as ``file:line: module``."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            continue
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top not in ALLOWED_THIRD_PARTY:
                found.append(f"{source.name}:{node.lineno}: {name}")
    return found


def test_the_package_imports_only_the_standard_library_boto3_and_itself() -> None:
    sources = provisioner_sources()
    assert {s.name for s in sources} >= {f"{SCHEDULE_MODULE}.py", f"{COVERAGE_MODULE}.py"}
    assert [line for source in sources for line in foreign_imports(source)] == []


def test_the_import_check_names_an_absolute_import_of_the_app(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text(
        "import json\nfrom . import contract\nfrom stacks.layout import X\nimport cdktf\n",
        encoding="utf-8",
    )
    assert foreign_imports(module) == ["bad.py:3: stacks.layout", "bad.py:4: cdktf"]


def test_the_copy_in_a_synthesized_stack_is_byte_identical(synthesized_examples: Path) -> None:
    stacks = sorted((synthesized_examples / "stacks").iterdir())
    assert stacks
    expected = {s.name: s.read_bytes() for s in provisioner_sources()}
    for stack in stacks:
        package = stack / PACKAGE_IN_STACK
        copied = {p.name: p.read_bytes() for p in package.iterdir()}
        assert copied == expected, stack.name


def test_the_copy_runs_from_a_stack_directory_moved_anywhere(
    synthesized_examples: Path, tmp_path: Path
) -> None:
    """Under its own name, with no checkout on the path: the module loads every sibling it
    imports and answers bad input with its own exit code."""
    moved = tmp_path / "elsewhere"
    shutil.copytree(synthesized_examples / "stacks" / "incident-manager-dev", moved)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "IM_PYTHON")}
    env[SCHEDULE_VARIABLE] = json.dumps({"arn": "x"})
    result = subprocess.run(
        [sys.executable, "-m", f"{PACKAGE_IN_STACK}.{SCHEDULE_MODULE}", "create"],
        cwd=moved,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == EXIT_BAD_INPUT, result.stderr
    assert result.stderr == (
        f"on-call schedule: {SCHEDULE_VARIABLE}: missing alias, region, account_id\n"
    )
