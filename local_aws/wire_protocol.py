"""The HTTP front door of ssm-contacts (awsJson1_1) and ssm-incidents (restJson1): which
operation a request names, and whether its body is JSON of the operation's input shape.

AWS answers a request it cannot read before any operation runs, with the protocol's framework
errors (smithy's ``smithy.framework`` shapes; codes as in botocore's ``__type`` /
``X-Amzn-ErrorType``):

- ``UnknownOperationException``: the request names no operation of the service. awsJson1_1:
  400 when ``X-Amz-Target`` is given but is not ``SSMContacts.<an operation>`` (what AWS answers,
  issue 17), 404 when the request is not an awsJson request at all (no target, not ``POST /``);
  restJson1: 404 when no operation has that method and path (smithy's framework error).
- ``UnsupportedMediaTypeException`` 415: the ``Content-Type`` is not the protocol's
  (``application/x-amz-json-1.1``; ``application/json`` for a restJson1 body), as smithy's
  restJson1 malformed-request protocol tests require.
- ``SerializationException`` 400: the body is not UTF-8 JSON, is not a JSON object, or a member
  has the wrong JSON type (a string for an integer, a float or a value out of the 32-bit range
  for an integer, a list for a structure, ``null`` in a list or map, a union with no member, two
  members or an unknown one): smithy's malformed-request protocol tests.

Members the model does not know are ignored and ``null`` members of a structure count as
absent (both as the protocols say). An empty body reads as ``{}``: the model's own validation
then names each missing required member. Lengths, patterns, enums and ranges are not checked
here: that is ``model_validation`` (``ValidationException``), after this.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local_aws.model_validation import member_path, short, shown

AWS_JSON = "application/x-amz-json-1.1"
REST_JSON = "application/json"
# Protocol-level errors come from the service framework, not from the service's model.
FRAMEWORK_NAMESPACE = "com.amazon.coral.service"
INT32 = (-(2**31), 2**31 - 1)
# Epoch seconds a timestamp may hold: years 1 to 9999 (what a datetime can hold).
TIMESTAMP_RANGE = (-62135596800, 253402300799)


@dataclass(frozen=True)
class ProtocolError(Exception):
    """A request answered before any operation runs: HTTP status, error code, message."""

    status: int
    code: str
    message: str


@dataclass(frozen=True)
class WireRequest:
    """What the front door reads of a request: method, decoded path, headers (names in lower
    case) and the raw body."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


def unknown_operation(status: int, message: str) -> ProtocolError:
    return ProtocolError(status, "UnknownOperationException", message)


def serialization_error(message: str) -> ProtocolError:
    return ProtocolError(400, "SerializationException", message)


@dataclass(frozen=True)
class Accepted:
    """A request the front door lets through: its operation and the body the operation reads
    (restJson1: without members the model binds to the path or query string, which AWS reads
    only from there; moto would let the body's copy override them)."""

    operation: str
    body: bytes


def operation_of(model: Any, request: WireRequest) -> Accepted:
    """The operation ``request`` calls, once its body is JSON of the operation's input shape;
    ``ProtocolError`` otherwise."""
    rest = model.protocol != "json"
    if rest:
        name = _rest_route(model, request)
        _require_media_type(request, REST_JSON, always=False)
    else:
        name = _json_target(model, request)
        _require_media_type(request, AWS_JSON, always=True)
    body = parse_body(request.body)
    shape = model.operation_model(name).input_shape
    if shape is None:
        return Accepted(name, request.body)
    check_members(shape, body, "", body_only=rest)
    bound = [n for n, m in shape.members.items() if rest and m.serialization.get("location")]
    if not any(n in body for n in bound):
        return Accepted(name, request.body)
    kept = {k: v for k, v in body.items() if k not in bound}
    return Accepted(name, json.dumps(kept).encode())


def _json_target(model: Any, request: WireRequest) -> str:
    target = request.headers.get("x-amz-target")
    if request.method != "POST" or request.path != "/" or target is None:
        raise unknown_operation(
            404,
            f"{model.service_name} is an awsJson1_1 service: POST / with an X-Amz-Target "
            f"header {model.metadata['targetPrefix']}.<operation>",
        )
    prefix, _, name = target.rpartition(".")
    if prefix != model.metadata["targetPrefix"] or name not in model.operation_names:
        raise unknown_operation(400, f"Unknown operation {shown(target)}")
    return str(name)


@dataclass(frozen=True)
class Route:
    """The restJson1 operation a method and path call, with the path's labels."""

    operation: str
    labels: dict[str, str]


@functools.cache
def _route_pattern(uri: str) -> re.Pattern[str]:
    # A label ("{resourceArn}") is one URL-encoded segment, but the WSGI path arrives decoded:
    # an ARN label holds "/" again. Every label in these models ends the path.
    pattern = ""
    for literal, label in re.findall(r"([^{]*)(?:\{([A-Za-z0-9_]+)\+?\})?", uri.split("?", 1)[0]):
        pattern += re.escape(literal)
        if label:
            pattern += f"(?P<{label}>.+)"
    return re.compile(pattern + r"\Z")


def rest_route(model: Any, method: str, path: str) -> Route:
    """The operation of the restJson1 ``model`` that ``method`` ``path`` calls."""
    for name in model.operation_names:
        http = model.operation_model(name).http
        if http["method"] != method:
            continue
        found = _route_pattern(http["requestUri"]).match(path)
        if found:
            return Route(str(name), found.groupdict())
    raise unknown_operation(404, f"No operation of {model.service_name} is {method} {shown(path)}")


def _rest_route(model: Any, request: WireRequest) -> str:
    return rest_route(model, request.method, request.path).operation


def _require_media_type(request: WireRequest, expected: str, *, always: bool) -> None:
    if not always and not request.body:
        return
    given = request.headers.get("content-type")
    media_type = (given or "").split(";", 1)[0].strip().lower()
    if media_type != expected:
        got = "none" if given is None else shown(given)
        raise ProtocolError(
            415,
            "UnsupportedMediaTypeException",
            f"Content-Type must be {expected}; got {got}",
        )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(body: bytes) -> dict[str, Any]:
    """The JSON object ``body`` holds (an empty body: ``{}``)."""
    if not body:
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise serialization_error(f"The request body is not UTF-8: {error.reason}") from error
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError as error:
        raise serialization_error("The request body nests too deeply") from error
    except ValueError as error:
        raise serialization_error(f"The request body is not valid JSON: {error}") from error
    if not isinstance(value, dict):
        raise serialization_error(f"{_found(value)} found where not expected")
    return value


def _found(value: Any) -> str:
    """Coral's names for what a JSON value starts with (``Start of list found where not
    expected``, ``STRING_VALUE can not be converted to an Integer``)."""
    if isinstance(value, dict):
        return "Start of structure or map"
    if isinstance(value, list):
        return "Start of list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "BOOLEAN_VALUE"
    if isinstance(value, (int, float)):
        return "NUMBER_VALUE"
    return "STRING_VALUE"


def _wrong_type(value: Any, expected: str, path: str) -> ProtocolError:
    article = "an" if expected[0] in "AEIOU" else "a"
    where = f" at '{path}'" if path else ""
    return serialization_error(
        f"{_found(value)} can not be converted to {article} {expected}{where}"
    )


def check_members(shape: Any, value: dict[str, Any], path: str, *, body_only: bool) -> None:
    """Raise ``ProtocolError`` when a member of the structure ``value`` has the wrong JSON type
    for ``shape``; ``body_only``: skip members bound to the URI, query string or headers."""
    for name, member in shape.members.items():
        if body_only and member.serialization.get("location"):
            continue
        if value.get(name) is not None:
            check_value(member, value[name], member_path(path, name))


def check_value(shape: Any, value: Any, path: str) -> None:
    """Raise ``ProtocolError`` when ``value`` is not JSON of ``shape``'s type."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise _wrong_type(value, "Structure", path)
        if shape.metadata.get("union"):
            _check_union(shape, value, path)
        check_members(shape, value, path, body_only=False)
    elif kind == "list":
        if not isinstance(value, list):
            raise _wrong_type(value, "List", path)
        for index, item in enumerate(value, start=1):
            item_path = f"{path}.{index}.member"
            if item is None:
                raise serialization_error(f"null found in a list at '{item_path}'")
            check_value(shape.member, item, item_path)
    elif kind == "map":
        if not isinstance(value, dict):
            raise _wrong_type(value, "Map", path)
        for key, item in value.items():
            _check_text(key, f"{path}.key")
            item_path = f"{path}.{short(key)}"
            if item is None:
                raise serialization_error(f"null found in a map at '{item_path}'")
            check_value(shape.value, item, item_path)
    elif kind == "string":
        if not isinstance(value, str):
            raise _wrong_type(value, "String", path)
        _check_text(value, path)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong_type(value, "Boolean", path)
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type(value, "Integer", path)
        low, high = INT32 if kind == "integer" else (-(2**63), 2**63 - 1)
        if not low <= value <= high:
            raise serialization_error(f"NUMBER_VALUE {shown(value)} is out of range at '{path}'")
    elif kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong_type(value, "Date", path)
        if not math.isfinite(value) or not TIMESTAMP_RANGE[0] <= value <= TIMESTAMP_RANGE[1]:
            raise serialization_error(f"Timestamp {shown(value)} is out of range at '{path}'")


def _check_union(shape: Any, value: dict[str, Any], path: str) -> None:
    unknown = [k for k in value if k not in shape.members]
    if unknown:
        raise serialization_error(f"Unknown member {shown(unknown[0])} of the union at '{path}'")
    set_members = [k for k, v in value.items() if v is not None]
    if len(set_members) != 1:
        raise serialization_error(
            f"A union has exactly one member set; {len(set_members)} are set at '{path}'"
        )


def _check_text(text: str, path: str) -> None:
    # JSON may escape a lone UTF-16 surrogate ("\\ud800"); such a string has no UTF-8 form.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise serialization_error(f"Invalid Unicode (a lone surrogate) at '{path}'") from error


def error_response(model: Any, error: ProtocolError) -> tuple[int, dict[str, str], str]:
    """``error`` as the protocol writes errors: awsJson1_1 puts the code in ``__type``
    (framework errors with Coral's namespace, which botocore strips), restJson1 in the
    ``X-Amzn-ErrorType`` header; both send it in that header too."""
    headers = {"X-Amzn-ErrorType": error.code}
    if model.protocol == "json":
        headers["Content-Type"] = AWS_JSON
        body = {"__type": f"{FRAMEWORK_NAMESPACE}#{error.code}", "Message": error.message}
    else:
        headers["Content-Type"] = REST_JSON
        body = {"message": error.message}
    return error.status, headers, json.dumps(body)
