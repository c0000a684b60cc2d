"""The local AWS server as a child process: started on a free port, read back its address from
its first line, stopped by its process id (SIGTERM, then SIGKILL after a grace period)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

START_TIMEOUT = 30
# The server's first line (local_aws/cli.py's READY_PREFIX, which tests/local_aws/test_rehearse.py
# holds equal) and its default region (local_aws/server.py's). Not imported from there: those
# modules load moto (~3 CPU-seconds), which a process that only starts and stops the server, as
# rehearse's does, never needs.
READY_PREFIX = "local-aws listening on "
DEFAULT_REGION = "us-east-1"


def stop_process(process: subprocess.Popen[Any]) -> None:
    """Terminate ``process`` if it still runs; kill it if it does not end within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class ServerStartError(RuntimeError):
    """The server exited or stayed silent before saying where it listens."""


@dataclass
class LocalAwsProcess:
    """A running ``python -m local_aws`` child; ``url`` is where it listens."""

    process: subprocess.Popen[str]
    url: str
    request_log: Path
    output: Path

    @classmethod
    def start(
        cls,
        workdir: Path,
        account_id: str | None = None,
        request_log: bool = True,
        state_file: Path | None = None,
    ) -> LocalAwsProcess:
        """A server whose log files live in ``workdir``; ``account_id`` is the account every
        request acts in (moto's default otherwise); without ``request_log`` it keeps none (as
        ``make local-aws``), and ``requests()`` stays empty; with ``state_file`` it starts with
        the data that file holds and saves every change there (``--state-file``)."""
        workdir.mkdir(parents=True, exist_ok=True)
        log = workdir / "local-aws-requests.jsonl"
        output = workdir / "local-aws.log"
        command = [sys.executable, "-m", "local_aws"]
        if request_log:
            command += ["--request-log", str(log)]
        if account_id:
            command += ["--account-id", account_id]
        if state_file is not None:
            command += ["--state-file", str(state_file)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        stream: IO[str] = output.open("w", encoding="utf-8")
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stream,
            text=True,
            env=env,
        )
        stream.close()
        assert process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        first = process.stdout.readline()
        if not first.startswith(READY_PREFIX) or time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=10)
            raise ServerStartError(
                f"local AWS server did not start: {first!r}\n"
                + output.read_text(encoding="utf-8", errors="replace")[-3000:]
            )
        url = first[len(READY_PREFIX) :].split()[0]
        return cls(process=process, url=url, request_log=log, output=output)

    def environment(self, region: str = DEFAULT_REGION) -> dict[str, str]:
        from local_aws.server import client_environment

        return client_environment(self.url, region)

    def requests(self) -> list[dict[str, Any]]:
        """Every request served so far (service, region, operation, status)."""
        # One JSON object a line (local_aws/moto_glue.py's read_request_log, without moto).
        if not self.request_log.exists():
            return []
        text = self.request_log.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line]

    def kill(self) -> None:
        """End the server at once (SIGKILL): nothing it has not written already survives."""
        self.process.kill()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def stop(self) -> None:
        stop_process(self.process)
        if self.process.stdout is not None:
            self.process.stdout.close()
