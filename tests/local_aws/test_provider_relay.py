"""The provider relay (local_aws/provider_relay.py): the schema answer cut
in its wire form, and which types a run keeps. Real Terraform through it:
tests/terraform/test_shared_provider.py."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local_aws import provider_relay as relay
from tests.terraform import shared_provider as sp

NAMES = ["aws_a", "aws_b", "aws_ssmcontacts_contact", "aws_kms_key", ""]
LENGTH_DELIMITED, VARINT, FIXED64, FIXED32 = 2, 0, 1, 5


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number: int, wire: int, payload: bytes) -> bytes:
    """One protobuf field in its wire form (``payload``: the value's own bytes)."""
    head = varint(number << 3 | wire)
    if wire == LENGTH_DELIMITED:
        return head + varint(len(payload)) + payload
    return head + payload


def map_entry(number: int, key: str, value: bytes) -> bytes:
    return field(
        number,
        LENGTH_DELIMITED,
        field(1, LENGTH_DELIMITED, key.encode()) + field(2, LENGTH_DELIMITED, value),
    )


# A field of a GetProviderSchema.Response: (number, key or None, its bytes).
Field = tuple[int, str | None, bytes]


@st.composite
def response_fields(draw: st.DrawFn) -> Field:
    kind = draw(st.sampled_from(["map", "message", "varint", "fixed64", "fixed32"]))
    if kind == "map":
        number = draw(st.sampled_from(sorted(relay.TYPE_MAPS)))
        key = draw(st.sampled_from(NAMES))
        # Large values too: a length needing a two-byte varint.
        value = draw(st.binary(max_size=300))
        return number, key, map_entry(number, key, value)
    number = draw(st.sampled_from([1, 4, 5, 6, 7, 9, 300]))
    if kind == "message":
        return number, None, field(number, LENGTH_DELIMITED, draw(st.binary(max_size=200)))
    if kind == "varint":
        return number, None, field(number, VARINT, varint(draw(st.integers(0, 2**64 - 1))))
    size = 8 if kind == "fixed64" else 4
    wire = FIXED64 if kind == "fixed64" else FIXED32
    return number, None, field(number, wire, draw(st.binary(min_size=size, max_size=size)))


@given(st.lists(response_fields(), max_size=30), st.sets(st.sampled_from(NAMES)))
def test_only_the_type_map_entries_not_wanted_are_left_out(
    parts: list[Field], wanted: set[str]
) -> None:
    response = b"".join(raw for _, _, raw in parts)
    expected = b"".join(raw for _, key, raw in parts if key is None or key in wanted)
    assert relay.trim_schema(response, frozenset(wanted)) == expected


def test_a_map_entry_names_its_type_by_its_first_field() -> None:
    entry = field(2, LENGTH_DELIMITED, b"schema") + field(1, LENGTH_DELIMITED, b"aws_a")
    assert relay.map_key(entry) == "aws_a"
    assert relay.map_key(field(2, LENGTH_DELIMITED, b"schema")) == ""


@pytest.mark.parametrize(
    "message",
    [
        field(2, LENGTH_DELIMITED, b"schema")[:-1],  # cut short
        varint(2 << 3 | 3),  # a group: no schema answer holds one
    ],
)
def test_a_message_it_cannot_read_is_an_error(message: bytes) -> None:
    with pytest.raises((ValueError, IndexError)):
        relay.trim_schema(message, frozenset())


def test_the_whole_schema_without_a_types_file(tmp_path: Path) -> None:
    assert relay.read_wanted(tmp_path / "types") is None
    (tmp_path / "types").write_text("aws_a\naws_b", encoding="utf-8")
    assert relay.read_wanted(tmp_path / "types") == frozenset({"aws_a", "aws_b"})


def test_a_run_keeps_the_types_of_its_configuration_and_the_projects(tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "cdk.tf.json").write_text(
        '{"resource": {"aws_sns_topic": {"t": {"kms_master_key_id": "${aws_kms_key.k.arn}"}}}}',
        encoding="utf-8",
    )
    (workdir / "main.tf").write_text('data "aws_caller_identity" "me" {}\n', encoding="utf-8")
    (workdir / "local_override.tf.json").write_text('{"x": "aws_iam_role"}', encoding="utf-8")
    # A local state beside the configuration: a resource removed from it is still planned.
    (workdir / "terraform.tfstate").write_text('"aws_in_state"', encoding="utf-8")
    (workdir / "notes.txt").write_text("aws_not_configuration", encoding="utf-8")
    pool = tmp_path / "pool"
    assert sp.wanted_types(workdir, pool) == [
        "aws_caller_identity",
        "aws_iam_role",
        "aws_in_state",
        "aws_kms_key",
        "aws_sns_topic",
    ]
    pool.mkdir()
    (pool / sp.KINDS_FILE).write_text("aws_ssmcontacts_contact\naws_sns_topic", encoding="utf-8")
    assert "aws_ssmcontacts_contact" in sp.wanted_types(workdir, pool)


# --- The relay between gRPC clients and stand-in providers ---------------------------------


class StandIn:
    """A gRPC server in place of a provider process: GetSchema answers ``schema`` (and counts
    the calls), Configure and ReadResource answer its name (and the request),
    ``/tfplugin5.Provider/Stop`` waits until its caller goes away and records that its call was
    cancelled."""

    def __init__(self, name: str, schema: bytes) -> None:
        import threading

        self.name = name.encode()
        self.schema = schema
        self.schema_calls = 0
        self.validations = 0
        self.cancelled = threading.Event()

    def handler(self, method: str) -> object:
        import grpc

        def get_schema(request: bytes, context: object) -> bytes:
            self.schema_calls += 1
            return self.schema

        def named(request: bytes, context: object) -> bytes:
            return self.name + b":" + request

        def hang(request: bytes, context: grpc.ServicerContext) -> bytes:
            context.add_callback(self.cancelled.set)
            while context.is_active():
                self.cancelled.wait(0.05)
            return b""

        def validate(request: bytes, context: object) -> bytes:
            self.validations += 1
            return self.name + b":" + request

        found = {
            relay.GET_SCHEMA: get_schema,
            relay.CONFIGURE: named,
            READ: named,
            relay.VALIDATE_PROVIDER_CONFIG: validate,
        }
        return grpc.unary_unary_rpc_method_handler(found.get(method, hang))


READ = "/tfplugin5.Provider/ReadResource"
SCHEMA = (
    field(1, LENGTH_DELIMITED, b"provider")
    + map_entry(2, "aws_a", b"a" * 200)
    + map_entry(2, "aws_b", b"b")
    + map_entry(3, "aws_a", b"data a")
)


class Relayed:
    """A relay in front of stand-in providers ``a`` and ``b``, its slot folder, and a way to
    open connections to it (each channel a connection of its own, as each of Terraform's
    provider instances is)."""

    def __init__(self, folder: Path, sockets: Path) -> None:
        from concurrent import futures

        import grpc

        self.folder = folder
        self.stand_ins = {name: StandIn(name, SCHEMA) for name in ("a", "b")}
        self.servers = []
        self.targets = {}
        for name, stand_in in self.stand_ins.items():

            class Handler(grpc.GenericRpcHandler):  # type: ignore[misc]
                def service(
                    self, details: grpc.HandlerCallDetails, stand_in: StandIn = stand_in
                ) -> object:
                    return stand_in.handler(details.method)

            server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
            server.add_generic_rpc_handlers([Handler()])
            self.targets[name] = f"unix:{sockets / name}.sock"
            server.add_insecure_port(self.targets[name])
            server.start()
            self.servers.append(server)
        self.processes("a")
        self.relay, self.port = relay.start(folder)
        self.channels: list[grpc.Channel] = []

    def processes(self, *names: str) -> None:
        """The run being served, with these processes (a new run: the routes start over)."""
        lines = "".join(f"{self.targets[name]}\n" for name in names)
        (self.folder / relay.UPSTREAMS_FILE).write_text(lines, encoding="utf-8")
        (self.folder / relay.RUN_FILE).write_text(str(time.time_ns()), encoding="utf-8")

    def connection(self) -> object:
        import grpc

        channel = grpc.insecure_channel(
            f"127.0.0.1:{self.port}", options=[("grpc.use_local_subchannel_pool", 1)]
        )
        self.channels.append(channel)
        return channel

    def close(self) -> None:
        for channel in self.channels:
            channel.close()
        self.relay.stop(None)
        for server in self.servers:
            server.stop(None)


@pytest.fixture
def relayed(tmp_path: Path) -> Iterator[Relayed]:
    # A Unix socket's path must fit in 108 bytes; a pytest-xdist worker's tmp_path does not.
    sockets = Path(tempfile.mkdtemp(prefix="relay-test-", dir="/tmp"))
    relayed = Relayed(tmp_path, sockets)
    try:
        yield relayed
    finally:
        relayed.close()
        shutil.rmtree(sockets, ignore_errors=True)


def call(connection: object, method: str, request: bytes = b"") -> bytes:
    answer: bytes = connection.unary_unary(method)(request)  # type: ignore[attr-defined]
    return answer


# Servers on sockets: not for the quick run's guard.
@pytest.mark.slow
def test_the_relay_cuts_the_schema_it_asked_for_once(relayed: Relayed) -> None:
    connection = relayed.connection()
    assert call(connection, relay.GET_SCHEMA) == SCHEMA  # no types written: the whole schema
    (relayed.folder / relay.TYPES_FILE).write_text("aws_a", encoding="utf-8")
    expected = field(1, LENGTH_DELIMITED, b"provider") + map_entry(2, "aws_a", b"a" * 200)
    assert call(connection, relay.GET_SCHEMA) == expected + map_entry(3, "aws_a", b"data a")
    (relayed.folder / relay.TYPES_FILE).write_text("aws_b", encoding="utf-8")
    only_b = field(1, LENGTH_DELIMITED, b"provider") + map_entry(2, "aws_b", b"b")
    assert call(connection, relay.GET_SCHEMA) == only_b
    assert relayed.stand_ins["a"].schema_calls == 1


@pytest.mark.slow
def test_every_other_call_is_relayed_as_it_is(relayed: Relayed) -> None:
    assert call(relayed.connection(), READ, b"\x0a\x05aws_a") == b"a:\x0a\x05aws_a"


@pytest.mark.slow
def test_each_configuration_is_served_by_a_process_of_its_own(relayed: Relayed) -> None:
    relayed.processes("a", "b")
    east, west, east_again, fresh = (relayed.connection() for _ in range(4))
    assert call(fresh, READ) == b"a:"  # not configured yet: the first process
    assert call(east, relay.CONFIGURE, configure("east")) == b"a:" + configure("east")
    assert call(west, relay.CONFIGURE, configure("west")) == b"b:" + configure("west")
    # The apply walk's request of the same configuration: other capabilities, same process.
    again = configure("east", capabilities=b"\x08\x01")
    assert call(east_again, relay.CONFIGURE, again) == b"a:" + again
    assert [call(c, READ) for c in (east, west, east_again, fresh)] == [b"a:", b"b:", b"a:", b"a:"]
    import grpc

    # A third configuration has no process: Terraform is told, nothing is shared wrongly.
    with pytest.raises(grpc.RpcError) as raised:
        call(relayed.connection(), relay.CONFIGURE, configure("eu"))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    # The next run starts over.
    relayed.processes("a", "b")
    assert call(relayed.connection(), relay.CONFIGURE, configure("eu")) == b"a:" + configure("eu")
    assert call(west, READ) == b"a:"


def configure(values: str, capabilities: bytes = b"") -> bytes:
    """A ``Configure.Request``: Terraform's version (1), the configuration (2, a DynamicValue
    holding msgpack in its field 1) and the client's capabilities (3)."""
    config = field(1, LENGTH_DELIMITED, values.encode())
    return (
        field(1, LENGTH_DELIMITED, b"1.11.4")
        + field(2, LENGTH_DELIMITED, config)
        + field(3, LENGTH_DELIMITED, capabilities)
    )


@pytest.mark.slow
def test_the_providers_validation_of_a_configuration_is_asked_once(relayed: Relayed) -> None:
    validate = relay.VALIDATE_PROVIDER_CONFIG
    answers = [call(relayed.connection(), validate, b"east") for _ in range(3)]
    assert answers == [b"a:east"] * 3
    assert call(relayed.connection(), validate, b"west") == b"a:west"
    assert relayed.stand_ins["a"].validations == 2


@pytest.mark.slow
def test_one_process_serves_every_configuration(relayed: Relayed) -> None:
    """One configuration (the run was given one process): every call goes to it, as to a
    provider reattached directly."""
    replies = [call(relayed.connection(), relay.CONFIGURE, name) for name in (b"x", b"y", b"z")]
    assert replies == [b"a:x", b"a:y", b"a:z"]


@pytest.mark.slow
def test_a_caller_gone_mid_call_cancels_the_providers_call(relayed: Relayed) -> None:
    import grpc

    stop = relayed.connection().unary_unary("/tfplugin5.Provider/Stop")  # type: ignore[attr-defined]
    with pytest.raises(grpc.RpcError) as raised:
        stop(b"", timeout=0.5)
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert relayed.stand_ins["a"].cancelled.wait(10), (
        "the provider's call went on without its caller"
    )
