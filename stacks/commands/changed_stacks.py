"""`python main.py changed-stacks --base REF`: the stacks whose synthesized Terraform differs
between a git ref and the working tree, as the JSON of a GitHub Actions matrix.

Derived from the files, never from a hand-kept list: both sides are synthesized (REF from a
``git archive`` of it, with REF's own code; the working tree with its own) into temporary
directories, and a stack is listed when any file of its synthesized directory differs
(``cdk.tf.json``, the provisioners' copy, the provider lock file) or when it is new. So a
comment in an environment file lists nothing, and a change to shared code lists exactly the
stacks it changes. One shortcut, exact too: when no file that synthesis reads changed
(``SYNTH_INPUTS``), nothing can differ and nothing is synthesized.

Imports: the standard library and ``stacks.layout``; synthesis runs in child processes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import textwrap
from pathlib import Path

from stacks.commands.arguments import ENVIRONMENTS_VARIABLE, OUTDIR_VARIABLE, Subparsers
from stacks.layout import EXIT_BAD_INPUT, EXIT_OK, PROJECT_ROOT, STACK_PREFIX

# What synthesis reads: the app's entry point, its code, the environment files, the provider
# lock files it copies, the pinned packages. Any other change (docs, tests, workflows) cannot
# change a synthesized stack.
SYNTH_INPUTS = ("main.py", "cdktf.json", "requirements.txt", "stacks/", "constructs_lib/")

EPILOG = """\
examples:
  python main.py changed-stacks --base origin/main
  echo "matrix=$(python main.py changed-stacks --base "$BASE_SHA")" >> "$GITHUB_OUTPUT"

output (one line): {"include": [{"env": "prod", "stack": "incident-manager-prod"}, ...]},
sorted by environment, each changed stack once; {"include": []} when none changed. A stack
that REF has and the working tree no longer has is named on stderr (nothing plans it: its
resources stay until destroyed from REF).

exit status:
  0  the matrix printed
  2  REF is not a commit, or either side does not synthesize (its message on stderr)
"""


class ChangedStacksError(Exception):
    """A side cannot be read or synthesized; the message says which and why."""


def add_parser(subparsers: Subparsers) -> None:
    """Register ``changed-stacks`` with main.py's subcommands."""
    parser = subparsers.add_parser(
        "changed-stacks",
        help="the stacks a change touches, as a GitHub Actions matrix (JSON)",
        description=textwrap.fill(
            "Synthesize REF and the working tree and print, as JSON for a GitHub Actions "
            "matrix, every stack whose synthesized files differ."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--base", required=True, metavar="REF", help="git ref to compare with")
    parser.set_defaults(run=run)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)


def changed_files(root: Path, ref: str) -> list[str]:
    """Files that differ between ``ref`` and the working tree: tracked files changed, added or
    removed since ``ref``, and untracked files git does not ignore."""
    if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise ChangedStacksError(f"--base: {ref!r} is not a commit in this repository")
    tracked = _git(root, "diff", "--name-only", "--no-renames", "-z", ref, "--")
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    for result in (tracked, untracked):
        if result.returncode != 0:
            raise ChangedStacksError(result.stderr.decode(errors="replace").strip())
    names = (tracked.stdout + untracked.stdout).decode().split("\0")
    return sorted({name for name in names if name})


def touches_synthesis(files: list[str]) -> bool:
    return any(name == p or name.startswith(p) for name in files for p in SYNTH_INPUTS)


def export_ref(root: Path, ref: str, destination: Path) -> None:
    """The tree of ``ref`` written into ``destination`` (``git archive``; no checkout touched)."""
    archive = _git(root, "archive", "--format=tar", f"{ref}^{{commit}}")
    if archive.returncode != 0:
        raise ChangedStacksError(archive.stderr.decode(errors="replace").strip())
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(destination, filter="data")


def synthesize(source: Path, outdir: Path, side: str) -> None:
    """Every environment of the tree at ``source``, synthesized by that tree's own main.py."""
    env = {k: v for k, v in os.environ.items() if k != ENVIRONMENTS_VARIABLE}
    # The way the cdktf CLI names the output directory: every version of main.py reads it.
    env[OUTDIR_VARIABLE] = str(outdir)
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ChangedStacksError(
            f"{side} does not synthesize (exit {result.returncode}):\n{result.stderr.strip()}"
        )


def stack_contents(outdir: Path) -> dict[str, dict[str, bytes]]:
    """Stack name -> (path inside its directory -> bytes) of every synthesized stack."""
    stacks = outdir / "stacks"
    if not stacks.is_dir():
        return {}
    return {
        directory.name: {
            path.relative_to(directory).as_posix(): path.read_bytes()
            for path in sorted(directory.rglob("*"))
            if path.is_file()
        }
        for directory in sorted(stacks.iterdir())
        if directory.is_dir()
    }


def compare(before: dict[str, dict[str, bytes]], after: dict[str, dict[str, bytes]]) -> list[str]:
    """The stacks of ``after`` that are new or differ from ``before``'s, sorted."""
    return sorted(name for name, files in after.items() if before.get(name) != files)


def changed_stacks(root: Path, ref: str) -> tuple[list[str], list[str]]:
    """(changed or new stacks, stacks removed since ``ref``) of the working tree at ``root``."""
    if not touches_synthesis(changed_files(root, ref)):
        return [], []
    with tempfile.TemporaryDirectory(prefix="changed-stacks-") as work:
        base_tree, base_out, head_out = (Path(work) / name for name in ("tree", "base", "head"))
        base_tree.mkdir()
        export_ref(root, ref, base_tree)
        synthesize(base_tree, base_out, f"--base {ref}")
        synthesize(root, head_out, "the working tree")
        before, after = stack_contents(base_out), stack_contents(head_out)
    return compare(before, after), sorted(set(before) - set(after))


def matrix(stacks: list[str]) -> dict[str, list[dict[str, str]]]:
    """The GitHub Actions matrix: one entry per stack, with its environment's name."""
    return {"include": [{"env": s.removeprefix(STACK_PREFIX), "stack": s} for s in stacks]}


def run(args: argparse.Namespace) -> int:
    try:
        changed, removed = changed_stacks(PROJECT_ROOT, args.base)
    except ChangedStacksError as error:
        print(f"changed-stacks: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for stack in removed:
        print(
            f"changed-stacks: {stack} is gone from the working tree; nothing plans it here "
            "(its resources stay until destroyed)",
            file=sys.stderr,
        )
    print(json.dumps(matrix(changed), separators=(",", ":")))
    return EXIT_OK
