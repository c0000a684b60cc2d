"""Synthesize environments into a fresh directory, then swap it in whole.

cdktf.out is replaced only when every environment synthesized: a failure leaves the previous
output as it was, never half of a new one.

``hcl=True`` writes each stack as HCL (``cdk.tf``) instead of JSON, for the day the project
leaves cdktf (``make synth-hcl``, into cdktf.out.hcl). cdktf 0.21 decides the format from the
``SYNTH_HCL_OUTPUT`` environment variable of its Node process, read when that process starts
(the first ``import cdktf``); ``App(hcl_output=True)`` alone only renames the file and still
writes JSON into it (hashicorp/terraform-cdk#3875). So the caller sets
``SYNTH_HCL_OUTPUT=true`` before importing this module (main.py --hcl does), and ``synthesize``
refuses to swap in output that is not HCL.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cdktf import App

from stacks.environment_loader import Environment
from stacks.incident_manager_stack import IncidentManagerStack

HCL_OUTPUT_VARIABLE = "SYNTH_HCL_OUTPUT"


class HclOutputError(RuntimeError):
    """HCL was asked for, but cdktf's Node process was started without SYNTH_HCL_OUTPUT=true."""


def build_app(
    environments: Sequence[Environment], project_root: Path, outdir: Path, *, hcl: bool = False
) -> App:
    """An App holding one ``IncidentManagerStack`` per environment (not yet synthesized)."""
    app = App(outdir=str(outdir), hcl_output=hcl)
    for environment in environments:
        IncidentManagerStack(app, environment, project_root)
    return app


def synthesize(
    environments: Sequence[Environment], project_root: Path, outdir: Path, *, hcl: bool = False
) -> None:
    """Write ``outdir`` anew with one stack per environment, or leave it untouched on error."""
    outdir = outdir.resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.new-", dir=outdir.parent))
    try:
        build_app(environments, project_root, staging, hcl=hcl).synth()
        if hcl:
            _finish_hcl(staging)
        _swap_in(staging, outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _finish_hcl(staging: Path) -> None:
    stacks = staging / "stacks"
    for stack_dir in sorted(stacks.iterdir()) if stacks.is_dir() else []:
        hcl_file = stack_dir / "cdk.tf"
        text = hcl_file.read_text(encoding="utf-8") if hcl_file.is_file() else ""
        # cdktf's HCL synthesizer also writes metadata.json; its JSON one writes neither.
        if text.lstrip().startswith("{") or not (stack_dir / "metadata.json").is_file():
            raise HclOutputError(
                f"{stack_dir.name}: cdktf wrote JSON, not HCL. Set {HCL_OUTPUT_VARIABLE}=true "
                "before cdktf is first imported (python main.py --hcl does this); "
                "see hashicorp/terraform-cdk#3875."
            )
        hcl_file.write_text(tidy_hcl(text), encoding="utf-8")


# cdktf 0.21's HCL renderer (lib/hcl/render.js) has two habits that `tidy_hcl` undoes:
# - it quotes `provider = "aws.x"` and `depends_on` entries, which Terraform 1.x accepts with a
#   "Quoted references are deprecated" warning and a future version will refuse;
# - it writes every multi-line string as `<<EOF` + the string + a newline + `EOF`, and a heredoc's
#   value ends with that newline: the runbook document and the key policies would each gain a
#   trailing newline (an update of the document and the keys on the first plan after moving to
#   the HCL). `trimsuffix(<<EOF ... EOF, "\n")` is the string exactly as the JSON had it.
_QUOTED_PROVIDER = re.compile(r'^(\s*provider\s*=\s*)"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)"\s*$')
_PROVIDER_BLOCK = re.compile(r'^provider\s+"([A-Za-z0-9_-]+)"\s*\{', re.MULTILINE)
_QUOTED_REFERENCE = re.compile(r'^(\s*)"([A-Za-z0-9_.-]+)"(,?)\s*$')
_DEPENDS_ON_START = re.compile(r"^\s*depends_on\s*=\s*\[\s*$")
_HEREDOC_START = re.compile(r"<<(EOF)$")
# A provisioner's `when` (on-call schedules) is a keyword; the renderer quotes it, which Terraform
# accepts with a "Quoted keywords are deprecated" warning.
_QUOTED_WHEN = re.compile(r'^(\s*when\s*=\s*)"(create|destroy)"\s*$')


def tidy_hcl(hcl: str) -> str:
    """cdktf's HCL with references unquoted (``provider = aws.x`` for providers the file declares,
    ``type.name`` inside ``depends_on = [...]``) and every heredoc wrapped in
    ``trimsuffix(..., "\n")``; heredoc bodies (policies, runbooks) are left as they are."""
    providers = set(_PROVIDER_BLOCK.findall(hcl))

    def provider_reference(match: re.Match[str]) -> str:
        if match.group(2) not in providers:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}.{match.group(3)}"

    lines = hcl.split("\n")
    heredoc_end: str | None = None
    in_depends_on = False
    for index, line in enumerate(lines):
        if heredoc_end is not None:
            if line == heredoc_end:
                heredoc_end = None
                lines[index] = f'{line}\n, "\\n")'
            continue
        if in_depends_on:
            if line.strip() == "]":
                in_depends_on = False
            else:
                lines[index] = _QUOTED_REFERENCE.sub(r"\1\2\3", line)
            continue
        heredoc = _HEREDOC_START.search(line)
        if heredoc:
            heredoc_end = heredoc.group(1)
            lines[index] = f"{line[: heredoc.start()]}trimsuffix({line[heredoc.start() :]}"
        elif _DEPENDS_ON_START.match(line):
            in_depends_on = True
        else:
            unquoted = _QUOTED_WHEN.sub(r"\1\2", line)
            lines[index] = _QUOTED_PROVIDER.sub(provider_reference, unquoted)
    return "\n".join(lines)


def _keep_local_variable_files(outdir: Path, staging: Path) -> None:
    """Carry untracked ``*.auto.tfvars`` (secret addresses put there by a person) over to the
    new output: Terraform reads them only from the stack's own directory."""
    for tfvars in sorted(outdir.glob("stacks/*/*.auto.tfvars")):
        stack_dir = staging / "stacks" / tfvars.parent.name
        if stack_dir.is_dir():
            shutil.copy2(tfvars, stack_dir / tfvars.name)


def _swap_in(staging: Path, outdir: Path) -> None:
    _keep_local_variable_files(outdir, staging)
    retired = outdir.with_name(f".{outdir.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if outdir.exists():
        outdir.rename(retired)
    staging.rename(outdir)
    shutil.rmtree(retired, ignore_errors=True)
