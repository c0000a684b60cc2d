"""A TCP proxy on 127.0.0.1 between Terraform, the provisioners' boto3 and the local server,
that a test cuts and restores like a network, and that can stop at a chosen request.

- ``cut()`` resets every open connection (RST, as a dropped NAT entry or a firewall does) and
  stops listening, so new connections are refused; ``restore()`` listens on the same port again.
- ``hold()`` stalls the network: nothing passes either way and new connections wait, as while
  packets are lost and TCP sends them again; ``release()`` lets everything through again. The
  server's answers are still read meanwhile, so ``quiet()`` can tell when it has answered, in
  full, everything it was sent: the moment to kill it without cutting an answer short.
- ``upstream_port`` can be changed while it runs: a server killed and started again on another
  port is reached at the same address.
- ``when(*markers, on=..., action=..., body=...)``: the first request holding every marker
  (bytes of its header or body, e.g. ``b"SSMContacts.CreateRotation"``), and whose whole body
  satisfies ``body`` when given, runs ``action`` in its own thread, either before the request
  goes on (``on="request"``) or once the server's answer has begun and before the client sees
  it (``on="response"``: the request has been served). ``action`` returns ``RELAY`` (go on) or
  ``DROP`` (reset the client's connection: the answer is lost).

A client whose request the server leaves unanswered, or answers only in part, because it died,
sees its connection reset, and its SDK sends the request again. HTTP/1.1 without pipelining:
the bytes a client sends before the answer begins are one request.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
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
    """One fault waiting for its request; ``fired`` is set once its action has run, and
    ``request`` holds the request it stopped."""

    markers: tuple[bytes, ...]
    on: Literal["request", "response"]
    action: Callable[[], Outcome]
    body: Callable[[bytes], bool] | None = None
    fired: threading.Event = field(default_factory=threading.Event)
    request: bytes = b""
    link: _Link | None = None


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST, not FIN: the peer sees "connection reset by peer"."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _split(message: bytes) -> tuple[dict[bytes, bytes], bytes] | None:
    """The headers (names and values in lower case) and the body so far of an HTTP/1.1
    message; None before its blank line."""
    head, blank, body = message.partition(b"\r\n\r\n")
    if not blank:
        return None
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip().lower()
    return headers, body


def _unframe(body: bytes) -> bytes | None:
    """A chunked or aws-chunked (S3 uploads from the AWS SDKs) body without its framing; None
    until its last chunk has come."""
    data, rest = bytearray(), body
    while True:
        size_line, crlf, rest = rest.partition(b"\r\n")
        if not crlf:
            return None
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return bytes(data)
        if len(rest) < size:
            return None
        data += rest[:size]
        rest = rest[size + 2 :]


def _framed(headers: dict[bytes, bytes]) -> bool:
    return b"aws-chunked" in headers.get(b"content-encoding", b"") or (
        headers.get(b"transfer-encoding") == b"chunked"
    )


def _body(request: bytes) -> bytes | None:
    """The body of a request once it has all come (None before), without its framing."""
    split = _split(request)
    if split is None:
        return None
    headers, body = split
    length = headers.get(b"content-length")
    if length is not None and len(body) < int(length):
        return None
    return _unframe(body) if _framed(headers) else body


def _answered(answer: bytes, to_head: bool) -> bool:
    """Whether ``answer`` is a whole HTTP/1.1 answer (``to_head``: the request was HEAD)."""
    split = _split(answer)
    if split is None:
        return False
    headers, body = split
    status = answer.split(b" ", 2)[1] if answer.count(b" ") >= 2 else b""
    if to_head or status in (b"204", b"304"):
        return True
    if _framed(headers):
        return _unframe(body) is not None
    length = headers.get(b"content-length")
    return length is not None and len(body) >= int(length)


class FaultProxy:
    """The proxy (see the module's docstring); ``url`` is what clients are pointed at."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.connections = 0
        self.refused_upstream = 0
        self._triggers: list[Trigger] = []
        self._links: set[_Link] = set()
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
        """Let nothing through until ``release()`` (the server's answers are still read)."""
        self._call(self._set_flowing(False))

    def release(self) -> None:
        self._call(self._set_flowing(True))

    def quiet(self, but: Trigger | None = None, timeout: float = CONTROL_TIMEOUT) -> bool:
        """Whether, within ``timeout`` seconds, the server has answered in full every request
        it was sent, but the one ``but`` stopped."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                busy = [
                    k for k in self._links if k.outstanding and (but is None or k is not but.link)
                ]
            if not busy:
                return True
            time.sleep(0.05)
        return False

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

    async def _set_flowing(self, flowing: bool) -> None:
        if flowing:
            self._flowing.set()
        else:
            self._flowing.clear()

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

    async def _fire(self, trigger: Trigger, link: _Link) -> Outcome:
        trigger.link = link

        def run() -> Outcome:
            # Set by the action's own thread: an action that cuts the network resets this very
            # link, whose task may then be cancelled while it waits here (seen under load: the
            # cut happened, yet ``fired`` stayed unset).
            try:
                return trigger.action()
            finally:
                trigger.fired.set()

        return await asyncio.get_running_loop().run_in_executor(None, run)

    async def _serve(self, client_in: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        self.connections += 1
        await self._flowing.wait()
        try:
            server_in, server = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            self.refused_upstream += 1
            _reset(client)
            return
        link = _Link(self, client_in, client, server_in, server)
        with self._lock:
            self._links.add(link)
        self._open |= {client, server}
        pumps = [link.upward(), link.read_answers(), link.write_answers()]
        tasks = [asyncio.ensure_future(pump) for pump in pumps]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            failed = any(t.exception() is not None for t in done if not t.cancelled())
        finally:
            for task in tasks:
                task.cancel()
            self._open -= {client, server}
            with self._lock:
                self._links.discard(link)
        if failed:
            _reset(client)
            server.transport.abort()
        else:
            client.close()
            server.close()


@dataclass(eq=False)
class _Link:
    """One client connection and its connection to the server: the request on its way
    (cleared when its answer begins), the answer being read, whether the server owes one,
    and the triggers waiting for it. Answers are read as they come and written to the client
    only while the network flows."""

    proxy: FaultProxy
    client_in: asyncio.StreamReader
    client: asyncio.StreamWriter
    server_in: asyncio.StreamReader
    server: asyncio.StreamWriter
    request: bytearray = field(default_factory=bytearray)
    answer: bytearray = field(default_factory=bytearray)
    outstanding: bool = False
    to_head: bool = False
    pending: list[Trigger] = field(default_factory=list)
    answers: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)

    async def upward(self) -> None:
        proxy = self.proxy
        while data := await self.client_in.read(CHUNK):
            self.request.extend(data)
            trigger = proxy._match(bytes(self.request), "request")
            if trigger is not None and await proxy._fire(trigger, self) == DROP:
                raise ConnectionResetError
            response = proxy._match(bytes(self.request), "response")
            if response is not None:
                self.pending.append(response)
            await proxy._flowing.wait()
            self.outstanding = True
            self.to_head = self.request.startswith(b"HEAD ")
            self.server.write(data)
            await self.server.drain()
        if self.server.can_write_eof():
            self.server.write_eof()

    async def read_answers(self) -> None:
        proxy = self.proxy
        while data := await self.server_in.read(CHUNK):
            if not self.answer:
                for trigger in self.pending:
                    trigger.request = bytes(self.request)  # the whole request it stopped
                self.request.clear()
            self.answer.extend(data)
            while self.pending:
                if await proxy._fire(self.pending.pop(), self) == DROP:
                    raise ConnectionResetError
            if _answered(bytes(self.answer), self.to_head):
                self.answer.clear()
                self.outstanding = False
            await self.answers.put(data)
        if self.outstanding:
            # The server went away owing an answer, or with an answer cut short (killed).
            raise ConnectionResetError
        await self.answers.put(None)

    async def write_answers(self) -> None:
        while (data := await self.answers.get()) is not None:
            await self.proxy._flowing.wait()
            self.client.write(data)
            await self.client.drain()
        self.client.close()
