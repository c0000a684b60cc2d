"""A local AWS stand-in for the remote state tests: moto's server (PyPI ``moto[server]``) on
127.0.0.1 at a free port, started and stopped by the test that needs it.

moto implements S3 (with the conditional writes Terraform's lock file needs), DynamoDB, STS,
KMS, IAM, SSM documents, SNS and CloudWatch; it does not implement ssm-contacts or
ssm-incidents.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_aws.process import stop_process
from tests.terraform.stack_copy import FAKE_CREDENTIALS

# Any key pair works; moto puts its resources in account 123456789012 for it.
DEFAULT_ACCOUNT = "123456789012"
START_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class MotoServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, service: str, region: str = "us-east-1") -> Any:
        """A boto3 client of ``service`` talking to this server with the fake credentials."""
        import boto3  # type: ignore[import-untyped]

        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=FAKE_CREDENTIALS["access_key"],
            aws_secret_access_key=FAKE_CREDENTIALS["secret_key"],
        )

    def log_tail(self, characters: int = 3000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-characters:]

    def stop(self) -> None:
        stop_process(self.process)


def start_moto(workdir: Path) -> MotoServer:
    """moto's server on 127.0.0.1, ready to answer; its log in ``workdir``."""
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("boto3") is None:
        pytest.fail(
            "moto[server] and boto3 are not installed: `make install` (requirements.txt pins "
            "them) or `.venv/bin/pip install -r requirements.txt`.",
            pytrace=False,
        )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "moto.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    server = MotoServer(url=url, process=process, log=log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"moto server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            pytest.fail(f"moto server not ready after {START_TIMEOUT} s:\n{server.log_tail()}")
        time.sleep(0.2)
