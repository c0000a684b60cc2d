"""`python -m local_aws` (make local-aws) stops cleanly however the stop signals arrive: Ctrl-C
in a terminal reaches make and the server at once, and make passes it on again."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local_aws.cli import READY_PREFIX
from tests.conftest import PROJECT_ROOT

# A burst: signals arriving while the handling of the previous one runs (the old handler set an
# Event from the signal handler and deadlocked when a second signal interrupted it there).
BURST = [signal.SIGINT, signal.SIGTERM] * 100


@pytest.mark.parametrize(
    "signals", [[signal.SIGTERM], [signal.SIGINT], BURST], ids=["term", "int", "burst"]
)
def test_stops_on_one_or_many_stop_signals(signals: list[int], tmp_path: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "local_aws", "--port", "0"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    try:
        assert server.stdout.readline().startswith(READY_PREFIX)
        for line in server.stdout:
            if line.startswith("# Ctrl-C stops it."):
                break
        # No Python handler runs for them (a race no test provokes reliably): they stay blocked
        # in the server's threads and the main thread takes them with sigwait (which unblocks
        # them in that thread only while it waits).
        tasks = [t for t in Path(f"/proc/{server.pid}/task").iterdir() if t.name != str(server.pid)]
        assert tasks
        for task in tasks:
            (blocked,) = re.findall(
                r"^SigBlk:\s*([0-9a-f]+)$", (task / "status").read_text(), flags=re.MULTILINE
            )
            for stop in (signal.SIGINT, signal.SIGTERM):
                assert int(blocked, 16) & (1 << (stop - 1)), f"{stop!r} not blocked in {task}"
        for number in signals:
            if server.poll() is not None:
                break
            server.send_signal(number)
            time.sleep(0.0005)
        output, _ = server.communicate(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0
    assert output.strip().endswith("local-aws stopped")
    # The Terraform CLI config it printed lived in a temporary folder, removed on stop.
    assert list(tmp_path.iterdir()) == []


def _resolved(*argv: str) -> tuple[str, str] | str:
    from local_aws.cli import _account_and_region, parser

    return _account_and_region(parser().parse_args(list(argv)))


def test_environment_gives_the_server_its_account_and_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`make local-aws ENV=<env>`: the server answers as the environment's account_id, so the
    stack's allowed_account_ids accepts it (`make plan-check ENV=<env>` against it)."""
    from stacks.config.environment_loader import load_environments

    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
    environments = load_environments(PROJECT_ROOT)
    assert environments
    for environment in environments:
        config = environment.config
        assert _resolved("--environment", environment.name) == (config.account_id, config.region)
        # The same account given twice is no conflict; the region can still be chosen.
        assert _resolved(
            "--environment",
            environment.name,
            "--account-id",
            config.account_id,
            "--region",
            "eu-west-1",
        ) == (config.account_id, "eu-west-1")
    assert _resolved() == ("123456789012", "us-east-1")
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "210987654321")
    assert _resolved() == ("210987654321", "us-east-1")
    assert _resolved("--account-id", "111111111111") == ("111111111111", "us-east-1")


def test_an_unknown_or_contradicted_environment_is_refused_by_name() -> None:
    from stacks.config.environment_loader import load_environments

    (environment, *_) = load_environments(PROJECT_ROOT)
    unknown = _resolved("--environment", "no-such-env")
    assert isinstance(unknown, str)
    assert unknown.startswith("--environment: 1 problem in environment files:"), unknown
    assert "no environment 'no-such-env'" in unknown
    assert environment.name in unknown  # the environments there are listed
    other = "000000000000" if environment.config.account_id != "000000000000" else "000000000001"
    contradicted = _resolved("--environment", environment.name, "--account-id", other)
    assert contradicted == (
        f"--account-id {other} and --environment {environment.name} "
        f"(account_id {environment.config.account_id}) disagree: give one of them"
    )
