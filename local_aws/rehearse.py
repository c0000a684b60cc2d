"""``rehearse``: apply one environment to a private local Incident Manager with the real
Terraform and provider, show what the change does, require a clean second plan, destroy.

Steps: synthesize the environment (and, with ``--before REF``, the same environment as it was at
that git ref, from ``git archive`` into a temporary directory); start a local server in the
environment's account; apply BEFORE, then apply the working tree over it and print what changed
in Incident Manager's words and the API operations it took (from the server's request log);
plan again and require "No changes"; destroy in the copy with ``prevent_destroy`` lifted; stop
the server. Nothing reaches AWS: every endpoint is the local server and the keys are fake.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from local_aws.local_apply import (
    Change,
    Json,
    LocalWorkdir,
    StepFailedError,
    TerraformCli,
    create_shared_replication_set,
    has_replication_set,
    operations,
    provider_version,
    stack_account,
    stack_providers,
    stack_region,
)
from local_aws.process import LocalAwsProcess, ServerStartError
from local_aws.stack_inputs import secret_address_types
from local_aws.terraform_setup import TerraformSetupError
from stacks.layout import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, PROJECT_ROOT

EXIT_USAGE = EXIT_BAD_INPUT
DESCRIPTION = (
    "Apply one environment to a local Incident Manager (moto plus ssm-contacts and "
    "ssm-incidents on 127.0.0.1) with the real Terraform and provider: as it was at --before "
    "first when given, then as it is now; print what changed and the API operations called; "
    "plan again and require no changes; destroy. No AWS account is needed or reached."
)
EPILOG = """\
examples:
  python -m local_aws.rehearse prod
  python -m local_aws.rehearse prod --before HEAD~1
  make rehearse ENV=prod BEFORE=main

exit status: 0 the rehearsal passed; 1 a step failed (Terraform's own error is printed);
2 bad arguments (unknown environment, unknown git ref, Terraform or the provider mirror missing).

environment: IM_TF_PLUGIN_MIRROR (folder holding registry.terraform.io/, default
/opt/tf-plugins); terraform must be on PATH. AWS_* and TF_* variables of the caller are ignored.
"""


class UsageError(Exception):
    """Bad input: reported with exit status 2."""


Printer = Callable[[str], None]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``rehearse`` with main.py's subcommands."""
    parser = subparsers.add_parser(
        "rehearse",
        help="apply an environment to a local Incident Manager, plan again, destroy",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    configure(parser)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("environment", metavar="ENV", help="environment name (stacks/environments)")
    parser.add_argument(
        "--before",
        metavar="REF",
        help="git ref to apply first (e.g. HEAD~1, main); the working tree is applied over it",
    )
    parser.set_defaults(run=run)


@dataclass
class Timings:
    """Seconds per step, printed at the end."""

    steps: list[tuple[str, float]]

    def timed(self, name: str, started: float) -> None:
        self.steps.append((name, time.monotonic() - started))


def _synthesize(root: Path, environment: str, outdir: Path) -> Path:
    """``main.py ENV`` of the tree at ``root``; the stack directory."""
    result = subprocess.run(
        [sys.executable, "main.py", environment, "--outdir", str(outdir)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    stack_dir = outdir / "stacks" / f"incident-manager-{environment}"
    if result.returncode != 0 or not (stack_dir / "cdk.tf.json").is_file():
        raise StepFailedError(f"synthesize {environment} in {root}", result.stderr + result.stdout)
    return stack_dir


def _export(ref: str, destination: Path) -> Path:
    """The tree of git ``ref`` unpacked into ``destination`` (``git archive``)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref],
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )
    if archive.returncode != 0:
        message = archive.stderr.decode("utf-8", "replace").strip()
        raise UsageError(f"--before {ref}: not a git ref of this repository ({message})")
    destination.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(destination, filter="data")
    return destination


def _address_types(root: Path) -> dict[str, str]:
    try:
        return secret_address_types(root)
    except Exception:  # an old tree's files may not load with today's code
        return secret_address_types(PROJECT_ROOT)


def _print_changes(
    say: Printer, title: str, stack: Json, changes: Sequence[Change], calls: list[str]
) -> None:
    say(f"\n{title}")
    if not changes:
        say("  no changes")
    for change in changes:
        say(f"  {change.line(stack)}")
    if calls:
        say("  API operations (writes):")
        for call in calls:
            say(f"    {call}")


@dataclass
class Trees:
    """The synthesized stack directories (``before`` only with ``--before``)."""

    now: Path
    before: Path | None
    before_root: Path | None


def _check_arguments(environment: str, before: str | None) -> None:
    """UsageError for an unknown environment or git ref, before anything is started."""
    from stacks.config.environment_loader import environment_files
    from stacks.layout import ENVIRONMENTS_DIR

    known = environment_files(PROJECT_ROOT)
    if environment not in known:
        raise UsageError(
            f"{ENVIRONMENTS_DIR.as_posix()}/{environment}.yaml: no such environment; known: "
            f"{', '.join(known)}"
        )
    if before:
        verified = subprocess.run(
            ["git", "rev-parse", "--verify", f"{before}^{{commit}}"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if verified.returncode != 0:
            message = verified.stderr.strip()
            raise UsageError(f"--before {before}: not a git ref of this repository ({message})")


def _synthesize_trees(environment: str, before: str | None, workroot: Path) -> Trees:
    from stacks.config.environment_loader import environment_files

    if not before:
        return Trees(_synthesize(PROJECT_ROOT, environment, workroot / "now"), None, None)
    before_root = _export(before, workroot / "before-tree")
    if environment not in environment_files(before_root):
        raise UsageError(f"--before {before}: environment {environment} does not exist there")
    # Two independent child processes, each mostly waiting on its own imports: side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        now = pool.submit(_synthesize, PROJECT_ROOT, environment, workroot / "now")
        then = pool.submit(_synthesize, before_root, environment, workroot / "before")
        return Trees(now.result(), then.result(), before_root)


def _named_account(environment: str) -> str | None:
    """The ``account_id`` the working tree's environment file names, read without loading the
    app, so that the server can start while synthesis runs (None: unreadable; the stack's
    account decides once it is synthesized)."""
    from stacks.config.environment_loader import environment_files

    path = environment_files(PROJECT_ROOT).get(environment)
    if path is None:
        return None
    try:
        document = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except YAMLError:
        return None
    value = document.get("account_id") if isinstance(document, dict) else None
    return str(value) if value is not None else None


def _start_server(
    workroot: Path, environment: str, before: str | None, timings: Timings
) -> tuple[Trees, LocalAwsProcess]:
    """Synthesis and the server's start side by side (both are child processes that mostly
    import Python modules); the server is started again in the stack's own account when the
    environment file named another (an older tree given with --before may)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        synthesis = pool.submit(_synthesize_trees, environment, before, workroot)
        named = _named_account(environment)
        server_started = time.monotonic()
        server = LocalAwsProcess.start(workroot / "server", named) if named else None
        timings.timed("server start", server_started)
        try:
            trees = synthesis.result()
        except BaseException:
            if server is not None:
                server.stop()
            raise
        timings.timed("synthesize (server started alongside)", started)
    account = stack_account(_read(trees.before or trees.now))
    if server is None or account != named:
        if server is not None:
            server.stop()
        started = time.monotonic()
        server = LocalAwsProcess.start(workroot / "server-again", account)
        timings.timed("server start again", started)
    return trees, server


def _read(stack_dir: Path) -> Json:
    stack: Json = json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
    return stack


def _apply_and_report(
    work: LocalWorkdir, server: LocalAwsProcess, step: str, title: str, say: Printer
) -> None:
    seen = len(server.requests())
    changes = work.apply(step)
    _print_changes(say, title, work.stack, changes, operations(server.requests()[seen:]))


def _check_and_destroy(
    work: LocalWorkdir, server: LocalAwsProcess, timings: Timings, say: Printer
) -> None:
    started = time.monotonic()
    pending = work.pending_changes("plan again")
    timings.timed("plan again", started)
    if pending:
        lines = "\n".join(f"  {c.line(work.stack)}" for c in pending)
        raise StepFailedError(
            "plan again",
            "Terraform wants to change what it has just applied (the server reads back "
            f"something other than what was written):\n{lines}",
        )
    say("\nPlan again: no changes.")
    started = time.monotonic()
    seen = len(server.requests())
    # The plan above has just read every object back from the server and found it as
    # configured: the destroy's own refresh would read the same again (two provider starts
    # for prod's two provider configurations) and prove nothing new.
    destroyed = work.destroy(refresh=False)
    timings.timed("destroy", started)
    _print_changes(
        say,
        "Destroy (prevent_destroy lifted in the copy)",
        work.stack,
        destroyed,
        operations(server.requests()[seen:]),
    )


def rehearse(environment: str, before: str | None, workroot: Path, say: Printer) -> Timings:
    """The rehearsal; raises StepFailedError (exit 1) or UsageError (exit 2)."""
    _check_arguments(environment, before)
    timings = Timings([])
    trees, server = _start_server(workroot, environment, before, timings)
    first_dir = trees.before or trees.now
    first_stack = _read(first_dir)
    account = stack_account(first_stack)
    work: LocalWorkdir | None = None
    try:
        say(f"Local Incident Manager at {server.url}, account {account or 'any'}")
        terraform = TerraformCli.offline(provider_version(first_stack), workroot)
        work = LocalWorkdir(
            workroot / "work", terraform, server.url, workroot / "rehearsal.tfstate"
        )
        if not has_replication_set(first_stack):
            arn = create_shared_replication_set(server.url, stack_region(first_stack))
            say(
                f"{environment} refers to the account's replication set without owning it: "
                f"created one for the rehearsal ({arn})"
            )
        work.load(first_dir, _address_types(trees.before_root or PROJECT_ROOT))
        # A ref from before the provisioners travelled runs them from its own tree.
        work.code_root = trees.before_root
        started = time.monotonic()
        work.init()
        timings.timed("terraform init", started)
        # One provider start for every run after init (a process per configuration: prod has
        # two regions); the runs reattach it (local_aws/reattached_providers.py).
        now_stack = _read(trees.now) if trees.before is not None else first_stack
        configurations = max(len(stack_providers(s)) for s in (first_stack, now_stack))
        work.share_providers(configurations, workroot / "providers")
        if trees.before is not None:
            started = time.monotonic()
            _apply_and_report(
                work,
                server,
                f"apply {environment} as at {before}",
                f"{environment} as at {before}: applied from nothing",
                say,
            )
            timings.timed(f"apply {before}", started)
            work.load(trees.now, _address_types(PROJECT_ROOT))
            work.code_root = None
        started = time.monotonic()
        title = (
            f"{environment}: the change from {before} to the working tree"
            if before
            else f"{environment} as in the working tree: applied from nothing"
        )
        _apply_and_report(work, server, f"apply {environment} as in the working tree", title, say)
        timings.timed("apply working tree", started)
        _check_and_destroy(work, server, timings, say)
    finally:
        if work is not None:
            work.stop_providers()
        server.stop()
    return timings


def run(args: argparse.Namespace) -> int:
    """``rehearse ENV [--before REF]``; the exit status."""

    def say(text: str) -> None:
        print(text, flush=True)

    with tempfile.TemporaryDirectory(prefix="rehearse-") as temporary:
        try:
            timings = rehearse(args.environment, args.before, Path(temporary), say)
        except (UsageError, TerraformSetupError) as error:
            print(f"rehearse: {error}", file=sys.stderr)
            return EXIT_USAGE
        except ServerStartError as error:
            print(f"rehearse: {error}", file=sys.stderr)
            return EXIT_FAILED
        except StepFailedError as failure:
            print(f"\nrehearse: {failure.step} failed:\n{failure.output}", file=sys.stderr)
            return EXIT_FAILED
    say("\nTimings: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.steps))
    say(f"Rehearsal of {args.environment} passed; the local server is stopped.")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local_aws.rehearse",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    configure(parser)
    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
