"""The fault proxy of the flow tests (tests/stacks/plan/flow/fault_proxy.py) in front of a tiny HTTP
server: it relays, loses an answer, refuses while cut, stalls while held, and reads a request's
whole body (S3's aws-chunked uploads included) before a trigger that looks at it fires."""

from __future__ import annotations

import http.client
import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from tests.stacks.plan.flow.fault_proxy import DROP, RELAY, FaultProxy, Outcome, _body


class _Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if body == b"slow":
            time.sleep(1)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[FaultProxy]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    running = FaultProxy(server.server_address[1]).start()
    try:
        yield running
    finally:
        running.stop()
        server.shutdown()
        server.server_close()


def _post(proxy: FaultProxy, body: bytes) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    try:
        connection.request("POST", "/", body)
        return connection.getresponse().read()
    finally:
        connection.close()


def test_relays_and_loses_the_answer_of_the_chosen_request(proxy: FaultProxy) -> None:
    served: list[bytes] = []

    def lose() -> Outcome:
        served.append(b"answered")
        return DROP

    trigger = proxy.when(b"create", on="response", action=lose)
    assert _post(proxy, b"read") == b"read"
    with pytest.raises(ConnectionError):
        _post(proxy, b"create")
    assert trigger.fired.is_set() and served == [b"answered"]
    assert trigger.request.endswith(b"create")
    assert _post(proxy, b"create") == b"create"  # fired once


def test_refuses_while_cut_and_stalls_while_held(proxy: FaultProxy) -> None:
    proxy.cut()
    with pytest.raises(ConnectionRefusedError):
        _post(proxy, b"x")
    proxy.restore()
    assert _post(proxy, b"x") == b"x"
    proxy.hold()
    threading.Timer(1, proxy.release).start()
    started = time.monotonic()
    assert _post(proxy, b"y") == b"y"
    assert time.monotonic() - started >= 0.9


def test_a_body_trigger_waits_for_the_whole_body(proxy: FaultProxy) -> None:
    trigger = proxy.when(b"POST", on="request", action=lambda: RELAY, body=lambda b: b == b"ab")
    assert _post(proxy, b"a") == b"a"
    assert not trigger.fired.is_set()
    assert _post(proxy, b"ab") == b"ab"
    assert trigger.fired.is_set()


def test_bodies_are_read_whole_and_unframed() -> None:
    head = b"PUT /b/k HTTP/1.1\r\nContent-Length: 4\r\n\r\n"
    assert _body(head + b"ab") is None
    assert _body(head + b"abcd") == b"abcd"
    chunked = (
        b"PUT /b/k HTTP/1.1\r\nContent-Encoding: aws-chunked\r\nContent-Length: 31\r\n\r\n"
        b"3;chunk-signature=x\r\nabc\r\n0\r\n\r\n"
    )
    assert len(chunked.partition(b"\r\n\r\n")[2]) == 31
    assert _body(chunked) == b"abc"


def test_quiet_when_the_server_has_answered_everything(proxy: FaultProxy) -> None:
    answered: list[bytes] = []
    slow = threading.Thread(target=lambda: answered.append(_post(proxy, b"slow")))
    slow.start()
    time.sleep(0.3)
    assert not proxy.quiet(timeout=0.2)
    proxy.hold()
    # Held, the answer is read from the server all the same.
    assert proxy.quiet(timeout=5)
    assert answered == []
    proxy.release()
    slow.join(timeout=10)
    assert answered == [b"slow"]
