"""A gRPC relay in front of a shared provider process (tests/terraform/shared_provider.py) that
answers Terraform's schema request with the schemas of the resource types a run can touch.

Why: every Terraform run asks its provider for the whole schema (``GetSchema``: ~1,500 resource
and ~600 data source types of hashicorp/aws) and decodes all of it before it reads the
configuration. Measured on a dev stack with a provider already running: `terraform validate`
took 1.1 CPU-seconds in Terraform and 0.45 in the provider, 1.25 s of waiting; through this relay
0.1 and 0.02, 0.10 s. A test run starts Terraform ~190 times.

What it changes: nothing but that one answer. Every other call (configure, read, plan, apply,
import, the plugin's stdio, broker and health streams) is passed through byte for byte, to and
from the real provider. The schema answer is the provider's own (asked once, kept), with the
entries of the resource, data source and ephemeral resource maps left out whose type name the
run cannot use: the wrapper writes the names it can (every ``aws_*`` word of the working
directory's configuration files, and every resource type this project's stacks hold, which is
what a state can hold) to ``types`` in the process's slot before it starts Terraform, and holds
the slot for the run's life. The provider's own configuration schema, its functions,
diagnostics and capabilities stay. A run that needed a type left out would fail loudly
(Terraform: no schema for the type), never plan differently.

Protocol: tfplugin5 (hashicorp/aws 5.x serves protocol 5); ``GetProviderSchema.Response`` keeps
its maps in fields 2 (resource_schemas), 3 (data_source_schemas) and 8
(ephemeral_resource_schemas), each entry a message of key (1) and value (2)
(docs/plugin-protocol/tfplugin5.8.proto in hashicorp/terraform). The answer is cut in its wire
form, field by field, without decoding the schemas themselves.

Usage: ``python schema_proxy.py UPSTREAM LISTEN TYPES_FILE`` (gRPC targets, e.g.
``unix:/tmp/plugin123``); prints ``ready`` once it listens.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

GET_SCHEMA = "/tfplugin5.Provider/GetSchema"
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


class SchemaRelay:
    """The gRPC handler: GetSchema from the kept answer, cut; every other call relayed."""

    def __init__(self, upstream: str, types_file: Path) -> None:
        import grpc

        self._grpc = grpc
        self.channel = grpc.insecure_channel(upstream, options=CHANNEL_OPTIONS)
        self.types_file = types_file
        self._lock = threading.Lock()
        self._schema: bytes | None = None
        self._trimmed: dict[frozenset[str], bytes] = {}

    def handler(self, method: str) -> Any:
        grpc = self._grpc
        if method == GET_SCHEMA:
            return grpc.unary_unary_rpc_method_handler(self.get_schema)
        if method in SERVER_STREAMS:
            return grpc.unary_stream_rpc_method_handler(
                self._streamed(self.channel.unary_stream(method))
            )
        if method in BIDI_STREAMS:
            return grpc.stream_stream_rpc_method_handler(
                self._streamed(self.channel.stream_stream(method))
            )
        return grpc.unary_unary_rpc_method_handler(self._relayed(self.channel.unary_unary(method)))

    def _relayed(self, call: Any) -> Callable[[bytes, Any], bytes]:
        grpc = self._grpc

        def relay(request: bytes, context: Any) -> bytes:
            upstream = call.future(request, metadata=context.invocation_metadata())
            # Terraform gone mid-call (killed, timed out): the provider's call is cancelled, as
            # it is when Terraform talks to the provider directly and its connection closes.
            context.add_callback(upstream.cancel)
            try:
                result: bytes = upstream.result()
            except grpc.RpcError as error:
                context.abort(error.code(), error.details())
                raise  # abort raises; for the type checker
            return result

        return relay

    @staticmethod
    def _streamed(call: Callable[..., Any]) -> Callable[[Any, Any], Iterator[bytes]]:
        def relay(request: Any, context: Any) -> Iterator[bytes]:
            upstream = call(request, metadata=context.invocation_metadata())
            # Terraform gone (its run ended): the provider's side of the stream ends too.
            context.add_callback(upstream.cancel)
            yield from upstream

        return relay

    def get_schema(self, request: bytes, context: Any) -> bytes:
        with self._lock:
            if self._schema is None:
                self._schema = self._relayed(self.channel.unary_unary(GET_SCHEMA))(request, context)
            wanted = read_wanted(self.types_file)
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


def start(upstream: str, listen: str, types_file: Path) -> Any:
    """The relay listening on ``listen`` (a started ``grpc.Server``)."""
    import grpc

    relay = SchemaRelay(upstream, types_file)

    class Handler(grpc.GenericRpcHandler):  # type: ignore[misc]
        def service(self, details: Any) -> Any:
            return relay.handler(details.method)

    # A thread per call in progress: Terraform holds two streams (stdio, broker) per provider
    # instance for the run's life (a reattached provider's connections are closed only when
    # Terraform exits; an apply makes ~4 instances) and calls for up to 10 resources at once.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64), options=CHANNEL_OPTIONS)
    server.add_generic_rpc_handlers([Handler()])
    server.add_insecure_port(listen)
    server.start()
    return server


def serve(upstream: str, listen: str, types_file: Path) -> None:
    server = start(upstream, listen, types_file)
    print(READY, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
