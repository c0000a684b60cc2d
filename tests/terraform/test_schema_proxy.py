"""The shared provider's schema relay (tests/terraform/schema_proxy.py): the schema answer cut
in its wire form, and which types a run keeps. Real Terraform through it:
tests/terraform/test_shared_provider.py."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.terraform import schema_proxy as relay
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


# --- The relay between a gRPC client and a stand-in provider ---------------------------------


class StandIn:
    """A gRPC server in place of the provider: GetSchema answers ``schema`` (and counts the
    calls), ``/tfplugin5.Provider/ReadResource`` echoes its request, ``/tfplugin5.Provider/Stop``
    waits until its caller goes away and records that its call was cancelled."""

    def __init__(self, schema: bytes) -> None:
        import threading

        self.schema = schema
        self.schema_calls = 0
        self.cancelled = threading.Event()

    def handler(self, method: str) -> object:
        import grpc

        def get_schema(request: bytes, context: object) -> bytes:
            self.schema_calls += 1
            return self.schema

        def echo(request: bytes, context: object) -> bytes:
            return b"echo:" + request

        def hang(request: bytes, context: grpc.ServicerContext) -> bytes:
            context.add_callback(self.cancelled.set)
            while context.is_active():
                self.cancelled.wait(0.05)
            return b""

        found = {relay.GET_SCHEMA: get_schema, "/tfplugin5.Provider/ReadResource": echo}
        return grpc.unary_unary_rpc_method_handler(found.get(method, hang))


@pytest.fixture
def relayed(tmp_path: Path) -> Iterator[tuple[object, StandIn, Path]]:
    """(a channel to the relay, the stand-in behind it, the relay's types file)."""
    from concurrent import futures

    import grpc

    schema = (
        field(1, LENGTH_DELIMITED, b"provider")
        + map_entry(2, "aws_a", b"a" * 200)
        + map_entry(2, "aws_b", b"b")
        + map_entry(3, "aws_a", b"data a")
    )
    stand_in = StandIn(schema)

    class Handler(grpc.GenericRpcHandler):  # type: ignore[misc]
        def service(self, details: grpc.HandlerCallDetails) -> object:
            return stand_in.handler(details.method)

    # A Unix socket's path must fit in 108 bytes; a pytest-xdist worker's tmp_path does not.
    sockets = Path(tempfile.mkdtemp(prefix="relay-test-", dir="/tmp"))
    upstream = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    upstream.add_generic_rpc_handlers([Handler()])
    upstream_address = f"unix:{sockets / 'provider.sock'}"
    upstream.add_insecure_port(upstream_address)
    upstream.start()
    types_file = tmp_path / "types"
    server = relay.start(upstream_address, f"unix:{sockets / 'relay.sock'}", types_file)
    channel = grpc.insecure_channel(f"unix:{sockets / 'relay.sock'}")
    try:
        yield channel, stand_in, types_file
    finally:
        channel.close()
        server.stop(None)
        upstream.stop(None)
        shutil.rmtree(sockets, ignore_errors=True)


# Servers on Unix sockets: not for the quick run's guard.
@pytest.mark.slow
def test_the_relay_cuts_the_schema_it_asked_for_once(
    relayed: tuple[object, StandIn, Path],
) -> None:
    channel, stand_in, types_file = relayed
    get_schema = channel.unary_unary(relay.GET_SCHEMA)  # type: ignore[attr-defined]
    assert get_schema(b"") == stand_in.schema  # no types written: the whole schema
    types_file.write_text("aws_a", encoding="utf-8")
    expected = field(1, LENGTH_DELIMITED, b"provider") + map_entry(2, "aws_a", b"a" * 200)
    assert get_schema(b"") == expected + map_entry(3, "aws_a", b"data a")
    types_file.write_text("aws_b", encoding="utf-8")
    assert get_schema(b"") == field(1, LENGTH_DELIMITED, b"provider") + map_entry(2, "aws_b", b"b")
    assert stand_in.schema_calls == 1


# Servers on Unix sockets: not for the quick run's guard.
@pytest.mark.slow
def test_every_other_call_is_relayed_as_it_is(relayed: tuple[object, StandIn, Path]) -> None:
    channel, _, _ = relayed
    read = channel.unary_unary("/tfplugin5.Provider/ReadResource")  # type: ignore[attr-defined]
    assert read(b"\x0a\x05aws_a") == b"echo:\x0a\x05aws_a"


# Servers on Unix sockets: not for the quick run's guard.
@pytest.mark.slow
def test_a_caller_gone_mid_call_cancels_the_providers_call(
    relayed: tuple[object, StandIn, Path],
) -> None:
    import grpc

    channel, stand_in, _ = relayed
    stop = channel.unary_unary("/tfplugin5.Provider/Stop")  # type: ignore[attr-defined]
    with pytest.raises(grpc.RpcError) as raised:
        stop(b"", timeout=0.5)
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert stand_in.cancelled.wait(10), "the provider's call went on after its caller left"
