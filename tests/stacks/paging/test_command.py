"""`python main.py preview` end to end, in a copy of the project holding the fixture files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.synth_benchmark import copy_project
from tests.conftest import PROJECT_ROOT, cdktf_modules_loaded_by, run_main
from tests.stacks.paging.fixtures import fixture_path, project_with

AT = "2026-11-23T10:00Z"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_with(tmp_path_factory.mktemp("preview"), ["dev", "prod", "staging", "risky"])


def test_prod_shows_the_incident_minute_by_minute_and_four_weeks_of_rotation(
    project: Path,
) -> None:
    result = run_main(project, "preview", "prod", "--at", AT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "Paging preview of prod (stacks/environments/prod.yaml)",
        "An incident opens 2026-11-23 10:00 UTC and nobody acknowledges.",
    ]
    pages = [line.split()[:2] + line.split()[3:5] for line in lines if line[:8].strip().isdigit()]
    assert pages == [
        ["0", "2026-11-23", "incident-responder", "EMAIL"],
        ["5", "2026-11-23", "sr-incident-responder", "EMAIL"],
        ["10", "2026-11-23", "incident-responder", "SMS"],
        ["10", "2026-11-23", "sr-incident-responder", "VOICE"],
    ]
    assert (
        "    from minute 0: incident-responder acknowledges -> app-escalation-plan stops; "
        "the stage at minute 5 never starts"
    ) in lines
    shifts = [line.split() for line in lines if line.startswith("  Mon 2026-")]
    assert [(s[1], s[4], s[5], s[-1]) for s in shifts] == [
        ("2026-11-16", "2026-11-23", "09:00", "sr-incident-responder"),
        ("2026-11-23", "2026-11-30", "09:00", "incident-responder"),
        ("2026-11-30", "2026-12-07", "09:00", "sr-incident-responder"),
        ("2026-12-07", "2026-12-14", "09:00", "incident-responder"),
        ("2026-12-14", "2026-12-21", "09:00", "sr-incident-responder"),
    ]
    assert "3 findings:" in lines


def test_the_same_time_gives_the_same_output(project: Path) -> None:
    first = run_main(project, "preview", "--at", AT, "--format", "json")
    again = run_main(project, "preview", "--at", AT, "--format", "json")
    assert first.stdout == again.stdout
    data = json.loads(first.stdout)
    assert [e["environment"] for e in data] == ["dev", "prod", "risky", "staging"]
    prod = data[1]
    assert prod["response_plans"][0]["pages"][3] == {
        "minute": 10,
        "at": "2026-11-23T10:10:00Z",
        "contact": "sr-incident-responder",
        "channel": "sr incident responder phone",
        "channel_type": "VOICE",
        "retry_interval_minutes": 5,
        "path": [
            "EC2HighCPU",
            "app-escalation-plan stage 2 (+5 min)",
            "sr-incident-responder engagement plan stage 2 (+5 min)",
        ],
        "on_call": None,
    }
    assert prod["rotations"][0]["shifts"][1]["start_local"] == "2026-11-23T09:00:00-08:00"


def test_strict_exits_1_on_findings_and_0_without(project: Path) -> None:
    assert run_main(project, "preview", "risky", "--at", AT, "--strict").returncode == 1
    assert run_main(project, "preview", "risky", "--at", AT).returncode == 0


def test_a_broken_file_exits_2_like_every_config_error(tmp_path: Path) -> None:
    broken = copy_project(tmp_path)
    shutil.copy2(fixture_path("prod"), broken / "stacks" / "environments" / "prod.yaml")
    path = broken / "stacks" / "environments" / "prod.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("type: SMS", "type: PAGER"))
    result = run_main(broken, "preview", "prod", "--at", AT)
    assert result.returncode == 2
    assert (
        "stacks/environments/prod.yaml:32: contacts[0].channels[1].type: 'PAGER'" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_the_rules_across_one_accounts_files_apply_as_in_every_command(tmp_path: Path) -> None:
    # The preview reads through the loader: a second file creating dev's replication set is
    # refused here as `main.py check` refuses it.
    root = project_with(tmp_path, ["dev"])
    text = fixture_path("risky").read_text(encoding="utf-8")
    (root / "stacks" / "environments" / "qa.yaml").write_text(
        text.replace('"999900001111"', '"111122223333"'), encoding="utf-8"
    )
    result = run_main(root, "preview", "qa", "--at", AT)
    assert result.returncode == 2
    assert (
        "stacks/environments/qa.yaml:5: replication_set: account 111122223333 has one "
        "replication set, and stacks/environments/dev.yaml:8 (replication_set) creates it"
    ) in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--at", "2026-11-23T10:00"], "has no UTC offset; write e.g. 2026-11-23T10:00Z"),
        (["--at", "tomorrow"], "is not an ISO 8601 date and time"),
        (["--weeks", "0"], "give a whole number of weeks, 1 to 52"),
        (["--format", "yaml"], "invalid choice: 'yaml'"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    project: Path, arguments: list[str], message: str
) -> None:
    result = run_main(project, "preview", "prod", *arguments)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_html_dir_writes_one_page_per_environment(project: Path, tmp_path: Path) -> None:
    result = run_main(
        project, "preview", "prod", "staging", "--at", AT, "--html-dir", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prod.html", "staging.html"]


def test_preview_loads_neither_cdktf_nor_the_provider() -> None:
    code = f"import main\nassert main.main(['preview', '--at', '{AT}']) == 0"
    assert cdktf_modules_loaded_by(code) == []


def test_help_names_the_exit_codes() -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "preview", "--help"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "1  --strict and at least one finding" in result.stdout


def test_no_address_appears_in_any_output(project: Path, tmp_path: Path) -> None:
    # The risky fixture writes its (fictional) addresses in clear: none may be printed.
    text = run_main(project, "preview", "risky", "--at", AT, "--html-dir", str(tmp_path)).stdout
    data = run_main(project, "preview", "risky", "--at", AT, "--format", "json").stdout
    html = (tmp_path / "risky.html").read_text(encoding="utf-8")
    for output in (text, data, html):
        assert "@example.com" not in output
        assert "+1206555" not in output


def test_at_defaults_to_this_minute_in_utc() -> None:
    from datetime import UTC, datetime, timedelta

    from stacks.paging.command import parse_at

    moment = parse_at("now")
    assert moment.tzinfo is not None and moment.second == 0
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=2)
    assert parse_at("2026-12-25T03:00-08:00") == datetime(2026, 12, 25, 11, 0, tzinfo=UTC)
