"""The real Terraform binary, run offline: the hashicorp/aws provider comes from a filesystem
mirror through a CLI config written for the test session, never from a registry.

A missing binary or mirror fails the tests with what to install; it never skips them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from local_aws import terraform_setup as setup
from local_aws.terraform_setup import (
    MINIMUM_VERSION,
    MIRROR_VARIABLE,
    PROVIDER_SOURCE,
    terraform_env,
)

# Re-exported: the tests import them from here.
__all__ = ["MINIMUM_VERSION", "MIRROR_VARIABLE", "PROVIDER_SOURCE", "terraform_env"]

# No test waits on a hung terraform for ever.
DEFAULT_TIMEOUT = 300


@dataclass(frozen=True)
class Terraform:
    binary: Path
    mirror: Path
    cli_config: Path

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {**terraform_env(self.cli_config), **(extra or {})}

    def run(
        self,
        workdir: Path,
        *args: str,
        check: bool = True,
        ok_codes: tuple[int, ...] = (0,),
        timeout: float = DEFAULT_TIMEOUT,
    ) -> subprocess.CompletedProcess[str]:
        """``terraform <args> -no-color`` in ``workdir``; with ``check``, a return code outside
        ``ok_codes`` fails the test with Terraform's whole output."""
        command = [str(self.binary), *args, "-no-color"]
        result = subprocess.run(
            command,
            cwd=workdir,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode not in ok_codes:
            pytest.fail(
                f"`terraform {' '.join(args)}` in {workdir} exited {result.returncode}:\n"
                f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}",
                pytrace=False,
            )
        return result

    def start(self, workdir: Path, *args: str) -> subprocess.Popen[str]:
        """``terraform <args>`` in the background, its standard input a pipe left open."""
        return subprocess.Popen(
            [str(self.binary), *args, "-no-color"],
            cwd=workdir,
            env=self.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


def find_mirror(provider_version: str) -> Path:
    """The filesystem mirror that holds hashicorp/aws ``provider_version``."""
    try:
        return setup.find_mirror(provider_version)
    except setup.TerraformSetupError as error:
        pytest.fail(str(error), pytrace=False)


def find_terraform(provider_version: str, workdir: Path) -> Terraform:
    """Terraform on PATH plus a CLI config (written in ``workdir``) that installs hashicorp/aws
    from the mirror only. ``TF_CLI_CONFIG_FILE`` of the caller's environment is ignored."""
    try:
        binary, _ = setup.find_terraform_binary()
        mirror = setup.find_mirror(provider_version)
    except setup.TerraformSetupError as error:
        pytest.fail(str(error), pytrace=False)
    cli_config = setup.write_cli_config(workdir / "terraform.tfrc", mirror)
    return Terraform(binary=binary, mirror=mirror, cli_config=cli_config)
