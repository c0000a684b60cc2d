"""A TCP proxy on 127.0.0.1 between Terraform, the provisioners' boto3 and the local server,
that a test cuts and restores like a network, and that can stop at a chosen request.

- ``cut()`` resets every open connection (RST, as a dropped NAT entry or a firewall does) and
  stops listening, so new connections are refused; ``restore()`` listens on the same port again.
- ``hold()`` stalls the network: nothing passes either way and new connections wait, as while
  packets are lost and TCP sends them again; ``release()`` lets everything through again.
- ``upstream`` can be changed while it runs: a server killed and started again on another port
  is reached at the same address.
- ``when(*markers, on=..., action=..., body=...)``: the first request holding every marker
  (bytes of its header or body, e.g. ``b"SSMContacts.CreateRotation"``), and whose whole body
  satisfies ``body`` when given, runs ``action`` in its own thread, either before the request
  goes on (``on="request"``) or once the server's answer is back and before the client sees it
  (``on="response"``: the request has been served). ``action`` returns ``RELAY`` (go on) or
  ``DROP`` (reset the client's connection: the answer is lost).

HTTP/1.1 without pipelining: the bytes a client sends before the next answer are one request.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["relay", "drop"]
RELAY: Outcome = "relay"
DROP: Outcome = "drop"
CHUNK = 65536
CONTROL_TIMEOUT = 10


@dataclass
class Trigger:
    """One fault waiting for its request; ``fired`` is set once its action has run."""

    markers: tuple[bytes, ...]
    on: Literal["request", "response"]
    action: Callable[[], Outcome]
    body: Callable[[bytes], bool] | None = None
    fired: threading.Event = field(default_factory=threading.Event)
    request: bytes = b""


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST, not FIN: the peer sees "connection reset by peer"."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _body(request: bytes) -> bytes | None:
    """The body of an HTTP/1.1 request once it has all come (None before): by Content-Length,
    and decoded from chunked or aws-chunked framing (S3 uploads from the AWS SDKs)."""
    head, blank, body = request.partition(b"\r\n\r\n")
    if not blank:
        return None
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip().lower()
    length = headers.get(b"content-length")
    if length is not None and len(body) < int(length):
        return None
    framed = b"aws-chunked" in headers.get(b"content-encoding", b"") or (
        headers.get(b"transfer-encoding") == b"chunked"
    )
    if not framed:
        return body
    data, rest = bytearray(), body
    while True:
        size_line, crlf, rest = rest.partition(b"\r\n")
        if not crlf:
            return None
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return bytes(data)
        data += rest[:size]
        rest = rest[size + 2 :]


class FaultProxy:
    """The proxy (see the module's docstring); ``url`` is what clients are pointed at."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.connections = 0
        self.refused_upstream = 0
        self._triggers: list[Trigger] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _call(self, coroutine: object) -> None:
        future: Future[None] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)  # type: ignore[arg-type]
        future.result(timeout=CONTROL_TIMEOUT)

    def start(self) -> FaultProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def restore(self) -> None:
        """Listen again on the same port."""
        self._call(self._listen())

    def cut(self) -> None:
        """Reset every connection and refuse new ones until ``restore()``."""
        self._call(self._cut())

    def hold(self) -> None:
        """Let nothing through until ``release()``."""
        self._call(self._set_flowing(False))

    def release(self) -> None:
        self._call(self._set_flowing(True))

    async def _set_flowing(self, flowing: bool) -> None:
        if flowing:
            self._flowing.set()
        else:
            self._flowing.clear()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._call(self._cut())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=CONTROL_TIMEOUT)

    def when(
        self,
        *markers: bytes,
        on: Literal["request", "response"],
        action: Callable[[], Outcome],
        body: Callable[[bytes], bool] | None = None,
    ) -> Trigger:
        trigger = Trigger(markers, on, action, body)
        with self._lock:
            self._triggers.append(trigger)
        return trigger

    def _match(self, request: bytes, on: str) -> Trigger | None:
        with self._lock:
            for trigger in self._triggers:
                if trigger.on != on or not all(m in request for m in trigger.markers):
                    continue
                if trigger.body is not None:
                    whole = _body(request)
                    if whole is None or not trigger.body(whole):
                        continue
                self._triggers.remove(trigger)
                trigger.request = request
                return trigger
        return None

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            _reset(writer)
        self._open.clear()

    async def _fire(self, trigger: Trigger) -> Outcome:
        outcome = await asyncio.get_running_loop().run_in_executor(None, trigger.action)
        trigger.fired.set()
        return outcome

    async def _serve(self, client_in: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        self.connections += 1
        await self._flowing.wait()
        try:
            server_in, server = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            self.refused_upstream += 1
            _reset(client)
            return
        self._open |= {client, server}
        link = _Link(self, client_in, client, server_in, server)
        tasks = [asyncio.ensure_future(link.upward()), asyncio.ensure_future(link.downward())]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            failed = any(t.exception() is not None for t in done if not t.cancelled())
        finally:
            for task in tasks:
                task.cancel()
            self._open -= {client, server}
        if failed:
            _reset(client)
            server.transport.abort()
        else:
            client.close()
            server.close()


@dataclass
class _Link:
    """One client connection and its connection to the server: the bytes of the request on its
    way (cleared when the answer starts) and the triggers waiting for that answer."""

    proxy: FaultProxy
    client_in: asyncio.StreamReader
    client: asyncio.StreamWriter
    server_in: asyncio.StreamReader
    server: asyncio.StreamWriter
    request: bytearray = field(default_factory=bytearray)
    pending: list[Trigger] = field(default_factory=list)

    async def upward(self) -> None:
        proxy = self.proxy
        while data := await self.client_in.read(CHUNK):
            self.request.extend(data)
            trigger = proxy._match(bytes(self.request), "request")
            if trigger is not None and await proxy._fire(trigger) == DROP:
                raise ConnectionResetError
            response = proxy._match(bytes(self.request), "response")
            if response is not None:
                self.pending.append(response)
            await proxy._flowing.wait()
            self.server.write(data)
            await self.server.drain()
        if self.server.can_write_eof():
            self.server.write_eof()

    async def downward(self) -> None:
        proxy = self.proxy
        while data := await self.server_in.read(CHUNK):
            for trigger in self.pending:
                trigger.request = bytes(self.request)  # the whole request it stopped
            self.request.clear()
            while self.pending:
                if await proxy._fire(self.pending.pop()) == DROP:
                    raise ConnectionResetError
            await proxy._flowing.wait()
            self.client.write(data)
            await self.client.drain()
        if self.request:
            # The server went away with a request unanswered (killed): the client sees the
            # connection reset, as from a dead host, and sends it again.
            raise ConnectionResetError
        self.client.close()
