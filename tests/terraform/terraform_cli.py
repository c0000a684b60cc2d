"""The real Terraform binary, run offline: the hashicorp/aws provider comes from a filesystem
mirror through a CLI config written for the test session, never from a registry.

A missing binary or mirror fails the tests with what to install; it never skips them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
# The mirror's root (the folder holding registry.terraform.io/); first the variable, then the
# place the project's machines have it.
MIRROR_VARIABLE = "IM_TF_PLUGIN_MIRROR"
DEFAULT_MIRRORS = (Path("/opt/tf-plugins"),)
# The S3 backend's lock file (use_lockfile) needs Terraform 1.10.
MINIMUM_VERSION = (1, 10)
# No test waits on a hung terraform for ever.
DEFAULT_TIMEOUT = 300


def terraform_env(cli_config: Path) -> dict[str, str]:
    """The environment for every terraform process of the tests: the session's CLI config, no
    checkpoint calls, and none of the caller's AWS_* or TF_* settings (no real credentials, no
    profile, no TF_VAR_ secrets, no TF_LOG noise)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(
        TF_CLI_CONFIG_FILE=str(cli_config),
        TF_IN_AUTOMATION="1",
        CHECKPOINT_DISABLE="1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


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
    configured = os.environ.get(MIRROR_VARIABLE)
    candidates = ([Path(configured)] if configured else []) + list(DEFAULT_MIRRORS)
    for root in candidates:
        if (root / PROVIDER_SOURCE / provider_version).is_dir():
            return root
    pytest.fail(
        f"No Terraform provider mirror holding {PROVIDER_SOURCE} {provider_version} in "
        f"{', '.join(str(c) for c in candidates)}. These tests run Terraform offline with the "
        "provider from a filesystem mirror. Make one on a machine with internet access:\n"
        f"  terraform providers mirror -platform=linux_amd64 /opt/tf-plugins   "
        "(in a synthesized stack directory)\n"
        f"then copy it here, or point {MIRROR_VARIABLE} at a folder holding "
        "registry.terraform.io/.",
        pytrace=False,
    )


def find_terraform(provider_version: str, workdir: Path) -> Terraform:
    """Terraform on PATH plus a CLI config (written in ``workdir``) that installs hashicorp/aws
    from the mirror only. ``TF_CLI_CONFIG_FILE`` of the caller's environment is ignored."""
    binary = shutil.which("terraform")
    if binary is None:
        pytest.fail(
            "terraform is not on PATH. These tests run the real Terraform CLI (1.11.x, as on "
            "the project's machines): install it from the HashiCorp release zip or the "
            "HashiCorp Debian repository and put `terraform` on PATH.",
            pytrace=False,
        )
    shown = subprocess.run(
        [binary, "version", "-json"], capture_output=True, text=True, timeout=60, check=False
    )
    version = json.loads(shown.stdout or "{}").get("terraform_version", "unknown")
    if tuple(int(p) for p in re.findall(r"\d+", version)[:2]) < MINIMUM_VERSION:
        pytest.fail(
            f"{binary} is Terraform {version}; these tests need 1.10 or later (the S3 backend's "
            "lock file, use_lockfile, came with 1.10). Install Terraform 1.11.x.",
            pytrace=False,
        )
    mirror = find_mirror(provider_version)
    cli_config = workdir / "terraform.tfrc"
    # An unpacked mirror is used in place: `terraform init` links to it instead of copying the
    # ~700 MB provider into every working directory, so no plugin cache is needed.
    cli_config.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        f'    include = ["{PROVIDER_SOURCE}"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/*/*"]\n'
        "  }\n"
        "}\n",
        encoding="utf-8",
    )
    return Terraform(binary=Path(binary), mirror=mirror, cli_config=cli_config)
