"""`changed-stacks` on many accounts (issue 21, item 4): 30 generated environments in 10
accounts, in a temporary git repository (a copy of the app, never stacks/environments/).

One base commit holds the 30; the working tree then changes some of them the ways a pull
request does. Both sides are synthesized once (the expensive part, ~2 x 5 s), and the matrix
must list exactly the stacks whose synthesized files differ, each once: an edited environment,
a new one, and the environments that share an account with an edited replication set owner
only when their own stack changes (they refer to the set, they do not copy it).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stacks.commands.changed_stacks import (
    ChangedStacksError,
    changed_stacks,
    matrix,
    touches_synthesis,
)
from stacks.layout import PROJECT_ROOT

ACCOUNTS = 10
PER_ACCOUNT = 3
COPIED = ("main.py", "cdktf.json", "requirements.txt")
COPIED_FOLDERS = ("constructs_lib", "stacks")


def environment_name(account: int, index: int) -> str:
    return f"team{account:02d}-{('prod', 'stage', 'dev')[index]}"


def environment_file(account: int, index: int, minute: int = 5) -> str:
    """One small environment; the first of each account creates the replication set, the others
    refer to it (one set per account). Aliases are unique per account."""
    name = environment_name(account, index)
    replication = (
        "replication_set:\n  regions: [us-east-1]\n  prevent_destroy: false\n"
        if index == 0
        else "replication_set:\n  existing: true\n  regions: [us-east-1]\n"
    )
    return (
        f'account_id: "{100000000000 + account:012d}"\n'
        "region: us-east-1\n"
        f"{replication}"
        "contacts:\n"
        f"  - alias: {name}-oncall\n"
        "    channels:\n"
        f"      - {{name: email, type: EMAIL, address: {name}@example.com}}\n"
        "    engagement:\n"
        "      - {channel: email, at_minute: 0}\n"
        f"  - alias: {name}-lead\n"
        "    channels:\n"
        f"      - {{name: email, type: EMAIL, address: lead-{name}@example.com}}\n"
        "    engagement:\n"
        f"      - {{channel: email, at_minute: {minute}}}\n"
    )


def git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app with 30 generated environments committed, in a git repository of its own."""
    root = tmp_path_factory.mktemp("many-accounts") / "repo"
    root.mkdir()
    for name in COPIED:
        shutil.copy2(PROJECT_ROOT / name, root / name)
    for name in COPIED_FOLDERS:
        shutil.copytree(
            PROJECT_ROOT / name,
            root / name,
            ignore=shutil.ignore_patterns("__pycache__", "environments", "adopted"),
        )
    environments = root / "stacks" / "environments"
    environments.mkdir()
    for account in range(ACCOUNTS):
        for index in range(PER_ACCOUNT):
            path = environments / f"{environment_name(account, index)}.yaml"
            path.write_text(environment_file(account, index), encoding="utf-8")
    (root / ".gitignore").write_text("cdktf.out/\n__pycache__/\n", encoding="utf-8")
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    return root


def test_thirty_environments_each_changed_stack_listed_once(repo: Path) -> None:
    environments = repo / "stacks" / "environments"
    edited = {environment_name(a, i) for a, i in ((0, 0), (3, 1), (3, 2), (7, 0), (9, 2))}
    for name in edited:
        account, index = int(name[4:6]), ("prod", "stage", "dev").index(name.split("-")[1])
        path = environments / f"{name}.yaml"
        path.write_text(environment_file(account, index, minute=15), encoding="utf-8")
    # A comment changes no synthesized file: not planned.
    commented = environments / f"{environment_name(5, 1)}.yaml"
    commented.write_text("# reviewed\n" + commented.read_text(encoding="utf-8"), "utf-8")
    # A new environment (untracked) in an existing account, and one removed.
    (environments / "team04-sandbox.yaml").write_text(
        environment_file(4, 2).replace("team04-dev", "team04-sandbox"), encoding="utf-8"
    )
    (environments / f"{environment_name(8, 2)}.yaml").unlink()

    changed, removed = changed_stacks(repo, "main")

    expected = sorted(f"incident-manager-{n}" for n in (*edited, "team04-sandbox"))
    assert changed == expected
    assert removed == [f"incident-manager-{environment_name(8, 2)}"]
    entries = matrix(changed)["include"]
    assert len(entries) == len({e["stack"] for e in entries}) == 6
    assert all(e["stack"] == f"incident-manager-{e['env']}" for e in entries)


def test_only_files_synthesis_reads_can_change_a_stack(repo: Path) -> None:
    assert touches_synthesis(["stacks/environments/a.yaml"])
    assert touches_synthesis(["constructs_lib/provisioners/x.py"])
    assert touches_synthesis(["requirements.txt", "README.md"])
    assert not touches_synthesis(["README.md", "docs/ci.md", ".github/workflows/x.yml"])
    assert not touches_synthesis(["tests/stacks/x.py", "stacks.md"])
    # Without a synth: a commit of docs only lists nothing, at once.
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "edits")
    (repo / "docs").mkdir()
    (repo / "docs" / "ci.md").write_text("# CI\n", encoding="utf-8")
    assert changed_stacks(repo, "HEAD") == ([], [])


def test_a_ref_that_is_not_a_commit_is_named(repo: Path) -> None:
    with pytest.raises(ChangedStacksError, match="'no-such-ref' is not a commit"):
        changed_stacks(repo, "no-such-ref")


def test_the_command_prints_a_matrix_and_exit_2_for_a_bad_ref() -> None:
    command = [sys.executable, "main.py", "changed-stacks", "--base"]
    bad = subprocess.run(
        [*command, "no-such-ref"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2, bad.stderr
    assert bad.stderr == (
        "changed-stacks: --base: 'no-such-ref' is not a commit in this repository\n"
    )
    assert "Traceback" not in bad.stderr
