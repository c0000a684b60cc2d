"""``rehearse``'s exit statuses: 2 on bad input before anything runs, 1 with AWS's own message
when AWS refuses what Terraform sends (here an alias our environment checks would have caught,
put straight into a synthesized stack to get past them)."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import pytest

from local_aws import rehearse
from local_aws.process import LocalAwsProcess
from stacks import layout
from tests.conftest import PROJECT_ROOT

KEPT = {"aws_ssmincidents_replication_set", "aws_ssmcontacts_contact"}


def arguments(environment: str, before: str | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    rehearse.configure(parser)
    return parser.parse_args([environment, *(["--before", before] if before else [])])


def test_unknown_environment_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    args = arguments("nowhere")
    assert args.run(args) == rehearse.EXIT_USAGE
    error = capsys.readouterr().err
    assert "stacks/environments/nowhere.yaml: no such environment; known: " in error
    assert "Traceback" not in error


def test_unknown_git_ref_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    environment = sorted(p.stem for p in (PROJECT_ROOT / "stacks" / "environments").glob("*.yaml"))[
        0
    ]
    args = arguments(environment, "no-such-ref-anywhere")
    assert args.run(args) == rehearse.EXIT_USAGE
    assert "--before no-such-ref-anywhere: not a git ref" in capsys.readouterr().err


def test_a_refused_alias_fails_with_aws_s_message(
    synthesized_environments: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = next(
        d
        for d in sorted((synthesized_environments / "stacks").iterdir())
        if '"aws_ssmincidents_replication_set"' in (d / "cdk.tf.json").read_text()
    )
    stack = json.loads((source / "cdk.tf.json").read_text(encoding="utf-8"))
    # Only the replication set and one contact, whose alias AWS's pattern refuses.
    stack["resource"] = {k: v for k, v in stack["resource"].items() if k in KEPT}
    contacts = stack["resource"]["aws_ssmcontacts_contact"]
    name = sorted(contacts)[0]
    stack["resource"]["aws_ssmcontacts_contact"] = {name: {**contacts[name], "alias": "Bad Alias!"}}
    # The outputs name resources this test removes.
    stack.pop("variable", None)
    stack.pop("output", None)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "cdk.tf.json").write_text(json.dumps(stack), encoding="utf-8")
    monkeypatch.setattr(rehearse, "_synthesize", lambda root, environment, outdir: broken)
    environment = source.name.removeprefix("incident-manager-")
    args = arguments(environment)
    assert args.run(args) == layout.EXIT_FAILED
    error = capsys.readouterr().err
    assert (
        "ValidationException: 1 validation error detected: Value 'Bad Alias!' at 'alias'" in error
    )
    assert "Member must satisfy regular expression pattern: ^[a-z0-9_\\-]*$" in error
    # The providers it started for its runs ended with it.
    assert providers_left() == []


def providers_left() -> list[str]:
    """The processes still running in a rehearsal's folder (providers, relay, server)."""
    found = []
    for cwd in Path("/proc").glob("[0-9]*/cwd"):
        try:
            where = str(cwd.readlink())
        except OSError:
            continue
        if f"{Path(tempfile.gettempdir()).name}/rehearse-" in where:
            found.append(f"{cwd.parent.name}: {where}")
    return found


class FakeServer:
    """Stands in for the server process: records the account it was started in."""

    def __init__(self, started: list[FakeServer], account: str | None) -> None:
        self.account = account
        self.stopped = False
        started.append(self)

    def stop(self) -> None:
        self.stopped = True


def start_with(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, named: str | None, synthesized: str
) -> tuple[list[FakeServer], FakeServer]:
    """``_start_server`` with the environment file naming ``named`` and the synthesized stack
    allowing ``synthesized``: every server started, and the one rehearse goes on with."""
    stack_dir = tmp_path / "stack"
    stack_dir.mkdir()
    stack = {"provider": {"aws": [{"allowed_account_ids": [synthesized]}]}}
    (stack_dir / "cdk.tf.json").write_text(json.dumps(stack), encoding="utf-8")
    started: list[FakeServer] = []
    monkeypatch.setattr(rehearse, "_named_account", lambda environment: named)
    monkeypatch.setattr(
        rehearse,
        "_synthesize_trees",
        lambda environment, before, workroot: rehearse.Trees(stack_dir, None, None),
    )
    monkeypatch.setattr(
        LocalAwsProcess,
        "start",
        lambda workdir, account_id=None: FakeServer(started, account_id),
    )
    _, server = rehearse._start_server(tmp_path, "dev", None, rehearse.Timings([]))
    assert isinstance(server, FakeServer)
    return started, server


def test_the_server_started_beside_synthesis_is_kept_in_the_stack_s_account(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started, server = start_with(monkeypatch, tmp_path, "111122223333", "111122223333")
    assert [s.account for s in started] == ["111122223333"]
    assert not server.stopped


def test_the_server_starts_again_when_the_stack_names_another_account(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started, server = start_with(monkeypatch, tmp_path, "111122223333", "444455556666")
    assert [s.account for s in started] == ["111122223333", "444455556666"]
    assert started[0].stopped
    assert server is started[1]
    assert not server.stopped


def test_the_named_account_is_read_from_the_environment_file() -> None:
    from stacks.config.environment_loader import load_environments

    (environment,) = load_environments(PROJECT_ROOT, ["prod"])
    assert rehearse._named_account("prod") == environment.config.account_id
    assert rehearse._named_account("nowhere") is None


def test_the_server_process_module_loads_no_moto(tmp_path: Path) -> None:
    """local_aws.process (what rehearse starts and stops the server with) keeps the server's
    first line, default region and request log format without importing the modules that load
    moto (~3 CPU-seconds before rehearse could start anything)."""
    import subprocess
    import sys

    from local_aws import cli, moto_glue, process, server

    assert process.READY_PREFIX == cli.READY_PREFIX
    assert process.DEFAULT_REGION == server.DEFAULT_REGION
    log = tmp_path / "requests.jsonl"
    log.write_text('{"service": "sts", "operation": "GetCallerIdentity"}\n\n{"a": 1}\n')
    started = process.LocalAwsProcess(None, "", log, tmp_path / "out")  # type: ignore[arg-type]
    assert started.requests() == moto_glue.read_request_log(log)
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, local_aws.rehearse; print('moto' in sys.modules)"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
