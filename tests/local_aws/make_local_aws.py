"""`make local-aws` as a person runs it: started in a project, the variables it prints to export
read back, stopped with its process group."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Exported:
    """What a running ``make local-aws`` told a person: its first line and the environment with
    the variables it says to export."""

    banner: str
    environment: dict[str, str]


@contextlib.contextmanager
def make_local_aws(project: Path, env: dict[str, str], *args: str) -> Iterator[Exported]:
    """``make local-aws PORT=0 ARGS`` running in ``project``: ``env`` updated with what it says
    to export (AWS_ENDPOINT_URL, fake keys, region, TF_CLI_CONFIG_FILE of the mirror)."""
    exported = dict(env)
    server = subprocess.Popen(
        ["make", "--no-print-directory", "local-aws", "PORT=0", *args],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Its own process group: make, its shell and the server stop together.
        start_new_session=True,
    )
    assert server.stdout is not None
    output: list[str] = []
    try:
        for line in server.stdout:
            output.append(line)
            found = re.fullmatch(r"export (\w+)=(\S+)\n", line)
            if found:
                exported[found.group(1)] = found.group(2)
            if line.startswith("# Ctrl-C stops it."):
                break
        # Keep reading what the server prints, so that it never blocks on a full pipe.
        threading.Thread(target=lambda: output.extend(server.stdout or []), daemon=True).start()
        assert exported.get("AWS_ENDPOINT_URL", "").startswith("http://127.0.0.1:"), output
        banner = next((line.strip() for line in output if line.startswith("local-aws ")), "")
        yield Exported(banner, exported)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
            raise AssertionError(
                "make local-aws did not stop on SIGTERM:\n" + "".join(output)
            ) from None
