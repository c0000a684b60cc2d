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
