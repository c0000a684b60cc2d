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

Each stack directory also gets a copy of the programs its provisioners run
(``constructs_lib/provisioners/`` as ``incident_manager_provisioners/``): a stack directory is a
complete Terraform working directory, which applies with ``terraform``, ``python3`` and ``boto3``
wherever it is copied.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cdktf import App, TerraformStack

from constructs_lib import provisioners
from constructs_lib.provisioners.contract import PACKAGE_IN_STACK
from stacks.config.environment import Environment
from stacks.layout import STACK_PREFIX
from stacks.stack.hcl_strings import keep_carriage_returns, strings_with_carriage_returns
from stacks.stack.import_blocks import add_import_blocks, read_imports
from stacks.stack.incident_manager_stack import IncidentManagerStack, required_terraform

HCL_OUTPUT_VARIABLE = "SYNTH_HCL_OUTPUT"


class HclOutputError(RuntimeError):
    """HCL was asked for, but cdktf's Node process was started without SYNTH_HCL_OUTPUT=true."""


def build_app(
    environments: Sequence[Environment], project_root: Path, outdir: Path, *, hcl: bool = False
) -> App:
    """An App holding one ``IncidentManagerStack`` per environment (not yet synthesized)."""
    app = App(outdir=str(outdir), hcl_output=hcl)
    for environment in environments:
        stack = IncidentManagerStack(app, environment, project_root)
        # Adoption: import blocks while stacks/adopted/<env>.imports.json exists.
        add_import_blocks(stack, read_imports(project_root, environment.name))
    return app


def synthesize(
    environments: Sequence[Environment],
    project_root: Path,
    outdir: Path,
    *,
    hcl: bool = False,
    complete: bool = True,
) -> None:
    """Write the environments' stacks into ``outdir``, or leave it untouched on error.

    ``complete``: the environments are all there are, so stack directories of environments
    that no longer exist are dropped; otherwise (``make synth ENV=x``) the other stacks'
    directories stay exactly as they were. Files people keep in a stack directory
    (``KEPT_IN_STACK_DIR``, Terraform's state files among them) survive, a dropped environment's
    directory stays while it holds state, and a lock file committed under ``LOCKS_DIR`` is put
    in."""
    outdir = outdir.resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.new-", dir=outdir.parent))
    # mkdtemp makes a private (0700) directory; the output is as readable as any other file.
    staging.chmod(0o755)
    try:
        app = build_app(environments, project_root, staging, hcl=hcl)
        app.synth()
        if hcl:
            _finish_hcl(staging, environments, app)
            _add_adopted_addresses(staging, project_root)
        _add_committed_locks(staging, project_root)
        _add_provisioners(staging)
        _swap_in(staging, outdir, keep_other_stacks=not complete)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _finish_hcl(staging: Path, environments: Sequence[Environment], app: App) -> None:
    versions = {e.stack_name: required_terraform(e.config) for e in environments}
    for stack_dir in _stack_dirs(staging):
        hcl_file = stack_dir / "cdk.tf"
        text = hcl_file.read_text(encoding="utf-8") if hcl_file.is_file() else ""
        # cdktf's HCL synthesizer also writes metadata.json; its JSON one writes neither.
        if text.lstrip().startswith("{") or not (stack_dir / "metadata.json").is_file():
            raise HclOutputError(
                f"{stack_dir.name}: cdktf wrote JSON, not HCL. Set {HCL_OUTPUT_VARIABLE}=true "
                "before cdktf is first imported (python main.py --hcl does this); "
                "see hashicorp/terraform-cdk#3875."
            )
        stack = app.node.find_child(stack_dir.name)
        assert isinstance(stack, TerraformStack)
        text = keep_carriage_returns(text, strings_with_carriage_returns(stack.to_terraform()))
        text = tidy_hcl(text).replace(
            _LOST_REQUIRED_VERSION, f'required_version = "{versions[stack_dir.name]}"'
        )
        hcl_file.write_text(terraform_fmt(text), encoding="utf-8")


def _add_adopted_addresses(staging: Path, project_root: Path) -> None:
    """Each adopted environment's channel addresses beside its HCL: ``adopt`` writes them into
    the JSON stack directory only (cdktf.out/stacks/<stack>/), and without them the export's
    plan stops at "No value for required variable". A copy, not a link: the HCL is the way out
    of cdktf, and must still plan once cdktf.out is gone. Readable by the owner only, as the
    original; where cdktf.out has none, the HCL directory's own copy is carried over."""
    from stacks.layout import SECRETS_FILE, stack_dir

    for hcl_stack in _stack_dirs(staging):
        environment = hcl_stack.name.removeprefix(STACK_PREFIX)
        source = stack_dir(project_root, environment) / SECRETS_FILE
        if not source.is_file():
            continue
        target = os.open(hcl_stack / SECRETS_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(target, "wb") as stream:
            stream.write(source.read_bytes())


# cdktf 0.21's HCL renderer writes the `terraform.required_version` override as this line and
# drops its value.
_LOST_REQUIRED_VERSION = '  0 = "required_version"'


def terraform_fmt(hcl: str) -> str:
    """``hcl`` in Terraform's canonical layout (``terraform fmt``), as a reviewer and
    ``terraform fmt -check`` in CI expect; cdktf writes it unindented. Without a ``terraform``
    on PATH the text is returned as it is, with a note on stderr."""
    terraform = shutil.which("terraform")
    if terraform is None:
        print("note: terraform not found; cdk.tf left unformatted", file=sys.stderr)
        return hcl
    result = subprocess.run(
        [terraform, "fmt", "-no-color", "-"],
        input=hcl,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
    )
    if result.returncode != 0:
        raise HclOutputError(f"terraform fmt refused cdktf's HCL:\n{result.stderr}")
    return result.stdout


# cdktf 0.21's HCL renderer (lib/hcl/render.js) has two habits that `tidy_hcl` undoes:
# - it quotes `provider = "aws.x"` and `depends_on` entries, which Terraform 1.x accepts with a
#   "Quoted references are deprecated" warning and a future version will refuse;
# - it writes every multi-line string as `<<EOF` + the string + a newline + `EOF`, and a heredoc's
#   value ends with that newline: the runbook document and the key policies would each gain a
#   trailing newline (an update of the document and the keys on the first plan after moving to
#   the HCL). `trimsuffix(<<EOF ... EOF, "\n")` is the string exactly as the JSON had it.
_QUOTED_PROVIDER = re.compile(r'^(\s*provider\s*=\s*)"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)"\s*$')
_PROVIDER_BLOCK = re.compile(r'^provider\s+"([A-Za-z0-9_-]+)"\s*\{', re.MULTILINE)
# A reference in a list, quoted ("x.y") or as a template ("${x.y}").
_QUOTED_REFERENCE = re.compile(r'^(\s*)"(\$\{)?([A-Za-z0-9_.\[\]-]+)(?(2)\})"(,?)\s*$')
# Lists of references: depends_on; ignore_changes and replace_triggered_by (shift coverages).
# Terraform plans "${x.y}" in replace_triggered_by as "Unexpected expression", though it validates.
_REFERENCE_LIST_START = re.compile(
    r"^\s*(depends_on|ignore_changes|replace_triggered_by)\s*=\s*\[\s*$"
)
_HEREDOC_START = re.compile(r"<<(EOF)$")
# A provisioner's `when` (on-call schedules) is a keyword; the renderer quotes it, which Terraform
# accepts with a "Quoted keywords are deprecated" warning.
_QUOTED_WHEN = re.compile(r'^(\s*when\s*=\s*)"(create|destroy)"\s*$')


def tidy_hcl(hcl: str) -> str:
    """cdktf's HCL with references unquoted (``provider = aws.x`` for providers the file declares,
    ``type.name`` inside ``depends_on = [...]`` and ``replace_triggered_by = [...]``, attributes
    inside ``ignore_changes = [...]``) and every heredoc wrapped in ``trimsuffix(..., "\n")``;
    heredoc bodies (policies, runbooks) are left as they are."""
    providers = set(_PROVIDER_BLOCK.findall(hcl))

    def provider_reference(match: re.Match[str]) -> str:
        if match.group(2) not in providers:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}.{match.group(3)}"

    lines = hcl.split("\n")
    heredoc_end: str | None = None
    in_references = False
    for index, line in enumerate(lines):
        if heredoc_end is not None:
            if line == heredoc_end:
                heredoc_end = None
                lines[index] = f'{line}\n, "\\n")'
            continue
        if in_references:
            if line.strip() == "]":
                in_references = False
            else:
                lines[index] = _QUOTED_REFERENCE.sub(r"\1\3\4", line)
            continue
        heredoc = _HEREDOC_START.search(line)
        if heredoc:
            heredoc_end = heredoc.group(1)
            lines[index] = f"{line[: heredoc.start()]}trimsuffix({line[heredoc.start() :]}"
        elif _REFERENCE_LIST_START.match(line):
            in_references = True
        else:
            unquoted = _QUOTED_WHEN.sub(r"\1\2", line)
            lines[index] = _QUOTED_PROVIDER.sub(provider_reference, unquoted)
    return "\n".join(lines)


# What a person or Terraform puts in a stack directory and a new synth must not lose: secret
# addresses in variable files, the provider lock file, `terraform init`'s working data, and any
# state Terraform leaves there: above all `errored.tfstate`, written when an apply could not save
# its state (a network cut, a dead backend), the only record of what that apply created.
# Override files too (a `cloud` block for HCP Terraform: docs/hcp-terraform.md). A saved plan
# (tfplan) is not kept: after a synth it no longer matches the configuration.
STATE_FILES = "*.tfstate*"
KEPT_IN_STACK_DIR = (
    "*_override.tf.json",
    "*_override.tf",
    "override.tf.json",
    "override.tf",
    "*.auto.tfvars",
    "*.auto.tfvars.json",
    "terraform.tfvars",
    "terraform.tfvars.json",
    ".terraform.lock.hcl",
    ".terraform",
    STATE_FILES,
)
# Committed provider lock files, one per stack: <stack>.terraform.lock.hcl.
LOCKS_DIR = Path("stacks") / "terraform-locks"
LOCK_FILE = ".terraform.lock.hcl"


def committed_lock(project_root: Path, stack_name: str) -> Path:
    """Where a stack's provider lock file is kept in git."""
    return project_root / LOCKS_DIR / f"{stack_name}{LOCK_FILE}"


def _add_committed_locks(staging: Path, project_root: Path) -> None:
    for stack_dir in _stack_dirs(staging):
        lock = committed_lock(project_root, stack_dir.name)
        if lock.is_file():
            shutil.copy2(lock, stack_dir / LOCK_FILE)


def provisioner_sources() -> list[Path]:
    """The files of ``constructs_lib.provisioners`` a stack directory gets: its modules, in name
    order (no ``__pycache__``: what a run leaves there is not part of the output)."""
    return sorted(Path(provisioners.__file__).parent.glob("*.py"))


def _add_provisioners(staging: Path) -> None:
    """A byte-identical copy of the provisioners' package in each stack directory, where their
    commands run it (``python3 -m incident_manager_provisioners.<module>``, in ``path.module``)."""
    sources = provisioner_sources()
    for stack_dir in _stack_dirs(staging):
        package = stack_dir / PACKAGE_IN_STACK
        package.mkdir()
        for source in sources:
            (package / source.name).write_bytes(source.read_bytes())


def _stack_dirs(outdir: Path) -> list[Path]:
    stacks = outdir / "stacks"
    return sorted(p for p in stacks.iterdir() if p.is_dir()) if stacks.is_dir() else []


def _carry_over(old_stack: Path, new_stack: Path) -> None:
    """Move what people keep in a stack directory from the old output into the new one; a lock
    file committed in the repository (already in ``new_stack``) wins over a local one."""
    for pattern in KEPT_IN_STACK_DIR:
        for item in sorted(old_stack.glob(pattern)):
            target = new_stack / item.name
            if not target.exists():
                item.rename(target)


def _holds_state(stack_dir: Path) -> bool:
    return any(stack_dir.glob(STATE_FILES))


def _merge_manifest(staging: Path, outdir: Path, kept: list[str]) -> None:
    """cdktf's manifest.json lists every stack in the output: the new ones and the kept ones."""
    new_path = staging / "manifest.json"
    old_path = outdir / "manifest.json"
    if not kept or not new_path.is_file() or not old_path.is_file():
        return
    manifest = json.loads(new_path.read_text(encoding="utf-8"))
    old_stacks = json.loads(old_path.read_text(encoding="utf-8")).get("stacks", {})
    stacks = {**{name: old_stacks[name] for name in kept if name in old_stacks}}
    stacks.update(manifest.get("stacks", {}))
    manifest["stacks"] = dict(sorted(stacks.items()))
    new_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _swap_in(staging: Path, outdir: Path, *, keep_other_stacks: bool) -> None:
    new_names = {p.name for p in _stack_dirs(staging)}
    kept: list[str] = []
    if outdir.is_dir():
        for old_stack in _stack_dirs(outdir):
            if old_stack.name in new_names:
                _carry_over(old_stack, staging / "stacks" / old_stack.name)
            elif keep_other_stacks or _holds_state(old_stack):
                # An environment whose file is gone keeps its directory while state is there.
                (staging / "stacks").mkdir(exist_ok=True)
                old_stack.rename(staging / "stacks" / old_stack.name)
                kept.append(old_stack.name)
        _merge_manifest(staging, outdir, kept)
    retired = outdir.with_name(f".{outdir.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if outdir.exists():
        outdir.rename(retired)
    staging.rename(outdir)
    shutil.rmtree(retired, ignore_errors=True)
