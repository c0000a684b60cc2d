"""A command run as from a terminal: in a process group of its own, so that Ctrl-C (SIGINT to
the foreground group) reaches make, the flow, Terraform, its provider and its provisioners at
once, as a terminal sends it; its output read line by line while it runs. Every wait is bounded,
and ``kill()`` ends the whole group (a failing test leaves nothing running)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class Terminal:
    """One running command; ``lines`` is what it has printed so far (stderr merged)."""

    def __init__(self, command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._printed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._printed:
                self.lines.append(line)
                self._printed.notify_all()

    def output(self) -> str:
        with self._printed:
            return "".join(self.lines)

    def wait_for(self, *texts: str, timeout: float) -> bool:
        """Whether every one of ``texts`` was printed within ``timeout`` seconds."""
        return self.wait_until(lambda printed: all(text in printed for text in texts), timeout)

    def wait_until(self, printed: Callable[[str], bool], timeout: float) -> bool:
        """Whether what was printed satisfied ``printed`` within ``timeout`` seconds."""
        with self._printed:
            return self._printed.wait_for(lambda: printed("".join(self.lines)), timeout)

    def interrupt(self) -> None:
        """Ctrl-C: SIGINT to every process of the group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def finish(self, timeout: float) -> subprocess.CompletedProcess[str]:
        """Wait for the command (``kill()`` and raise after ``timeout`` seconds)."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self._reader.join(timeout=10)
        return subprocess.CompletedProcess(
            self.process.args, self.process.returncode, self.output(), ""
        )

    def kill(self) -> None:
        """SIGKILL to the whole group, if it still runs."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
