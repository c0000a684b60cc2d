"""The real Terraform binary, run offline: the hashicorp/aws provider comes from a filesystem
mirror through a CLI config, never from a registry.

Shared by the Terraform tests (tests/terraform/terraform_cli.py turns these errors into test
failures) and ``rehearse``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from stacks.plan.terraform_settings import GO_GC_PERCENT

PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
# The mirror's root (the folder holding registry.terraform.io/); first the variable, then the
# place the project's machines have it.
MIRROR_VARIABLE = "IM_TF_PLUGIN_MIRROR"
DEFAULT_MIRRORS = (Path("/opt/tf-plugins"),)
# The S3 backend's lock file (use_lockfile) needs Terraform 1.10.
MINIMUM_VERSION = (1, 10)


class TerraformSetupError(RuntimeError):
    """Terraform or the provider mirror is missing; the message says what to install."""


def terraform_env(cli_config: Path) -> dict[str, str]:
    """The environment for every terraform process: the given CLI config, no checkpoint calls,
    and none of the caller's AWS_* or TF_* settings (no real credentials, no profile, no TF_VAR_
    secrets, no TF_LOG noise)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(
        TF_CLI_CONFIG_FILE=str(cli_config),
        TF_IN_AUTOMATION="1",
        CHECKPOINT_DISABLE="1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    # Go's collector at 400, not 100: the provider's heap (stacks.plan.terraform_settings).
    env.setdefault("GOGC", GO_GC_PERCENT)
    return env


def mirror_candidates() -> list[Path]:
    configured = os.environ.get(MIRROR_VARIABLE)
    return ([Path(configured)] if configured else []) + list(DEFAULT_MIRRORS)


def find_mirror(provider_version: str) -> Path:
    """The filesystem mirror that holds hashicorp/aws ``provider_version``."""
    candidates = mirror_candidates()
    for root in candidates:
        if (root / PROVIDER_SOURCE / provider_version).is_dir():
            return root
    raise TerraformSetupError(
        f"No Terraform provider mirror holding {PROVIDER_SOURCE} {provider_version} in "
        f"{', '.join(str(c) for c in candidates)}. Terraform runs offline with the provider "
        "from a filesystem mirror. Make one on a machine with internet access:\n"
        "  terraform providers mirror -platform=linux_amd64 /opt/tf-plugins   "
        "(in a synthesized stack directory)\n"
        f"then copy it here, or point {MIRROR_VARIABLE} at a folder holding "
        "registry.terraform.io/."
    )


def installed_mirror() -> Path | None:
    """The first filesystem mirror holding any version of hashicorp/aws, if this machine has one
    (machines without registry access do)."""
    return next((root for root in mirror_candidates() if (root / PROVIDER_SOURCE).is_dir()), None)


def find_terraform_binary() -> tuple[Path, str]:
    """Terraform on PATH (1.10 or later) and its version."""
    binary = shutil.which("terraform")
    if binary is None:
        raise TerraformSetupError(
            "terraform is not on PATH. Install Terraform 1.11.x (HashiCorp release zip or "
            "Debian repository) and put `terraform` on PATH."
        )
    shown = subprocess.run(
        [binary, "version", "-json"], capture_output=True, text=True, timeout=60, check=False
    )
    version = str(json.loads(shown.stdout or "{}").get("terraform_version", "unknown"))
    if tuple(int(p) for p in re.findall(r"\d+", version)[:2]) < MINIMUM_VERSION:
        raise TerraformSetupError(
            f"{binary} is Terraform {version}; 1.10 or later is needed (the S3 backend's lock "
            "file, use_lockfile, came with 1.10). Install Terraform 1.11.x."
        )
    return Path(binary), version


def write_cli_config(path: Path, mirror: Path) -> Path:
    """A CLI config at ``path`` that installs hashicorp/aws from ``mirror`` only."""
    # An unpacked mirror is used in place: `terraform init` links to it instead of copying the
    # ~700 MB provider into every working directory, so no plugin cache is needed.
    path.write_text(
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
    return path
