"""The quick run's guard: a test selected as quick that starts Terraform with its provider, a
server or a browser after all fails, naming what it started.

Three ways in, because a test can start things in three places:
- in this process, ``subprocess.Popen`` refuses Terraform's provider commands, the cdktf CLI,
  checkov, Chromium and moto's server (the exception stops the work; the test fails even if
  its code catches it);
- in this process, a listening socket (any server) is refused;
- in child processes (``main.py rehearse``, ``make ...``), ``terraform`` and ``npx`` on PATH
  are shims that refuse the same and write to a file this process reads after each test.

``terraform fmt`` and ``terraform version`` load no provider (the HCL synth formats with fmt)
and stay allowed.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Set in the environment of a quick run; children inherit it.
QUICK_ENV_VAR = "IM_QUICK_TESTS"
VIOLATIONS_ENV_VAR = "IM_QUICK_VIOLATIONS"
# Terraform commands that start no provider.
PROVIDER_FREE = frozenset({"fmt", "version", "-version", "--version", "-v", "-help", "--help"})
REFUSED_PROGRAMS = frozenset({"npx", "cdktf", "checkov", "chromium", "chromium-browser"})
SHIM_EXIT = 97

HOW_TO_FIX = (
    "A quick test (make test-quick) runs no Terraform with its provider, no server and no "
    "browser. If this test needs one, let it use the fixture or helper that starts it (the "
    "selection in tests/quick_selection.py then leaves it to `make test`), add the way it "
    "started to STARTERS there, or mark it @pytest.mark.slow."
)

_SHIM = """#!/bin/sh
# Written by tests/quick_guard.py for a quick test run.
case "$1" in
  {allowed}) exec {real} "$@" ;;
esac
echo "$(basename "$0") $*" >> "${violations}"
echo "quick test run: refused to start \\`$(basename "$0") $*\\` ({fix})" >&2
exit {code}
"""


# Python children (main.py, make's .venv/bin/python -m local_aws) import this first from
# PYTHONPATH: no listening socket there either. Self-contained: a child may run in a project
# copy without tests/.
_SITECUSTOMIZE = """# Written by tests/quick_guard.py for a quick test run.
import os
import socket

_listen = socket.socket.listen


def _refuse_listen(sock, *args):
    with open(os.environ["{violations}"], "a", encoding="utf-8") as record:
        record.write(f"a server listening on {{sock.getsockname()}} (pid {{os.getpid()}})\\n")
    raise RuntimeError("quick test run: refused to start a server. {fix}")


if os.environ.get("{violations}"):
    socket.socket.listen = _refuse_listen
"""


class QuickRunViolationError(RuntimeError):
    """A quick test started something only `make test` may start."""


def _refusal(command: Sequence[str]) -> str | None:
    """What ``command`` starts that a quick run must not, or None."""
    if not command:
        return None
    program = Path(str(command[0])).name
    arguments = [str(a) for a in command[1:]]
    if program == "terraform":
        subcommand = next((a for a in arguments if not a.startswith("-chdir")), "")
        return None if subcommand in PROVIDER_FREE else f"terraform {' '.join(arguments)}"
    if program in REFUSED_PROGRAMS:
        return " ".join([program, *arguments])
    if program.startswith("python") and "-m" in arguments:
        module = arguments[arguments.index("-m") + 1 : arguments.index("-m") + 2]
        if module and module[0] in {"moto.server", "local_aws"}:
            return f"python -m {module[0]} (a server)"
    return None


@dataclass
class QuickGuard:
    """Installed for the whole quick session; ``take()`` hands over what was refused since."""

    shim_dir: Path
    violations_file: Path
    _refused: list[str] = field(default_factory=list)
    _saved: dict[str, Any] = field(default_factory=dict)

    def install(self) -> None:
        self._write_shims()
        self._saved = {
            "popen_init": subprocess.Popen.__init__,
            "listen": socket.socket.listen,
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.environ.get("PYTHONPATH"),
        }
        guard = self
        original_init = self._saved["popen_init"]
        original_listen = self._saved["listen"]

        def guarded_init(popen: Any, args: Any, *rest: Any, **options: Any) -> None:
            command: list[Any] = (
                [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
            )
            if options.get("shell") and isinstance(args, str):
                command = args.split()
            refused = _refusal([os.fsdecode(c) for c in command])
            if refused is not None:
                # Popen.__del__ reads this; without it the refusal adds an unraisable error.
                popen._child_created = False
                guard._refuse(refused)
            original_init(popen, args, *rest, **options)

        def guarded_listen(sock: socket.socket, *args: Any) -> None:
            guard._refuse(f"a server listening on {sock.getsockname()}")
            original_listen(sock, *args)

        subprocess.Popen.__init__ = guarded_init  # type: ignore[method-assign,assignment]
        socket.socket.listen = guarded_listen  # type: ignore[method-assign,assignment]
        os.environ["PATH"] = f"{self.shim_dir}{os.pathsep}{self._saved['PATH']}"
        python_path = self._saved["PYTHONPATH"]
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [str(self.shim_dir / "python"), *([python_path] if python_path else [])]
        )
        os.environ[QUICK_ENV_VAR] = "1"
        os.environ[VIOLATIONS_ENV_VAR] = str(self.violations_file)

    def uninstall(self) -> None:
        if not self._saved:
            return
        subprocess.Popen.__init__ = self._saved["popen_init"]  # type: ignore[method-assign]
        socket.socket.listen = self._saved["listen"]  # type: ignore[method-assign]
        os.environ["PATH"] = self._saved["PATH"]
        if self._saved["PYTHONPATH"] is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = self._saved["PYTHONPATH"]
        os.environ.pop(QUICK_ENV_VAR, None)
        os.environ.pop(VIOLATIONS_ENV_VAR, None)
        self._saved = {}

    def take(self) -> list[str]:
        """Everything refused since the last call, in this process and in its children."""
        refused, self._refused = self._refused, []
        if self.violations_file.exists():
            refused += self.violations_file.read_text(encoding="utf-8").splitlines()
            self.violations_file.unlink()
        return refused

    def _refuse(self, what: str) -> None:
        self._refused.append(what)
        raise QuickRunViolationError(f"quick test run: refused to start `{what}`. {HOW_TO_FIX}")

    def _write_shims(self) -> None:
        (self.shim_dir / "python").mkdir(parents=True, exist_ok=True)
        (self.shim_dir / "python" / "sitecustomize.py").write_text(
            _SITECUSTOMIZE.format(violations=VIOLATIONS_ENV_VAR, fix=HOW_TO_FIX.replace('"', "'")),
            encoding="utf-8",
        )
        for program, allowed in (("terraform", PROVIDER_FREE), ("npx", frozenset())):
            real = shutil.which(program) or "false"
            shim = self.shim_dir / program
            shim.write_text(
                _SHIM.format(
                    allowed="|".join(sorted(allowed)) or "--never--",
                    real=real,
                    violations=VIOLATIONS_ENV_VAR,
                    fix=HOW_TO_FIX.replace("`", "'"),
                    code=SHIM_EXIT,
                ),
                encoding="utf-8",
            )
            shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
