"""`python main.py preview-diff ENV --base REF`: what the working tree changes in who gets paged
when and who is on call, compared with a git ref, as Markdown for a pull request comment."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import replace
from pathlib import Path

from stacks.config.config_errors import ConfigError
from stacks.config.environment_loader import ENVIRONMENT_SUFFIXES
from stacks.layout import ENVIRONMENTS_DIR, EXIT_CONFIG_ERROR, PROJECT_ROOT
from stacks.paging.command import parse_at, weeks
from stacks.paging.diff import markdown
from stacks.paging.preview import DEFAULT_WEEKS, build_preview
from stacks.paging.source import SourceFile, load_sources, read_source

EPILOG = """\
examples:
  python main.py preview-diff prod --base origin/main
  python main.py preview-diff prod --base HEAD~1 --at 2026-12-25T03:00Z >> comment.md

BASE's environment file is read with `git show BASE:stacks/environments/ENV.yaml` (runbook
documents come from the working tree). Both sides use the same --at (default: now).

exit status:
  0  Markdown printed (changes or not)
  2  an environment file, the git ref or an argument is wrong

environment variables: none (git runs in the project root).
"""


class BaseError(Exception):
    """BASE cannot be read: an unknown ref, or git missing."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "preview-diff",
        help="what a change does to paging and on-call, as Markdown for a pull request",
        description=textwrap.fill(
            "Compare who is paged when (per response plan) and who is on call (per rotation) "
            "between a git ref and the working tree, and print the differences as Markdown: "
            '"EC2HighCPU: sr-incident-responder is now paged at minute 10 instead of 5". '
            "Loads no cdktf."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("environment", metavar="ENV")
    parser.add_argument("--base", required=True, metavar="REF", help="git ref to compare with")
    parser.add_argument("--at", type=parse_at, default="now", help="incident start (default now)")
    parser.add_argument("--weeks", type=weeks, default=DEFAULT_WEEKS, help="calendar weeks")
    parser.set_defaults(run=run)


def base_text(root: Path, ref: str, environment: str) -> bytes | None:
    """The environment file at ``ref`` (``.yaml`` or ``.yml``), as bytes (a file that is not
    UTF-8 is reported by the loader, like any); None when it did not exist there."""
    verify = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if verify.returncode != 0:
        raise BaseError(f"--base: {ref!r} is not a commit in this repository")
    for suffix in ENVIRONMENT_SUFFIXES:
        path = (ENVIRONMENTS_DIR / f"{environment}{suffix}").as_posix()
        shown = subprocess.run(
            ["git", "show", f"{ref}:{path}"], cwd=root, capture_output=True, check=False
        )
        if shown.returncode == 0:
            return shown.stdout
    return None


def load_base(root: Path, ref: str, environment: str, directory: Path) -> SourceFile | None:
    """BASE's environment, checked like any file, from a copy in ``directory``; problems are
    reported as ``REF:stacks/environments/ENV.yaml:LINE``."""
    text = base_text(root, ref, environment)
    if text is None:
        return None
    path = directory / f"{environment}.yaml"
    path.write_bytes(text)
    try:
        return read_source(path, root)
    except ConfigError as error:
        shown = f"{ref}:{ENVIRONMENTS_DIR.as_posix()}/{environment}.yaml"
        raise ConfigError(replace(p, file=shown) for p in error.problems) from None


def run(args: argparse.Namespace) -> int:
    root = PROJECT_ROOT
    with tempfile.TemporaryDirectory(prefix="preview-base-") as directory:
        try:
            (current,) = load_sources(root, [args.environment])
            before = load_base(root, args.base, args.environment, Path(directory))
        except (ConfigError, BaseError) as error:
            print(error, file=sys.stderr)
            return EXIT_CONFIG_ERROR
        new = build_preview(current, args.at, args.weeks)
        old = build_preview(before, args.at, args.weeks) if before else None
    sys.stdout.write(markdown(args.base, old, new))
    return 0
