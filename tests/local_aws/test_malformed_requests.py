"""Malformed requests to the local Incident Manager, over real HTTP: answered as AWS answers
them (4xx with the protocol's framework error codes, values cut short), never with a 500.

ssm-contacts speaks awsJson1_1 (``POST /``, ``X-Amz-Target: SSMContacts.<Operation>``),
ssm-incidents restJson1 (``POST /listResponsePlans`` ...); the codes are smithy's framework
errors and its malformed-request protocol tests (see ``local_aws/wire_protocol.py``).
"""

from __future__ import annotations

import functools
import http.client
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_aws.model_validation import service_model
from local_aws.moto_glue import LocalServer
from local_aws.server import FAKE_ACCESS_KEY, FAKE_SECRET_KEY
from local_aws.ssm_contacts import ContactsResponse
from local_aws.ssm_incidents import IncidentsResponse
from tests.local_aws.conftest import REGION, Client
from tests.local_aws.test_ssm_contacts_api import error_of, replication_set

AWS_JSON = {"Content-Type": "application/x-amz-json-1.1"}
REST_JSON = {"Content-Type": "application/json"}
CONTACTS, INCIDENTS = "ssm-contacts", "ssm-incidents"
FIVE_MB = 5 * 1024 * 1024
# A message quoting a value cut at 128 characters stays well under this.
SHORT_MESSAGE = 1000


@dataclass(frozen=True)
class Answer:
    """A response: status, error code (from the body's ``__type`` or ``X-Amzn-ErrorType``,
    namespace stripped as botocore does), message and body."""

    status: int
    code: str
    message: str
    body: bytes


def _code(headers: Mapping[str, str], document: Any) -> str:
    raw = headers.get("x-amzn-errortype", "")
    if isinstance(document, dict) and "__type" in document:
        raw = str(document["__type"])
    return raw.rsplit("#", 1)[-1].split(":", 1)[0]


@dataclass
class Wire:
    """A raw HTTP client of the server, signing nothing but naming the service the way SigV4
    does (moto routes by the credential scope)."""

    host: str
    port: int

    def send(
        self,
        service: str,
        body: bytes | None,
        headers: Mapping[str, str],
        method: str = "POST",
        path: str = "/",
    ) -> Answer:
        scope = f"{FAKE_ACCESS_KEY}/20261204/{REGION}/{service}/aws4_request"
        sent = {
            "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, "
            "Signature=0",
            **headers,
        }
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            lowered = {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()
        try:
            document = json.loads(data) if data else {}
        except ValueError:
            document = None
        message = ""
        if isinstance(document, dict):
            message = str(document.get("Message") or document.get("message") or "")
        return Answer(response.status, _code(lowered, document), message, data)

    def contacts(
        self, target: str, body: bytes | None, headers: Mapping[str, str] = AWS_JSON
    ) -> Answer:
        return self.send(CONTACTS, body, {**headers, "X-Amz-Target": target})

    def incidents(
        self,
        path: str,
        body: bytes | None,
        headers: Mapping[str, str] = REST_JSON,
        method: str = "POST",
    ) -> Answer:
        return self.send(INCIDENTS, body, headers, method=method, path=path)


@pytest.fixture
def wire(local_server: LocalServer, aws: Client) -> Iterator[Wire]:
    """The server, reset (``aws`` resets it), through raw HTTP."""
    del aws
    address = urlsplit(local_server.url)
    assert address.hostname is not None and address.port is not None
    yield Wire(address.hostname, address.port)


# --- which operation ----------------------------------------------------------------------
def test_an_unknown_target_is_an_unknown_operation(wire: Wire) -> None:
    answer = wire.contacts("SSMContacts.NoSuchOperation", b"{}")
    assert (answer.status, answer.code) == (400, "UnknownOperationException")
    assert "SSMContacts.NoSuchOperation" in answer.message


def test_another_services_target_prefix_is_an_unknown_operation(wire: Wire) -> None:
    # ListContacts exists, but not under ssm-incidents' (or any other) prefix.
    answer = wire.contacts("SSMIncidents.ListContacts", b"{}")
    assert (answer.status, answer.code) == (400, "UnknownOperationException")


def test_no_target_is_not_an_aws_json_request(wire: Wire) -> None:
    answer = wire.send(CONTACTS, b"{}", AWS_JSON)
    assert (answer.status, answer.code) == (404, "UnknownOperationException")
    assert "X-Amz-Target" in answer.message


def test_an_unknown_rest_path_is_an_unknown_operation(wire: Wire) -> None:
    answer = wire.incidents("/noSuchOperation", b"{}")
    assert (answer.status, answer.code) == (404, "UnknownOperationException")


def test_a_json_rpc_request_to_the_rest_service_is_an_unknown_operation(wire: Wire) -> None:
    # ssm-incidents routes by method and path; a target header names nothing there.
    answer = wire.send(
        INCIDENTS, b"{}", {**AWS_JSON, "X-Amz-Target": "SSMIncidents.ListResponsePlans"}
    )
    assert (answer.status, answer.code) == (404, "UnknownOperationException")


def test_a_known_path_with_the_wrong_method_is_an_unknown_operation(wire: Wire) -> None:
    answer = wire.incidents("/listResponsePlans", None, {}, method="GET")
    assert (answer.status, answer.code) == (404, "UnknownOperationException")


# --- which media type ---------------------------------------------------------------------
def test_a_missing_content_type_is_an_unsupported_media_type(wire: Wire) -> None:
    answer = wire.contacts("SSMContacts.ListContacts", b"{}", headers={})
    assert (answer.status, answer.code) == (415, "UnsupportedMediaTypeException")
    assert "application/x-amz-json-1.1" in answer.message


def test_a_rest_body_that_is_not_json_by_content_type_is_refused(wire: Wire) -> None:
    answer = wire.incidents("/listResponsePlans", b"{}", {"Content-Type": "text/plain"})
    assert (answer.status, answer.code) == (415, "UnsupportedMediaTypeException")


def test_content_type_parameters_are_accepted(wire: Wire) -> None:
    headers = {"Content-Type": "application/x-amz-json-1.1; charset=utf-8"}
    assert wire.contacts("SSMContacts.ListContacts", b"{}", headers=headers).status == 200
    rest = {"Content-Type": "application/json; charset=UTF-8"}
    assert wire.incidents("/listResponsePlans", b"{}", rest).status == 200


# --- which body ---------------------------------------------------------------------------
INVALID_JSON = [
    b"{not json",
    b'{"MaxResults": 10}abc',
    b'{"MaxResults": 10 // ten\n}',
    b'{"MaxResults": 10,}',
    b"{'MaxResults': 10}",
    b'{"MaxResults": NaN}',
    b'{"MaxResults" :\x0c10}',
    b"\xff\xfe{}",
    b"[" * 100_000,
]


@pytest.mark.parametrize("body", INVALID_JSON, ids=lambda b: repr(b[:20]))
def test_invalid_json_is_a_serialization_exception(wire: Wire, body: bytes) -> None:
    # It was answered 200 with the list, as if the body were empty.
    contacts = wire.contacts("SSMContacts.ListContacts", body)
    assert (contacts.status, contacts.code) == (400, "SerializationException")
    assert b"Contacts" not in contacts.body
    incidents = wire.incidents("/listResponsePlans", body.replace(b"MaxResults", b"maxResults"))
    assert (incidents.status, incidents.code) == (400, "SerializationException")


@pytest.mark.parametrize("body", [b"[]", b'[{"MaxResults": 1}]', b'"x"', b"10", b"null", b"true"])
def test_json_that_is_not_an_object_is_a_serialization_exception(wire: Wire, body: bytes) -> None:
    # A JSON array was an HTTP 500 (AttributeError: 'list' object has no attribute 'get').
    for answer in (
        wire.contacts("SSMContacts.ListContacts", body),
        wire.incidents("/listResponsePlans", body),
    ):
        assert (answer.status, answer.code) == (400, "SerializationException")


def test_an_empty_body_reads_as_no_members(wire: Wire) -> None:
    assert wire.contacts("SSMContacts.ListContacts", b"").status == 200
    assert wire.incidents("/listResponsePlans", b"").status == 200
    # ... so the required ones are missing, each named in AWS's words.
    answer = wire.contacts("SSMContacts.CreateContact", b"")
    assert (answer.status, answer.code) == (400, "ValidationException")
    assert answer.message.startswith("3 validation errors detected: ")
    for member in ("alias", "type", "plan"):
        assert f"Value null at '{member}' failed to satisfy constraint" in answer.message
    answer = wire.incidents("/createResponsePlan", b"")
    assert (answer.status, answer.code) == (400, "ValidationException")
    assert "at 'incidentTemplate'" in answer.message


PLAN: dict[str, Any] = {"Stages": []}
WRONG_CONTACTS_TYPES: list[tuple[str, dict[str, Any], str]] = [
    (
        "ListContacts",
        {"MaxResults": "10"},
        "STRING_VALUE can not be converted to an Integer at 'maxResults'",
    ),
    ("ListContacts", {"MaxResults": 1.5}, "at 'maxResults'"),
    ("ListContacts", {"MaxResults": True}, "BOOLEAN_VALUE can not be converted to an Integer"),
    ("ListContacts", {"MaxResults": 2**31}, "out of range at 'maxResults'"),
    (
        "CreateContact",
        {"Alias": 5, "Type": "PERSONAL", "Plan": PLAN},
        "NUMBER_VALUE can not be converted to a String at 'alias'",
    ),
    (
        "CreateContact",
        {"Alias": "a", "Type": "PERSONAL", "Plan": []},
        "Start of list can not be converted to a Structure at 'plan'",
    ),
    (
        "CreateContact",
        {"Alias": "a", "Type": "PERSONAL", "Plan": {"Stages": {}}},
        "at 'plan.stages'",
    ),
    (
        "CreateContact",
        {"Alias": "a", "Type": "PERSONAL", "Plan": {"Stages": [None]}},
        "null found in a list at 'plan.stages.1.member'",
    ),
    (
        "CreateContactChannel",
        {
            "ContactId": "a",
            "Name": "n",
            "Type": "EMAIL",
            "DeliveryAddress": {"SimpleAddress": "x"},
            "DeferActivation": "yes",
        },
        "can not be converted to a Boolean at 'deferActivation'",
    ),
    (
        "CreateRotation",
        {
            "Name": "r",
            "ContactIds": ["a"],
            "TimeZoneId": "UTC",
            "Recurrence": {},
            "StartTime": "2026-01-01T00:00:00Z",
        },
        "STRING_VALUE can not be converted to a Date at 'startTime'",
    ),
    (
        "CreateRotation",
        {
            "Name": "r",
            "ContactIds": ["a"],
            "TimeZoneId": "UTC",
            "Recurrence": {},
            "StartTime": 1e300,
        },
        "out of range at 'startTime'",
    ),
    (
        "TagResource",
        {"ResourceARN": "a", "Tags": [{"Key": "k", "Value": "\ud800"}]},
        "(a lone surrogate) at 'tags.1.member.value'",
    ),
]


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    WRONG_CONTACTS_TYPES,
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else "",
)
def test_a_member_of_the_wrong_type_is_a_serialization_exception(
    wire: Wire, operation: str, params: dict[str, Any], message: str
) -> None:
    answer = wire.contacts(f"SSMContacts.{operation}", json.dumps(params).encode())
    assert (answer.status, answer.code) == (400, "SerializationException")
    assert message in answer.message


WRONG_INCIDENTS_TYPES: list[tuple[str, dict[str, Any], str]] = [
    (
        "/listResponsePlans",
        {"maxResults": "10"},
        "STRING_VALUE can not be converted to an Integer at 'maxResults'",
    ),
    (
        "/createResponsePlan",
        {"name": 5, "incidentTemplate": {"title": "t", "impact": 1}},
        "at 'name'",
    ),
    (
        "/createResponsePlan",
        {"name": "p", "incidentTemplate": {"title": "t", "impact": 1}, "tags": {"k": None}},
        "null found in a map at 'tags.k'",
    ),
    (
        "/createResponsePlan",
        {
            "name": "p",
            "incidentTemplate": {"title": "t", "impact": 1},
            "chatChannel": {"empty": {}, "chatbotSns": ["arn"]},
        },
        "exactly one member set; 2 are set at 'chatChannel'",
    ),
    (
        "/createResponsePlan",
        {
            "name": "p",
            "incidentTemplate": {"title": "t", "impact": 1},
            "chatChannel": {"slack": {}},
        },
        "Unknown member 'slack' of the union at 'chatChannel'",
    ),
    (
        "/createResponsePlan",
        {"name": "p", "incidentTemplate": {"title": "t", "impact": 1}, "chatChannel": {}},
        "0 are set at 'chatChannel'",
    ),
    (
        "/createReplicationSet",
        {"regions": ["us-east-1"]},
        "Start of list can not be converted to a Map at 'regions'",
    ),
]


@pytest.mark.parametrize(
    ("path", "params", "message"),
    WRONG_INCIDENTS_TYPES,
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else "",
)
def test_a_rest_member_of_the_wrong_type_is_a_serialization_exception(
    wire: Wire, path: str, params: dict[str, Any], message: str
) -> None:
    answer = wire.incidents(path, json.dumps(params).encode())
    assert (answer.status, answer.code) == (400, "SerializationException")
    assert message in answer.message


def test_unknown_members_and_null_members_are_ignored(aws: Client, wire: Wire) -> None:
    replication_set(aws)
    body = {"Alias": "alice", "Type": "PERSONAL", "Plan": PLAN, "DisplayName": None, "Colour": [1]}
    answer = wire.contacts("SSMContacts.CreateContact", json.dumps(body).encode())
    assert answer.status == 200, answer.message
    arn = json.loads(answer.body)["ContactArn"]
    assert aws(CONTACTS).get_contact(ContactId=arn)["Alias"] == "alice"


def test_a_wrong_type_through_botocore_reads_as_serialization_exception(aws: Client) -> None:
    """The code botocore reports (it strips the framework namespace of ``__type``)."""
    import boto3  # type: ignore[import-untyped]

    client = aws(CONTACTS)
    unchecked = boto3.client(
        CONTACTS,
        endpoint_url=client.meta.endpoint_url,
        region_name=REGION,
        aws_access_key_id=FAKE_ACCESS_KEY,
        aws_secret_access_key=FAKE_SECRET_KEY,
        config=Config(parameter_validation=False),
    )
    with pytest.raises(ClientError) as raised:
        unchecked.list_contacts(MaxResults="ten")
    assert error_of(raised)[0] == "SerializationException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --- oversized values ---------------------------------------------------------------------
def test_a_five_megabyte_alias_is_not_echoed_back(wire: Wire) -> None:
    body = {"Alias": "a" * FIVE_MB, "Type": "PERSONAL", "Plan": PLAN}
    answer = wire.contacts("SSMContacts.CreateContact", json.dumps(body).encode())
    assert (answer.status, answer.code) == (400, "ValidationException")
    assert len(answer.body) < SHORT_MESSAGE
    assert (
        f"Value '{'a' * 128}...' at 'alias' failed to satisfy constraint: "
        "Member must have length less than or equal to 255" in answer.message
    )


def test_a_five_megabyte_response_plan_name_is_not_echoed_back(wire: Wire) -> None:
    body = {"name": "p" * FIVE_MB, "incidentTemplate": {"title": "t", "impact": 1}}
    answer = wire.incidents("/createResponsePlan", json.dumps(body).encode())
    assert (answer.status, answer.code) == (400, "ValidationException")
    assert len(answer.body) < SHORT_MESSAGE
    assert "at 'name' failed to satisfy constraint" in answer.message


def test_a_long_target_or_path_is_not_echoed_back(wire: Wire) -> None:
    answer = wire.contacts("SSMContacts." + "X" * 20_000, b"{}")
    assert (answer.status, answer.code) == (400, "UnknownOperationException")
    assert len(answer.body) < SHORT_MESSAGE
    answer = wire.incidents("/" + "x" * 20_000, b"{}")
    assert (answer.status, answer.code) == (404, "UnknownOperationException")
    assert len(answer.body) < SHORT_MESSAGE


# --- every operation, and anything at all ------------------------------------------------
def _operations(service: str) -> list[str]:
    return list(service_model(service).operation_names)


def _implemented(service: str) -> list[str]:
    response = ContactsResponse if service == CONTACTS else IncidentsResponse
    return [op for op in _operations(service) if hasattr(response, xform_name(op))]


def _send_operation(wire: Wire, service: str, operation: str, body: bytes) -> Answer:
    if service == CONTACTS:
        return wire.contacts(f"SSMContacts.{operation}", body)
    http = service_model(service).operation_model(operation).http
    path = http["requestUri"].split("?", 1)[0].replace("{resourceArn}", "arn%3Aaws%3Ax")
    return wire.incidents(path, body, method=http["method"])


@pytest.mark.parametrize("service", [CONTACTS, INCIDENTS])
def test_every_operation_of_the_model_answers_without_a_crash(wire: Wire, service: str) -> None:
    """Implemented or not, an operation called with no members is a client error (the model
    names what is missing) or, where the emulator lacks it, a plain 501, never a 500."""
    for operation in _operations(service):
        answer = _send_operation(wire, service, operation, b"{}")
        assert answer.status < 500 or (answer.status, answer.code) == (
            501,
            "NotImplementedException",
        ), (operation, answer)


NO_CRASH = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)


@NO_CRASH
@given(target=HEADER_TEXT, body=st.binary(max_size=300))
def test_arbitrary_targets_and_bytes_never_crash_the_server(
    wire: Wire, target: str, body: bytes
) -> None:
    for answer in (
        wire.contacts(target, body),
        wire.contacts(f"SSMContacts.{target}", body),
        wire.incidents("/" + quote(target.lstrip("/"), safe="/"), body),
    ):
        assert answer.status < 500, answer


def _json_values() -> st.SearchStrategy[Any]:
    leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    )


def _text_of(shape: Any) -> st.SearchStrategy[str]:
    """Strings of a string shape: its enum values, text matching its pattern (where Python's
    ``re`` reads it), and any short text."""
    text = st.text(max_size=12)
    if shape.enum:
        return st.sampled_from(shape.enum) | text
    pattern = shape.metadata.get("pattern")
    if pattern:
        try:
            re.compile(pattern)
        except re.error:  # Java's \p{L} classes
            return text
        limit = min(shape.metadata.get("max", 40), 40)
        matching = st.from_regex(pattern, fullmatch=True).filter(lambda t: 0 < len(t) <= limit)
        return matching | text
    return text


@functools.cache
def _shaped(service: str, shape_name: str, loose: bool, depth: int = 0) -> st.SearchStrategy[Any]:
    """JSON of the shape ``shape_name``; ``loose``: any JSON at times in place of a member, so
    the checks past the front door (the model's validation, the backends' rules) see odd input
    as well as typed input."""
    anything = _json_values()
    shape = service_model(service).shape_for(shape_name)
    if depth > 5:
        return anything
    kind = shape.type_name

    def inner(member: Any) -> st.SearchStrategy[Any]:
        return _shaped(service, member.name, loose, depth + 1)

    typed: st.SearchStrategy[Any]
    if kind == "structure":
        members = {name: inner(member) for name, member in shape.members.items()}
        if shape.metadata.get("union"):
            typed = st.one_of([st.fixed_dictionaries({n: m}) for n, m in members.items()])
        else:
            typed = st.fixed_dictionaries({}, optional=members)
    elif kind == "list":
        typed = st.lists(inner(shape.member), max_size=3)
    elif kind == "map":
        typed = st.dictionaries(st.text(max_size=8), inner(shape.value), max_size=3)
    elif kind == "string":
        typed = _text_of(shape)
    elif kind == "integer":
        typed = st.integers(-5, 100)
    elif kind == "boolean":
        typed = st.booleans()
    else:  # timestamp
        typed = st.integers(0, 2_000_000_000)
    # One member in ten, about, is of any type when loose.
    return st.one_of([typed] * 9 + [anything]) if loose else typed


@settings(NO_CRASH, max_examples=60)
@given(data=st.data())
def test_model_shaped_json_never_crashes_the_server(wire: Wire, data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="with a replication set"):
        # Past "nothing before the replication set", into the backends' own rules (a
        # ConflictException when an earlier example made it).
        wire.incidents("/createReplicationSet", json.dumps({"regions": {REGION: {}}}).encode())
    service = data.draw(st.sampled_from([CONTACTS, INCIDENTS]), label="service")
    model = service_model(service)
    # The emulated operations (the others answer 501, see the test above).
    operation = data.draw(st.sampled_from(_implemented(service)), label="operation")
    shape = model.operation_model(operation).input_shape
    loose = data.draw(st.booleans(), label="loose")
    body = data.draw(_shaped(service, shape.name, loose), label="body")
    answer = _send_operation(wire, service, operation, json.dumps(body).encode())
    assert answer.status < 500 or (answer.status, answer.code) == (
        501,
        "NotImplementedException",
    ), answer
