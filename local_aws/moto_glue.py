"""Every moto internal the local Incident Manager relies on, in this one module.

moto (PyPI ``moto[server]``, pinned in requirements.txt) has no ssm-contacts or ssm-incidents
backend. Two of its internals let us add them at run time, without a fork or a patched copy:

- ``moto.backend_index.backend_url_patterns``: the list the server (and ``mock_aws``) walks to
  find the backend for a request's host (``ssm-contacts.<region>.amazonaws.com``, built from the
  SigV4 credential scope). We append one pattern per new service.
- ``moto.backends.get_backend(name)`` imports ``moto.<name>`` and reads ``<name>_backends``. We
  put a module of that name into ``sys.modules`` instead of a folder into ``moto.__path__``: no
  file of ours is ever imported under moto's name twice.

``BaseResponse`` with ``automated_parameter_parsing`` parses requests with botocore's service
model (REST-JSON routed by method and path), ``ActionResult`` serializes a result through the
output shape, and a ``ServiceException`` whose ``code`` names an error shape of the model is
answered with that shape. ``DomainDispatcherApplication``, ``create_backend_app`` and
``MotoRequestHandler`` make the same WSGI server ``ThreadedMotoServer`` makes, which we wrap to
keep a request log. A moto upgrade that renames any of these breaks this module only;
tests/local_aws/test_registration.py fails loudly when it does.

One fix to moto's own behaviour lives here too: KMS ``ReplicateKey`` (see
``_replicate_key_with_request_fields``); those to CloudWatch, SNS and CloudFormation that
adoption needs are in ``moto_alarms_topics``, applied from ``register``; and one addition: SSM
documents owned by Amazon, which every account reads (``_add_amazon_documents``, the documents in
``amazon_documents``).
"""

from __future__ import annotations

import io
import json
import re
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, ClassVar, cast

import moto
from moto import backend_index
from moto.backends import get_backend
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.core.utils import camelcase_to_underscores, method_names_from_class
from moto.kms.models import kms_backends
from moto.kms.responses import KmsResponse
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.ssm.models import Document, Documents, SimpleSystemManagerBackend
from werkzeug.serving import BaseWSGIServer, make_server

from local_aws import model_validation, state_file, wire_protocol
from local_aws.amazon_documents import AMAZON_DOCUMENTS, AMAZON_OWNER
from local_aws.moto_alarms_topics import fix_alarms_and_topics

MOTO_VERSION = moto.__version__
# Incident Manager's state is account-wide (ssm-incidents ARNs carry no region, contacts are
# replicated to every region of the replication set): one backend per account and partition.
PARTITION = "aws"

Json = dict[str, Any]
Handler = Callable[..., Any]
_operations_lock = threading.RLock()


class ServiceError(ServiceException):
    """An error answered with the service model's error shape named by ``code``; extra members
    of the shape (``Reason``, ``ResourceId``, ``resourceType`` ...) are set as attributes."""

    def __init__(self, code: str, message: str, **members: Any) -> None:
        super().__init__(code, message)
        for name, value in members.items():
            setattr(self, name, value)


class ModelResponse(BaseResponse):
    """A response class whose requests are parsed and whose results are serialized by moto with
    botocore's service model. Subclasses define one snake_case method per operation taking
    nothing and returning a dict (the output shape's members); ``validate`` runs first."""

    service: ClassVar[str]

    def __init__(self) -> None:
        super().__init__(service_name=self.service)
        self.automated_parameter_parsing = True

    @property
    def operation(self) -> str:
        action: str = self._get_action()
        return action

    @property
    def request_params(self) -> Json:
        params = getattr(self, "params", None) or {}
        uri: Json = dict(getattr(self, "uri_match", {}) or {})
        return {**uri, **dict(params)}

    @property
    def account(self) -> str:
        account: str = self.current_account
        return account

    @property
    def request_region(self) -> str:
        region: str = self.region
        return region

    def validate(self, operation: str, params: Json) -> None:
        """Raise ``ServiceError`` when ``params`` break the operation's input shape."""

    def _get_action_from_method_and_request_uri(self, request: Any) -> str:
        action: str | None = super()._get_action_from_method_and_request_uri(request)
        if action is None:
            # moto's router also wants every required query argument (GET /getReplicationSet
            # without ?arn= was a bare 404); routed as the front door routed it, the model's
            # validation then names the argument missing.
            model = model_validation.service_model(self.service)
            try:
                route = wire_protocol.rest_route(model, request.method, request.path)
            except wire_protocol.ProtocolError:
                return ""
            self.uri_match = route.labels
            action = route.operation
        return action

    def call_action(self) -> Any:
        # Validation runs before the operation method, answered like any service error.
        try:
            self.validate(self.operation, self.request_params)
        except ServiceError as error:
            return self.serialized(ActionResult(error))
        # Terraform sends up to ten requests at once; one at a time keeps rules such as "an
        # alias is unique" true between their check and their write (each call is quick).
        with _operations_lock:
            return self._once()

    def _once(self) -> Any:
        # A create sent again with its idempotency token (the SDKs add one and keep it for
        # their retries) gets the first answer, as from AWS: when the answer was lost on the
        # way (a cut network, a server killed after its write), the retry must not fail with
        # "already exists" for an object the first attempt created.
        member = model_validation.idempotency_member(self.service, self.operation)
        params = self.request_params
        token = params.get(member) if member else None
        backend = getattr(self, "backend", None)
        if not (isinstance(token, str) and token and isinstance(backend, AccountBackend)):
            return super().call_action()
        answers = backend.idempotent_answers()
        key = (self.operation, token)
        if key in answers and answers[key][0] == params:
            return answers[key][1]
        answer = super().call_action()
        if isinstance(answer, tuple) and int(answer[0]) < 400:
            answers[key] = (params, answer)
        return answer

    def result(self, value: Json) -> Any:
        return ActionResult(value)


class AccountBackend(BaseBackend):
    """A backend holding one account's state of a service (see ``PARTITION``)."""

    routes_bases: ClassVar[list[str]]
    routes_paths: ClassVar[dict[str, Handler]]

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self._idempotent_answers: dict[tuple[str, str], tuple[Json, Any]] = {}

    def idempotent_answers(self) -> dict[tuple[str, str], tuple[Json, Any]]:
        """(operation, idempotency token) -> (the request's parameters, the answer given);
        kept with the backend, so in the state file too (a server killed after a create and
        started again answers that create's retry the same)."""
        # A backend read back from a state file of an earlier version has none yet.
        answers: dict[tuple[str, str], tuple[Json, Any]] = self.__dict__.setdefault(
            "_idempotent_answers", {}
        )
        return answers

    @property
    def _url_module(self) -> Any:
        # moto derives the urls module from the backend class's module name; ours is given.
        return types.SimpleNamespace(url_bases=self.routes_bases, url_paths=self.routes_paths)


@dataclass(frozen=True)
class ServiceRegistration:
    """A new moto service: its moto name (``ssmcontacts``), its botocore name
    (``ssm-contacts``), its backend class and its response class."""

    moto_name: str
    endpoint_prefix: str
    backend: type[AccountBackend]
    response: type[ModelResponse]

    def dispatch(self) -> Handler:
        """moto's handler for the service's requests, behind the protocol's front door: a
        request that names no operation, or whose body is not JSON of the operation's input,
        is answered as AWS answers it (``wire_protocol``) and never reaches moto's parser."""
        return _front_door(self.endpoint_prefix, self.response)


def _front_door(endpoint_prefix: str, response: type[ModelResponse]) -> Handler:
    model = model_validation.service_model(endpoint_prefix)
    # The operations the service's response class defines (not moto's helpers it inherits).
    implemented = set(method_names_from_class(response)) - set(
        method_names_from_class(ModelResponse)
    )

    def answer(error: wire_protocol.ProtocolError) -> tuple[int, dict[str, str], str]:
        return wire_protocol.error_response(model, error)

    def front_door(request: Any, full_url: str, headers: Any) -> Any:
        wire = wire_protocol.WireRequest(
            method=request.method,
            path=request.path,
            headers={str(k).lower(): str(v) for k, v in request.headers.items()},
            body=request.get_data(),
        )
        try:
            accepted = wire_protocol.operation_of(model, wire)
        except wire_protocol.ProtocolError as error:
            return answer(error)
        operation = accepted.operation
        if accepted.body is not wire.body:
            # werkzeug keeps the body it read here; moto's parser reads that copy.
            request._cached_data = accepted.body
        if camelcase_to_underscores(operation) not in implemented:
            # In AWS's API but not emulated: said plainly, as a server error the SDKs do not
            # retry (501), not as a crash.
            return answer(
                wire_protocol.ProtocolError(
                    501,
                    "NotImplementedException",
                    f"{endpoint_prefix} {operation} is not implemented by the local Incident "
                    "Manager (local_aws)",
                )
            )
        try:
            return response.dispatch(request, full_url, headers)
        except Exception:  # a bug of ours: answered as AWS answers its own failures
            traceback.print_exc()
            return answer(
                wire_protocol.ProtocolError(
                    500, "InternalFailure", f"{endpoint_prefix} {operation} failed unexpectedly"
                )
            )

    return front_door


_backend_dicts: dict[str, Any] = {}
_registered: list[str] = []
_lock = threading.Lock()


def _url_base(endpoint_prefix: str) -> str:
    return rf"https?://{re.escape(endpoint_prefix)}\.(.+)\.amazonaws\.com"


def register(services: Iterable[ServiceRegistration]) -> list[str]:
    """Make moto serve ``services`` (idempotent); the moto names registered."""
    with _lock:
        for service in services:
            if service.moto_name in _registered:
                continue
            base = _url_base(service.endpoint_prefix)
            service.backend.routes_bases = [base]
            # Both protocols post to "/" (JSON 1.1) or "/<operation>" (REST-JSON): any path.
            service.backend.routes_paths = {
                "{0}/$": service.dispatch(),
                "{0}/(?P<path>.+)$": service.dispatch(),
            }
            backends = BackendDict(
                service.backend,
                service.endpoint_prefix,
                use_boto3_regions=False,
                additional_regions=[PARTITION],
            )
            _backend_dicts[service.moto_name] = backends
            module = types.ModuleType(f"moto.{service.moto_name}")
            setattr(module, f"{service.moto_name}_backends", backends)
            sys.modules[module.__name__] = module
            backend_index.backend_url_patterns.append((service.moto_name, re.compile(base)))
            _registered.append(service.moto_name)
        _fix_kms_replicate_key()
        fix_alarms_and_topics()
        _add_amazon_documents()
    return list(_registered)


def account_backend(moto_name: str, account: str) -> Any:
    """The backend of ``account`` for a registered service."""
    return _backend_dicts[moto_name][account][PARTITION]


def registered_services() -> list[str]:
    """moto names of the services moto can route to now (read back from moto, not from us)."""
    return [name for name, _ in backend_index.backend_url_patterns if name in _registered]


# --- KMS ReplicateKey -------------------------------------------------------------------------
# moto's ReplicateKey copies the primary key as it is and ignores the request's Description,
# Policy and Tags. hashicorp/aws 5.100.0 sends all three and then waits until the replica reads
# them back (description, policy and tags "propagated"): with moto it waits for ever. The fix
# applies the three request fields to the replica, as AWS does, and gives the replica its own
# multi-Region configuration (moto shares the primary's, so the primary turned REPLICA).
_KMS_FIXED = "_local_aws_fixed"


def _fix_kms_replicate_key() -> None:
    original = KmsResponse.replicate_key
    if getattr(original, _KMS_FIXED, False):
        return

    def replicate_key(self: Any) -> Any:
        answer = original(self)
        replica_region = self._get_param("ReplicaRegion")
        metadata = json.loads(answer)["ReplicaKeyMetadata"]
        target = kms_backends[self.current_account][replica_region]
        primary = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
        replica = target.keys[metadata["KeyId"]]
        if replica is primary:
            return answer
        description = self._get_param("Description")
        policy = self._get_param("Policy")
        # copy() shares the primary's multi-Region configuration dict; moto's DescribeKey then
        # marks it REPLICA for both keys and the provider refuses the primary ("not a
        # multi-Region primary key"). The replica gets its own.
        if primary.multi_region:
            shared = primary.multi_region_configuration
            replica.multi_region_configuration = {
                **shared,
                "MultiRegionKeyType": "REPLICA",
                "ReplicaKeys": list(shared["ReplicaKeys"]),
            }
            shared["MultiRegionKeyType"] = "PRIMARY"
        if description is not None:
            replica.description = description
        if policy is not None:
            replica.policy = policy
        tags = self._get_param("Tags") or []
        if tags:
            target.tag_resource(replica.id, {t["TagKey"]: t.get("TagValue") for t in tags})
        return json.dumps(
            {
                "ReplicaKeyMetadata": replica.to_dict()["KeyMetadata"],
                "ReplicaPolicy": replica.policy,
            }
        )

    setattr(replicate_key, _KMS_FIXED, True)
    setattr(KmsResponse, "replicate_key", replicate_key)  # noqa: B010 (mypy: method-assign)


# --- SSM documents owned by Amazon -----------------------------------------------------------
# moto's SSM backend knows only the account's own documents. While one of the read operations
# below runs (a request thread at a time), a name the account does not hold falls back to the
# Amazon-owned catalogue, as a fresh copy: no request can change the catalogue, and deleting,
# updating or sharing an Amazon document still finds no such document.
_SSM_AMAZON = "_local_aws_amazon_documents"
_SSM_READS = ("describe_document", "get_document", "describe_document_permission")
_ssm_reading = threading.local()


def _amazon_documents(name: str) -> Documents | None:
    found = AMAZON_DOCUMENTS.get(name)
    if found is None:
        return None
    # moto's Document is a CloudFormationModel whose abstract members it never defines.
    document: Any = Document
    return Documents(
        document(
            account_id=AMAZON_OWNER,
            name=found.name,
            version_name="",
            content=found.content,
            document_type=found.document_type,
            document_format=found.document_format,
            requires=[],
            attachments=[],
            target_type="",
        )
    )


def _reading(original: Handler) -> Handler:
    def read(self: Any, *args: Any, **kwargs: Any) -> Any:
        _ssm_reading.active = True
        try:
            return original(self, *args, **kwargs)
        finally:
            _ssm_reading.active = False

    return read


def _add_amazon_documents() -> None:
    original = SimpleSystemManagerBackend._get_documents
    if getattr(original, _SSM_AMAZON, False):
        return

    def get_documents(self: Any, name: str) -> Any:
        if getattr(_ssm_reading, "active", False) and name not in self._documents:
            amazon = _amazon_documents(name)
            if amazon is not None:
                return amazon
        return original(self, name)

    setattr(get_documents, _SSM_AMAZON, True)
    setattr(SimpleSystemManagerBackend, "_get_documents", get_documents)  # noqa: B010
    for operation in _SSM_READS:
        setattr(
            SimpleSystemManagerBackend,
            operation,
            _reading(getattr(SimpleSystemManagerBackend, operation)),
        )


# --- The server -------------------------------------------------------------------------------
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


def _operation(environ: Mapping[str, Any], body: bytes) -> str:
    """The API operation of a request, as well as a log needs it: the JSON target, the query
    Action, or the REST path's first segment (ssm-incidents names its paths after them)."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    query = str(environ.get("QUERY_STRING", ""))
    text = body.decode("utf-8", "replace") if body and len(body) < 100_000 else ""
    for source in (query, text):
        found = re.search(r"(?:^|&)Action=([A-Za-z0-9]+)", source)
        if found:
            return found.group(1)
    path = str(environ.get("PATH_INFO", "/"))
    method = str(environ.get("REQUEST_METHOD", "GET"))
    first = path.strip("/").split("/", 1)[0]
    if first == "tags":
        return {"GET": "ListTagsForResource", "POST": "TagResource"}.get(method, "UntagResource")
    if re.fullmatch(r"[a-z][A-Za-z]+", first) and method in ("GET", "POST"):
        return first[0].upper() + first[1:]
    return f"{method} {path}"


class _RequestLog:
    """A WSGI middleware writing one JSON line per request (service, operation, HTTP status)."""

    def __init__(self, app: Any, output: IO[str]) -> None:
        self.app = app
        self.output = output
        self.lock = threading.Lock()
        self.started = time.monotonic()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        scope = _CREDENTIAL_SCOPE.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        entry: Json = {
            "service": scope.group(2) if scope else "",
            "region": scope.group(1) if scope else "",
            "operation": _operation(environ, body),
            # Seconds since the server started: where a slow step spends its time.
            "at": round(time.monotonic() - self.started, 3),
        }

        def logging_start_response(status: str, headers: Any, *rest: Any) -> Any:
            entry["status"] = int(status.split(" ", 1)[0])
            with self.lock:
                self.output.write(json.dumps(entry, sort_keys=True) + "\n")
                self.output.flush()
            return start_response(status, headers, *rest)

        return self.app(environ, logging_start_response)


# --- The server's data in a file (``state_file``) ---------------------------------------------
def _any_backend(name: str) -> Any:
    # moto types get_backend with one overload per literal service name.
    return cast(Any, get_backend)(name)


_READS = re.compile(r"(Get|List|Describe|BatchGet|Head|Query|Scan)[A-Z]")


def backend_snapshot() -> dict[str, dict[str, dict[str, Any]]]:
    """Every backend moto has made so far: service -> account -> region -> backend."""
    snapshot: dict[str, dict[str, dict[str, Any]]] = {}
    names = {name for name, _ in backend_index.backend_url_patterns}
    for name in sorted(names):
        if f"moto.{name}" not in sys.modules:
            continue  # never used in this process: nothing to keep
        backends = _any_backend(name)
        if not isinstance(backends, BackendDict):
            continue  # moto's own API (reset, ...): no account data
        accounts = {
            account: dict(regions.items()) for account, regions in backends.items() if regions
        }
        if accounts:
            snapshot[name] = accounts
    return snapshot


def restore_backends(snapshot: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
    """Put the backends of ``snapshot`` (``backend_snapshot``) back in place."""
    for name, accounts in snapshot.items():
        backends = _any_backend(name)
        for account, regions in accounts.items():
            for region, backend in regions.items():
                backends[account][region] = backend


class _StateKeeper:
    """A WSGI middleware saving every backend to ``path`` after each request that may have
    changed something (not a read, not an error). Requests run one at a time, so no save sees a
    write half done; Terraform's ten at once wait milliseconds for each other."""

    def __init__(self, app: Any, path: Path) -> None:
        self.app = app
        self.path = path
        self.lock = threading.Lock()

    def save(self) -> None:
        with self.lock:
            state_file.write(self.path, state_file.dumps(backend_snapshot()))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        reads = environ.get("REQUEST_METHOD") in ("GET", "HEAD") or _READS.match(
            _operation(environ, body)
        )
        statuses: list[int] = []

        def recording_start_response(status: str, headers: Any, *rest: Any) -> Any:
            statuses.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, *rest)

        with self.lock:
            # The body is read inside the lock too: the writes happen while it is produced.
            answer = self.app(environ, recording_start_response)
            try:
                chunks = list(answer)
            finally:
                if hasattr(answer, "close"):
                    answer.close()  # WSGI: the server's iterable is closed once read
            if not reads and statuses and statuses[0] < 400:
                state_file.write(self.path, state_file.dumps(backend_snapshot()))
        return chunks


class _CachingDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend serves a host. moto answers that by listing
    its own package folder (~200 entries) on every request, under a lock that serializes all
    requests: a fifth of the server's time while Terraform imports thousands of resources."""

    def __init__(self, create_app: Any) -> None:
        super().__init__(create_app)
        self._backends: dict[str, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        if host is None:
            return None
        if host not in self._backends:
            # Patterns are final once the server runs (``register`` comes first).
            self._backends[host] = super().get_backend_for_host(host)
        return self._backends[host]


class _QuietRequestHandler(MotoRequestHandler):
    """No line on stderr per request (werkzeug's default): an adoption makes thousands. The
    request log (``--request-log``) records every request as JSON instead."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        del code, size


class LocalServer:
    """moto's WSGI application, with the registered services, on ``host:port`` in a thread
    (port 0 picks a free one); optionally a request log."""

    def __init__(
        self,
        host: str,
        port: int,
        request_log: IO[str] | None = None,
        state_path: Path | None = None,
    ) -> None:
        app: Any = _CachingDispatcher(create_backend_app)
        self._keeper: _StateKeeper | None = None
        if state_path is not None:
            # A server killed while saving left its temporary file: garbage, and it holds the
            # data (channel addresses) too.
            state_file.remove_partial(state_path)
            if state_path.exists():
                restore_backends(state_file.read(state_path))
            app = self._keeper = _StateKeeper(app, state_path)
            self._keeper.save()  # the file exists (0600) from the start
        if request_log is not None:
            app = _RequestLog(app, request_log)
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_QuietRequestHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._keeper is not None:
            self._keeper.save()


def read_request_log(path: Path) -> list[Json]:
    """The entries a request log holds (see ``LocalServer``)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
