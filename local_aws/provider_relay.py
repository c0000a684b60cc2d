"""The relay in front of a slot of shared provider processes (tests/terraform/shared_provider.py):
it answers Terraform's schema request with the schemas of the resource types a run can touch,
and sends each provider configuration of a run to a provider process of its own.

Why the schema: every Terraform run asks its provider for the whole schema (``GetSchema``:
~1,500 resource and ~600 data source types of hashicorp/aws, 4.9 MB) and decodes all of it
before it reads the configuration. Measured on a dev stack with a provider already running:
`terraform validate` took 1.1 CPU-seconds in Terraform and 0.45 in the provider, 1.25 s of
waiting; through this relay 0.1 and 0.02, 0.10 s. The answer is the provider's own (asked once,
kept), with the entries of the resource, data source and ephemeral resource maps left out whose
type name the run cannot use: the wrapper writes the names it can (every ``aws_*`` word of the
working directory's configuration files and local state, and every resource type this project's
stacks hold, which is what a state elsewhere can hold) to ``types`` in the slot before it starts
Terraform, and holds the slot for the run's life. The provider's own configuration schema, its
functions, diagnostics and capabilities stay. A run that needed a type left out fails loudly
(Terraform: "no schema available for ..."), never plans differently.

Why the routes: a reattached provider is one address, and Terraform sends every configuration
(prod's two regions) to it; one process configured twice would serve both with the last
configuration. Terraform opens a connection per provider instance and configures every instance
of one configuration with the same request, so the relay (on TCP, where each connection has its
own peer address) gives each distinct ``Configure`` request its own process (``Routes``).

Everything else (configure, validate, read, plan, apply, import, go-plugin's stdio, broker and
health services) is passed through byte for byte, to and from the real provider, and a caller
that goes away mid-call cancels the provider's call.

Protocol: tfplugin5 (hashicorp/aws 5.x serves protocol 5); ``GetProviderSchema.Response`` keeps
its maps in fields 2 (resource_schemas), 3 (data_source_schemas) and 8
(ephemeral_resource_schemas), each entry a message of key (1) and value (2)
(docs/plugin-protocol/tfplugin5.8.proto in hashicorp/terraform). The answer is cut in its wire
form, field by field, without decoding the schemas themselves.

Usage: ``python provider_relay.py SLOT`` (the slot folder holding ``upstreams``, ``types``,
``run``); prints ``ready PORT`` once it listens on 127.0.0.1:PORT.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

GET_SCHEMA = "/tfplugin5.Provider/GetSchema"
CONFIGURE = "/tfplugin5.Provider/Configure"
VALIDATE_PROVIDER_CONFIG = "/tfplugin5.Provider/PrepareProviderConfig"
# The slot's files (tests/terraform/shared_provider.py writes them).
TYPES_FILE = "types"
UPSTREAMS_FILE = "upstreams"
RUN_FILE = "run"
# go-plugin's own services: the provider's output, and the broker of further connections.
SERVER_STREAMS = frozenset({"/plugin.GRPCStdio/StreamStdio"})
BIDI_STREAMS = frozenset({"/plugin.GRPCBroker/StartStream"})
# GetProviderSchema.Response: resource_schemas, data_source_schemas, ephemeral_resource_schemas.
TYPE_MAPS = frozenset({2, 3, 8})
_LENGTH_DELIMITED = 2
# The whole schema of hashicorp/aws is larger than gRPC's default 4 MB.
CHANNEL_OPTIONS = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
READY = "ready"


def _varint(data: bytes, index: int) -> tuple[int, int]:
    """The varint at ``index`` and the index after it."""
    value = shift = 0
    while True:
        byte = data[index]
        index += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, index
        shift += 7


def fields(message: bytes) -> Iterator[tuple[int, int, bytes, bytes]]:
    """(field number, wire type, payload of a length-delimited field, the field's raw bytes)
    of each field of a protobuf message, in order."""
    index = 0
    while index < len(message):
        start = index
        tag, index = _varint(message, index)
        number, wire = tag >> 3, tag & 7
        payload = b""
        if wire == 0:
            _, index = _varint(message, index)
        elif wire == 1:
            index += 8
        elif wire == 5:
            index += 4
        elif wire == _LENGTH_DELIMITED:
            length, index = _varint(message, index)
            payload = message[index : index + length]
            index += length
        else:
            raise ValueError(f"unsupported protobuf wire type {wire} (field {number})")
        if index > len(message):
            raise ValueError(f"field {number} runs past the end of the message")
        yield number, wire, payload, message[start:index]


def map_key(entry: bytes) -> str:
    """The string key of a map entry message (field 1)."""
    for number, wire, payload, _ in fields(entry):
        if number == 1 and wire == _LENGTH_DELIMITED:
            return payload.decode("utf-8")
    return ""


def trim_schema(response: bytes, wanted: frozenset[str]) -> bytes:
    """``response`` (a GetProviderSchema.Response) without the type map entries whose name is
    not in ``wanted``; every other field as it was, in its order."""
    return b"".join(
        raw
        for number, wire, payload, raw in fields(response)
        if not (
            number in TYPE_MAPS and wire == _LENGTH_DELIMITED and map_key(payload) not in wanted
        )
    )


def read_wanted(types_file: Path) -> frozenset[str] | None:
    """The type names of the run being served; None (the whole schema) when none were written."""
    try:
        return frozenset(types_file.read_text(encoding="utf-8").split())
    except OSError:
        return None


def configuration_of(configure_request: bytes) -> bytes:
    """The configuration a ``Configure.Request`` carries (field 2, its values), without
    Terraform's version (1) and capabilities (3): Terraform allows deferrals while it plans and
    not while it applies, so the request of one configuration differs between the two walks."""
    return b"".join(raw for number, _, _, raw in fields(configure_request) if number == 2)


class NoProcessLeftError(Exception):
    """A run configured more configurations than the slot has provider processes."""


class Routes:
    """Which provider process serves which of Terraform's connections, in the run being served.

    Terraform opens a connection per provider instance and configures each instance of one
    configuration with the same values (``configuration_of`` its ``Configure`` request): the
    first values of a kind take the next process, and every connection that sends it is
    served by that process from then on. A connection not configured yet (the schema,
    validation, state upgrades) is served by the first. One process: it serves everything, as a
    provider reattached directly does.
    """

    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams
        self._by_request: dict[bytes, int] = {}
        self._by_connection: dict[str, int] = {}

    def configure(self, connection: str, request: bytes) -> str:
        """The process that serves ``connection`` once it sends ``Configure`` ``request``."""
        key = configuration_of(request)
        index = self._by_request.get(key)
        if index is None:
            index = len(self._by_request)
            if index >= len(self.upstreams):
                raise NoProcessLeftError(
                    f"a configuration beyond the {len(self.upstreams)} this run was given "
                    "processes for (tests/terraform/shared_provider.py counts them)"
                )
            self._by_request[key] = index
        self._by_connection[connection] = index
        return self.upstreams[index]

    def call(self, connection: str) -> str:
        """The process that serves any other call of ``connection``."""
        return self.upstreams[self._by_connection.get(connection, 0)]


class ProviderRelay:
    """The gRPC handler: GetSchema from the kept answer, cut; every other call relayed to the
    provider process that serves its connection (``Routes``). Reads the slot's files: the
    providers' addresses (``upstreams``), the run's types and its id (``run``): a new id starts
    the routes over."""

    def __init__(self, folder: Path) -> None:
        import grpc

        self._grpc = grpc
        self.folder = folder
        self._lock = threading.Lock()
        self._channels: dict[str, Any] = {}
        self._run: str | None = None
        self._routes = Routes([])
        self._schema: bytes | None = None
        self._trimmed: dict[frozenset[str], bytes] = {}
        self._validated: dict[tuple[str, bytes], bytes] = {}

    def _channel(self, target: str) -> Any:
        if target not in self._channels:
            self._channels[target] = self._grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
        return self._channels[target]

    def _current_routes(self) -> Routes:
        """The routes of the run being served (under the lock)."""
        try:
            run = (self.folder / RUN_FILE).read_text(encoding="utf-8")
        except OSError:
            run = ""
        if run != self._run:
            self._run = run
            text = (self.folder / UPSTREAMS_FILE).read_text(encoding="utf-8")
            self._routes = Routes(text.split())
        return self._routes

    def _target(self, method: str, request: bytes, connection: str) -> str:
        with self._lock:
            routes = self._current_routes()
            if method == CONFIGURE and len(routes.upstreams) > 1:
                return routes.configure(connection, request)
            return routes.call(connection)

    def handler(self, method: str) -> Any:
        grpc = self._grpc
        if method == GET_SCHEMA:
            return grpc.unary_unary_rpc_method_handler(self.get_schema)
        if method in SERVER_STREAMS or method in BIDI_STREAMS:
            # go-plugin's own streams (output, broker): idle for a provider in debug mode; the
            # first process holds them.
            def stream(request: Any, context: Any) -> Iterator[bytes]:
                with self._lock:
                    channel = self._channel(self._current_routes().call(""))
                kind = channel.unary_stream if method in SERVER_STREAMS else channel.stream_stream
                upstream = kind(method)(request, metadata=context.invocation_metadata())
                # Terraform gone (its run ended): the provider's side of the stream ends too.
                context.add_callback(upstream.cancel)
                yield from upstream

            if method in SERVER_STREAMS:
                return grpc.unary_stream_rpc_method_handler(stream)
            return grpc.stream_stream_rpc_method_handler(stream)

        def relay(request: bytes, context: Any) -> bytes:
            try:
                target = self._target(method, request, context.peer())
            except NoProcessLeftError as error:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
                raise  # abort raises; for the type checker
            if method != VALIDATE_PROVIDER_CONFIG:
                return self._relayed(self._channel(target), method, request, context)
            # The provider's validation of its own configuration is a function of the request
            # (and of the process's environment, fixed when it started), and hashicorp/aws
            # spends ~2.5 s of CPU in it on every walk: the answer is kept per process.
            key = (target, request)
            if key not in self._validated:
                channel = self._channel(target)
                self._validated[key] = self._relayed(channel, method, request, context)
            return self._validated[key]

        return grpc.unary_unary_rpc_method_handler(relay)

    def _relayed(self, channel: Any, method: str, request: bytes, context: Any) -> bytes:
        upstream = channel.unary_unary(method).future(
            request, metadata=context.invocation_metadata()
        )
        # Terraform gone mid-call (killed, timed out): the provider's call is cancelled, as it
        # is when Terraform talks to the provider directly and its connection closes.
        context.add_callback(upstream.cancel)
        try:
            result: bytes = upstream.result()
        except self._grpc.RpcError as error:
            context.abort(error.code(), error.details())
            raise  # abort raises; for the type checker
        return result

    def get_schema(self, request: bytes, context: Any) -> bytes:
        with self._lock:
            routes = self._current_routes()
            if self._schema is None:
                channel = self._channel(routes.call(""))
                self._schema = self._relayed(channel, GET_SCHEMA, request, context)
            wanted = read_wanted(self.folder / TYPES_FILE)
            if wanted is None:
                return self._schema
            if wanted not in self._trimmed:
                self._trimmed[wanted] = trim_schema(self._schema, wanted)
                # What the tests (and a curious reader of the slot's relay-output) see it do.
                print(
                    f"schema: {len(self._trimmed[wanted])} of {len(self._schema)} bytes "
                    f"for {' '.join(sorted(wanted))}",
                    flush=True,
                )
            return self._trimmed[wanted]


def start(folder: Path) -> tuple[Any, int]:
    """The relay of the slot ``folder``, listening on 127.0.0.1: (a started ``grpc.Server``,
    its port)."""
    from concurrent import futures

    import grpc

    relay = ProviderRelay(folder)

    class Handler(grpc.GenericRpcHandler):  # type: ignore[misc]
        def service(self, details: Any) -> Any:
            return relay.handler(details.method)

    # A thread per call in progress: Terraform holds two streams (stdio, broker) per provider
    # instance for the run's life (a reattached provider's connections are closed only when
    # Terraform exits; an apply makes ~4 instances per configuration) and calls for up to 10
    # resources at once.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64), options=CHANNEL_OPTIONS)
    server.add_generic_rpc_handlers([Handler()])
    # TCP, not a Unix socket: grpcio tells Terraform's connections apart by their peer address.
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def serve(folder: Path) -> None:
    server, port = start(folder)
    print(f"{READY} {port}", flush=True)
    server.wait_for_termination()


# --- Starting the processes (standard library only: the suite's terraform wrapper imports this
# module from a copy, under ``python -I -S``) -----------------------------------------------------

PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
REATTACH_VARIABLE = "TF_REATTACH_PROVIDERS"
START_TIMEOUT = 60.0
_REATTACH_LINE = re.compile(r"TF_REATTACH_PROVIDERS='(\{.*\})'")
_READY_LINE = re.compile(rf"{READY} (\d+)\n")


class ProviderStartError(RuntimeError):
    """A provider started in debug mode printed no reattach configuration."""


def start_provider(binary: Path, output: Path, env: dict[str, str]) -> tuple[int, str]:
    """Start ``binary -debug`` (the mode provider developers attach a debugger to) in a session
    of its own, its output in ``output``: its pid and the reattach configuration it printed."""
    import subprocess

    with output.open("wb") as stream:
        process = subprocess.Popen(
            [str(binary), "-debug"],
            cwd=output.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stream,
            stderr=subprocess.DEVNULL,
            # A Ctrl-C in a terminal's process group must not reach it.
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = _REATTACH_LINE.search(output.read_text(encoding="utf-8", errors="replace"))
        if found:
            return process.pid, found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.02)
    process.kill()
    raise ProviderStartError(
        f"{binary} -debug printed no reattach line: {output.read_text()[-2000:]}"
    )


def installed_provider(workdir: Path, data_dir: str | None = None) -> Path | None:
    """The one hashicorp/aws binary ``terraform init`` installed for ``workdir``, when the lock
    file names that version; None otherwise (Terraform then reports what is wrong itself)."""
    data = workdir / (data_dir or ".terraform")
    versions = sorted((data / "providers" / PROVIDER_SOURCE).glob("*/*_*/terraform-provider-aws*"))
    if len(versions) != 1:
        return None
    binary = versions[0]
    version = binary.parent.parent.name
    try:
        lock = (workdir / ".terraform.lock.hcl").read_text(encoding="utf-8")
    except OSError:
        return None
    block = re.search(
        r'provider\s+"' + re.escape(PROVIDER_SOURCE) + r'"\s*\{[^}]*?version\s*=\s*"([^"]+)"',
        lock,
    )
    if block is None or block.group(1) != version:
        return None
    return binary.resolve()


def upstream_address(reattach: str) -> str:
    """The gRPC target of the provider that printed ``reattach`` ("" when it names none)."""
    try:
        address = json.loads(reattach)[PROVIDER_SOURCE]["Addr"]
        network, where = address["Network"], address["String"]
    except (ValueError, KeyError, TypeError):
        return ""
    return f"unix:{where}" if network == "unix" else f"{where}" if network == "tcp" else ""


def start_relay(folder: Path, python: str) -> tuple[int, int]:
    """Start this relay for the slot ``folder`` with ``python`` (which has grpcio), in a session
    of its own, its output in ``folder/relay-output``: its pid and port; (0, 0) when it cannot
    start (no grpcio: said in the output)."""
    import subprocess

    output = folder / "relay-output"
    with output.open("wb") as stream:
        process = subprocess.Popen(
            [python, str(Path(__file__).resolve()), str(folder)],
            cwd=folder,
            env={"PATH": os.environ.get("PATH", "")},
            stdin=subprocess.DEVNULL,
            stdout=stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        ready = _READY_LINE.match(output.read_text(encoding="utf-8", errors="replace"))
        if ready:
            return process.pid, int(ready.group(1))
        time.sleep(0.02)
    process.kill()
    return 0, 0


def through_relay(reattach: str, port: int) -> str:
    """``reattach`` with its address replaced by the relay's."""
    providers = json.loads(reattach)
    providers[PROVIDER_SOURCE]["Addr"] = {"Network": "tcp", "String": f"127.0.0.1:{port}"}
    return json.dumps(providers)


_TYPE_NAME = re.compile(r"\baws_[a-z0-9_]+")


def wanted_types(
    workdir: Path, states: Iterable[Path] = (), kinds: Iterable[str] = ()
) -> list[str]:
    """The resource types a run in ``workdir`` can touch: every ``aws_*`` word of its
    configuration files (overrides included), of a local state beside them and of ``states``
    (a state kept elsewhere), and ``kinds`` (the types a stack of the project holds: what a
    state out of sight, such as an S3 backend's, can hold beyond its configuration)."""
    found: set[str] = set(kinds)
    files = [p for p in workdir.iterdir() if p.name.endswith((".tf", ".tf.json", ".tfstate"))]
    for path in [*files, *states]:
        if path.is_file():
            found.update(_TYPE_NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    return sorted(found)


def prepare_run(folder: Path, types: list[str] | None) -> None:
    """Tell the relay of ``folder`` about the run about to start: the types it may touch (None:
    the whole schema), and a new run id, written last (the routes start over)."""
    types_file = folder / TYPES_FILE
    if types is None:
        types_file.unlink(missing_ok=True)
    else:
        types_file.write_text("\n".join(types), encoding="utf-8")
    (folder / RUN_FILE).write_text(f"{os.getpid()} {time.time_ns()}", encoding="utf-8")


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
