"""Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe).

No port, no WebSocket library, no browser download: Debian's ``chromium`` package, installed with
apt-get when missing (this machine's tests run as root). The page's console errors, uncaught
exceptions, failed loads and every request that is not ``file:`` or ``data:`` are collected.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)
TIMEOUT_SECONDS = 60


def ensure_chromium() -> Path:
    """/usr/bin/chromium, installed from Debian's packages first if missing."""
    if CHROMIUM.exists():
        return CHROMIUM
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=600", "chromium"],
    ):
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            raise AssertionError(
                f"cannot install Chromium ({' '.join(command)} exited {result.returncode}); "
                f"install Debian's 'chromium' package:\n{result.stderr[-2000:]}"
            )
    assert CHROMIUM.exists(), "apt-get installed chromium but /usr/bin/chromium is missing"
    return CHROMIUM


@dataclass
class PageReport:
    """What loading one page showed."""

    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    values: Any = None
    screenshot: bytes = b""


class Browser:
    """One headless Chromium with a fresh profile, spoken to over fds 3 (in) and 4 (out)."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_browser_read, self._write = os.pipe()
        self._read, from_browser_write = os.pipe()

        def wire_pipes() -> None:
            # DevTools reads commands on fd 3 and writes replies on fd 4.
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self.process = subprocess.Popen(
            [str(ensure_chromium()), *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            close_fds=False,
            preexec_fn=wire_pipes,  # noqa: PLW1509 (single-threaded test process)
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._receive()
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._read], [], [], max(0.0, left))
            if not ready:
                raise AssertionError(f"Chromium did not answer within {TIMEOUT_SECONDS} s")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                raise AssertionError(f"Chromium closed the DevTools pipe:\n{stderr[-2000:]}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def load(self, url: str, expression: str, width: int = 1100) -> PageReport:
        """Open ``url``, evaluate ``expression`` (its JSON value is returned), and take a
        full-page screenshot ``width`` pixels wide."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable", session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=800,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.events.clear()
        self.send("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired")
        report = PageReport()
        value = self.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
        report.values = json.loads(value["result"]["value"])
        size = self.send("Page.getLayoutMetrics", session)["cssContentSize"]
        shot = self.send(
            "Page.captureScreenshot",
            session,
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1},
        )
        report.screenshot = base64.b64decode(shot["data"])
        for event in self.events:
            report.problems += _problems(event)
            if event.get("method") == "Network.requestWillBeSent":
                request_url = event["params"]["request"]["url"]
                if not request_url.startswith(("file:", "data:")):
                    report.requests.append(request_url)
        return report

    def close(self) -> None:
        with contextlib.suppress(AssertionError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        os.close(self._write)
        os.close(self._read)
        shutil.rmtree(self.profile, ignore_errors=True)


def _problems(event: dict[str, Any]) -> list[str]:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        return [f"uncaught: {details.get('exception', {}).get('description') or details['text']}"]
    if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
        return [f"console.{params['type']}: {[a.get('value') for a in params['args']]}"]
    if method == "Log.entryAdded" and params["entry"]["level"] == "error":
        return [f"log: {params['entry']['text']}"]
    if method == "Network.loadingFailed":
        return [f"load failed: {params.get('errorText')}"]
    return []


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
