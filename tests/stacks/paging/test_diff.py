"""`main.py preview-diff`: a git repository holding the fixtures, a change, and the Markdown."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_main
from tests.stacks.paging.fixtures import fixture_path, project_with

AT = "2026-11-23T10:00Z"


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = project_with(tmp_path, ["prod"])
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def edit(root: Path, old: str, new: str) -> None:
    path = root / "stacks" / "environments" / "prod.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_longer_first_stage_and_a_later_rotation_start_in_words(project: Path) -> None:
    edit(
        project,
        "      - duration_minutes: 5\n        targets:\n          - contact: incident-responder",
        "      - duration_minutes: 10\n        targets:\n          - contact: incident-responder",
    )
    edit(project, '"2026-01-05T09:00:00-08:00"', '"2026-01-12T09:00:00-08:00"')
    result = run_main(project, "preview-diff", "prod", "--base", "HEAD", "--at", AT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "### Paging changes in `prod` (HEAD → working tree)",
        "",
        "An incident opening 2026-11-23 10:00 UTC that nobody acknowledges; on-call calendar for "
        "4 weeks from then.",
        "",
        "**Who is paged when**",
        "",
        "- **EC2HighCPU**: sr-incident-responder is now paged at minutes 10, 15 instead of 5, 10",
        "- **EC2HighCPU**: an acknowledgement by sr-incident-responder now stops "
        "app-escalation-plan from minute 10 instead of 5",
        "",
        "**Who is on call**",
        "",
        "- **app-responders-weekly**: Mon 2026-11-23 02:00 to Mon 2026-11-23 09:00 "
        "(America/Los_Angeles): incident-responder instead of sr-incident-responder",
        "- **app-responders-weekly**: Mon 2026-11-23 09:00 to Mon 2026-11-30 09:00 "
        "(America/Los_Angeles): sr-incident-responder instead of incident-responder",
        "- **app-responders-weekly**: Mon 2026-11-30 09:00 to Mon 2026-12-07 09:00 "
        "(America/Los_Angeles): incident-responder instead of sr-incident-responder",
        "- **app-responders-weekly**: Mon 2026-12-07 09:00 to Mon 2026-12-14 09:00 "
        "(America/Los_Angeles): sr-incident-responder instead of incident-responder",
        "- **app-responders-weekly**: Mon 2026-12-14 09:00 to Mon 2026-12-21 02:00 "
        "(America/Los_Angeles): incident-responder instead of sr-incident-responder",
    ]


def test_one_page_moved_reads_like_the_issue_asks(project: Path) -> None:
    # The senior's e-mail at minute 5 of their plan: both their pages now at 5 + 5 = 10.
    edit(
        project,
        "      - channel: sr incident responder email\n        at_minute: 0",
        "      - channel: sr incident responder email\n        at_minute: 5",
    )
    result = run_main(project, "preview-diff", "prod", "--base", "HEAD", "--at", AT)
    assert "- **EC2HighCPU**: sr-incident-responder is now paged at minute 10 instead of 5, 10" in (
        result.stdout
    )


def test_no_change_says_so(project: Path) -> None:
    result = run_main(project, "preview-diff", "prod", "--base", "HEAD", "--at", AT)
    assert result.returncode == 0
    assert result.stdout.endswith("No change to who is paged when, or to who is on call.\n")


def test_an_environment_new_since_base_is_all_new(project: Path) -> None:
    shutil.copy2(fixture_path("staging"), project / "stacks" / "environments" / "staging.yaml")
    result = run_main(project, "preview-diff", "staging", "--base", "HEAD", "--at", AT)
    assert result.returncode == 0, result.stderr
    assert "does not exist in HEAD: everything is new." in result.stdout
    assert "- **StgEC2HighCPU**: new response plan; pages stg-incident-responder" in result.stdout


def test_an_unknown_ref_or_a_broken_base_exits_2(project: Path) -> None:
    unknown = run_main(project, "preview-diff", "prod", "--base", "no-such-ref")
    assert unknown.returncode == 2
    assert "--base: 'no-such-ref' is not a commit in this repository" in unknown.stderr
    edit(project, "type: SMS", "type: PAGER")
    git(project, "commit", "-q", "-am", "broken")
    edit(project, "type: PAGER", "type: SMS")
    broken = run_main(project, "preview-diff", "prod", "--base", "HEAD", "--at", AT)
    assert broken.returncode == 2
    assert "HEAD:stacks/environments/prod.yaml:32: contacts[0].channels[1].type" in broken.stderr
    assert "Traceback" not in broken.stderr
