"""Functions for tests/test_quick_run.py to classify: never called, only read by the selection
(kept out of the test module, whose own tests would otherwise reach them)."""

from __future__ import annotations

import subprocess
import sys

from local_aws import terraform_setup
from local_aws.terraform_setup import find_terraform_binary


def pure_helper() -> int:
    return len(sorted({3, 1, 2}))


def calls_terraform_directly() -> None:
    find_terraform_binary()


def calls_terraform_through_a_helper() -> None:
    pure_helper()
    calls_terraform_directly()


def calls_terraform_through_a_module() -> None:
    terraform_setup.find_terraform_binary()


def imports_inside_and_starts_the_local_server() -> None:
    from local_aws.server import start_server

    start_server()


def starts_a_server_by_its_command() -> None:
    subprocess.run([sys.executable, "-m", "local_aws", "--port", "0"], check=False)


def runs_python_without_a_server() -> None:
    subprocess.run([sys.executable, "-c", "print(1)"], check=False)
