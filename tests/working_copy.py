"""A private copy of the working tree for `make test` and `make test-quick` to run on.

The suite takes minutes; a person keeps editing meanwhile. Run on the tree itself, a test would
read a file half-way through an edit (a YAML file saved mid-change fails a test that has nothing
to do with it) and write its outputs (cdktf.out, lock files) over the person's. So the make
targets copy the files git would commit (tracked and untracked-but-not-ignored, as they are on
disk now) to a temporary folder, link the installs into it (they are large and read-only to the
tests) and run there. Nothing is copied back; the copy is removed when the run ends.

Usage: ``python -m tests.working_copy`` prints the copy's path (exit 0), or a reason (exit 2).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Installed by `make install`, ignored by git, read but never written by the tests: linked.
LINKED = (".venv", ".venv-checkov", "node_modules", ".tools")
# Outside a git checkout (a tarball of the repository): everything but these is copied.
NEVER_COPIED = {
    ".git",
    *LINKED,
    "cdktf.out",
    "cdktf.out.hcl",
    "preview.out",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".terraform",
}


def files_to_copy(root: Path) -> list[Path]:
    """The files git would commit from ``root`` as they are on disk (relative paths)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        return sorted(_walk(root))
    names = (name for name in listed.stdout.decode().split("\0") if name)
    # A file deleted on disk but not yet in git's index is not part of the tree being tested.
    return sorted(Path(name) for name in names if (root / name).is_file())


def _walk(root: Path) -> Iterable[Path]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in NEVER_COPIED]
        for name in files:
            yield (Path(folder) / name).relative_to(root)


def make_copy(root: Path, destination: Path) -> None:
    """Copy ``root``'s committable files into ``destination`` and link its installs."""
    for relative in files_to_copy(root):
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        # copy2 keeps modification times: mypy and ruff caches stay valid for unchanged files.
        shutil.copy2(root / relative, target, follow_symlinks=False)
    link_installs(root, destination)


def link_installs(root: Path, destination: Path) -> None:
    """Link ``root``'s installs (``LINKED``, those it has) into ``destination``."""
    for name in LINKED:
        if (root / name).exists():
            (destination / name).symlink_to((root / name).resolve())


def main() -> int:
    destination = Path(tempfile.mkdtemp(prefix="incident-manager-test-"))
    try:
        make_copy(ROOT, destination)
    except OSError as error:
        shutil.rmtree(destination, ignore_errors=True)
        print(f"make test: could not copy the working tree: {error}", file=sys.stderr)
        return 2
    print(destination)
    return 0


if __name__ == "__main__":
    sys.exit(main())
