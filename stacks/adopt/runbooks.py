"""Adopt the runbooks response plans start: their SSM Automation documents, the IAM roles
Incident Manager assumes to start them, and the actions themselves.

Reading keeps what the API gives. Writing follows what provider 5.100.0 reads back after an
import, so that the first plan shows only imports:

- a document's content is the ``$LATEST`` version in the default version's format (the
  provider's read: DescribeDocument, then GetDocument with that format and ``$LATEST``), written
  byte for byte to ``stacks/runbooks/<env>/<name>.yaml|.json``; its ``version_name``,
  ``target_type``, shares and tags are written too (each shows as a change when left out);
- a role's path (a new path replaces the role), description, maximum session and permissions
  boundary are written where they differ from the provider's defaults; policies are JSON files
  under ``stacks/policies/<env>/`` (the provider compares policies by meaning);
- what cannot be managed here is referenced as it is, never left out: a document owned by
  Amazon or another account, or one the project's checks would refuse, by ``document:``; a
  service-linked role, another account's role or a missing one by its ARN;
- an action with no parameters or no dynamic parameters is written with ``kept_as_adopted``
  (provider 5.100.0 cannot send an empty map; the action is left as AWS holds it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from botocore.exceptions import ClientError

from constructs_lib.runbook_document import RunbookDocument, parse_runbook_document
from stacks.adopt.listing import items
from stacks.config.policy_files import POLICIES_DIR, policy_file_text

Json = dict[str, Any]
AMAZON = "Amazon"
SERVICE_LINKED_PATH = "/aws-service-role/"
DEFAULT_ROLE_PATH = "/"
DEFAULT_MAX_SESSION = 3600
RUNBOOKS_DIR = PurePosixPath("stacks") / "runbooks"
BOM = "\ufeff"
NOT_FOUND = ("InvalidDocument", "NoSuchEntity")
# provider 5.100.0 checks version_name against ^[0-9A-Za-z_.-]{3,128}$ at plan time.
MIN_VERSION_NAME = 3


@dataclass
class LiveDocument:
    """A document as DescribeDocument and GetDocument give it (None: not found)."""

    description: Json | None
    content: str | None = None
    shared_with: list[str] = field(default_factory=list)


@dataclass
class LiveRole:
    """A role as GetRole gives it (None: not found), with its policies and tags."""

    role: Json | None
    inline_policies: dict[str, Json] = field(default_factory=dict)
    managed_policy_arns: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class LiveRunbooks:
    """Documents by the name actions give, roles by ARN."""

    documents: dict[str, LiveDocument] = field(default_factory=dict)
    roles: dict[str, LiveRole] = field(default_factory=dict)


def automations(plans: Iterable[Json]) -> Iterable[Json]:
    """The ``ssmAutomation`` of every action of ``plans``."""
    for plan in plans:
        for action in plan.get("actions", []):
            if "ssmAutomation" in action:
                yield action["ssmAutomation"]


def _found_or_none(call: Any, answer: str, **params: Any) -> Json | None:
    """``call(**params)[answer]``, or None when AWS answers that the document or role does not
    exist."""
    try:
        found: Json = call(**params)[answer]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in NOT_FOUND:
            return None
        raise
    return found


def read_document(ssm: Any, name: str) -> LiveDocument:
    described = _found_or_none(ssm.describe_document, "Document", Name=name)
    live = LiveDocument(described)
    if described is None:
        return live
    if described.get("Owner") == AMAZON:
        return live  # not managed here: its content is not needed
    # What provider 5.100.0 reads: $LATEST, in the format DescribeDocument gives (the default
    # version's); AWS converts between JSON and YAML when the two differ.
    live.content = ssm.get_document(
        Name=name, DocumentVersion="$LATEST", DocumentFormat=described["DocumentFormat"]
    )["Content"]
    token = None
    while True:
        page = ssm.describe_document_permission(
            Name=name, PermissionType="Share", **({"NextToken": token} if token else {})
        )
        live.shared_with.extend(page.get("AccountIds", []))
        token = page.get("NextToken")
        if not token:
            return live


def role_name(arn: str) -> str:
    """The name of the role ``arn`` names (its last path segment)."""
    return arn.rsplit("/", 1)[-1]


def read_role(iam: Any, arn: str) -> LiveRole:
    name = role_name(arn)
    role = _found_or_none(iam.get_role, "Role", RoleName=name)
    live = LiveRole(role)
    if role is None:
        return live
    if str(role.get("Path", "")).startswith(SERVICE_LINKED_PATH):
        return live  # AWS manages it; nothing else is needed
    for policy in items(iam, "list_role_policies", "PolicyNames", RoleName=name):
        document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        live.inline_policies[policy] = document
    live.managed_policy_arns = [
        p["PolicyArn"]
        for p in items(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
    ]
    live.tags = {t["Key"]: t["Value"] for t in items(iam, "list_role_tags", "Tags", RoleName=name)}
    return live


def read_runbooks(client: Any, plans: Iterable[Json]) -> LiveRunbooks:
    """Every document and role the response plans' actions name, each read once."""
    live = LiveRunbooks()
    ssm = iam = None
    for automation in automations(plans):
        name, arn = automation["documentName"], automation["roleArn"]
        if name not in live.documents:
            ssm = ssm or client("ssm")
            live.documents[name] = read_document(ssm, name)
        if arn not in live.roles:
            iam = iam or client("iam")
            live.roles[arn] = read_role(iam, arn)
    return live


def file_text(content: str) -> str:
    """The file whose text, as the project reads it, is ``content``: the reader drops one
    leading byte-order mark (it marks the encoding), so content that starts with one keeps it
    only behind a second."""
    return BOM + content if content.startswith(BOM) else content


@dataclass
class RunbookWriter:
    """Writes the runbooks, runbook roles and runbook actions of one adoption."""

    environment: str
    account_id: str
    live: LiveRunbooks
    files: dict[str, str]
    imports: Json
    report: list[str]
    runbooks: dict[str, Json] = field(default_factory=dict)
    roles: dict[str, Json] = field(default_factory=dict)
    # Documents and roles already decided: the entry name, or None (referenced, not managed).
    _documents: dict[str, str | None] = field(default_factory=dict)
    _parsed: dict[str, RunbookDocument] = field(default_factory=dict)
    _roles: dict[str, str | None] = field(default_factory=dict)

    def action(self, plan: str, automation: Json) -> Json:
        """The response plan's ``runbook:`` entry for ``automation``, exactly as AWS holds it."""
        name = automation["documentName"]
        data: Json = {}
        managed = self._document(plan, name, automation)
        if managed is not None and managed == name:
            data["name"] = managed
        else:
            data["document"] = name
        data["role"] = self._role(plan, automation["roleArn"])
        if automation.get("documentVersion"):
            data["document_version"] = automation["documentVersion"]
        if automation.get("targetAccount"):
            data["target_account"] = automation["targetAccount"]
        parameters = automation.get("parameters") or {}
        if parameters:
            data["parameters"] = {k: list(parameters[k]) for k in sorted(parameters)}
        dynamic = automation.get("dynamicParameters") or {}
        if dynamic:
            data["dynamic_parameters"] = {k: dynamic[k]["variable"] for k in sorted(dynamic)}
        empty = [
            k for k, v in (("parameters", parameters), ("dynamic_parameters", dynamic)) if not v
        ]
        if empty:
            data["kept_as_adopted"] = True
            self.report.append(
                f"response plan {plan}: its runbook action has no {' and no '.join(empty)}; "
                "provider 5.100.0 always sends both maps and AWS refuses an empty one "
                "(terraform-provider-aws#32057), so the action is imported and kept as AWS holds "
                "it (kept_as_adopted: true). Changing it fails at apply until both maps have an "
                "entry (then remove kept_as_adopted)."
            )
        return data

    def _document(self, plan: str, name: str, automation: Json) -> str | None:
        if name not in self._documents:
            self._documents[name] = self._adopt_document(plan, name)
        managed = self._documents[name]
        if managed is None or managed != name:
            return managed
        declared = self._parsed[managed].parameters
        given = {
            *(automation.get("parameters") or {}),
            *(automation.get("dynamicParameters") or {}),
        }
        undeclared = sorted(p for p in given if p not in declared)
        if undeclared:
            self.report.append(
                f"response plan {plan}: its runbook action passes {', '.join(undeclared)}, which "
                f"document {name} does not declare (the runbook fails when an incident starts); "
                "the action names the document with document: (the document itself is managed "
                "under runbooks), which the project's parameter check skips. Fix the "
                "parameters, then write name: instead."
            )
            return None
        return managed

    def _adopt_document(self, plan: str, name: str) -> str | None:
        live = self.live.documents[name]
        described = live.description
        where = f"response plan {plan}: runbook document {name}"
        if described is None:
            self.report.append(
                f"{where} does not exist in this account and region (the runbook cannot "
                "start); the action keeps naming it (document:), not managed"
            )
            return None
        owner = described.get("Owner")
        if owner == AMAZON:
            self.report.append(
                f"{where} is owned by Amazon: referenced by name (document:), not managed"
            )
            return None
        if owner != self.account_id:
            self.report.append(
                f"{where} is owned by account {owner} (shared with this one): referenced "
                "(document:), not managed here"
            )
            return None
        document_name = str(described["Name"])
        if document_name in self._documents.values():
            return document_name  # named once by name and once by ARN
        problem = self._unmanageable(described)
        if problem:
            self.report.append(f"{where}: {problem}; referenced (document:), not managed")
            return None
        content = str(live.content)
        suffix = ".json" if described["DocumentFormat"] == "JSON" else ".yaml"
        path = str(RUNBOOKS_DIR / self.environment / f"{document_name}{suffix}")
        try:
            parsed = parse_runbook_document(content, described["DocumentFormat"], path)
        except ValueError as error:
            self.report.append(
                f"{where}: the project's checks refuse its content ({error}); referenced "
                "(document:), not managed"
            )
            return None
        self.files[path] = file_text(content)
        self._parsed[document_name] = parsed
        entry: Json = {"name": document_name, "document": path}
        if described.get("VersionName"):
            entry["version_name"] = described["VersionName"]
        if described.get("TargetType"):
            entry["target_type"] = described["TargetType"]
        if live.shared_with:
            entry["shared_with"] = list(live.shared_with)
        tags = {t["Key"]: t["Value"] for t in described.get("Tags", [])}
        if tags:
            entry["tags"] = dict(sorted(tags.items()))
        self.runbooks[document_name] = entry
        self.imports.setdefault("runbooks", {})[document_name] = document_name
        if described.get("DisplayName"):
            # Not a change on import, and UpdateDocument keeps it for each new version.
            self.report.append(
                f"{where}: its display name {described['DisplayName']!r} is kept as AWS holds "
                "it (each new version keeps it); provider 5.100.0 has no argument for it, so "
                "the environment file cannot change it"
            )
        if content.startswith(BOM):
            self.report.append(
                f"{where}: its content starts with a byte-order mark; the file has a second one "
                "in front, since the project reads the first as the file's encoding"
            )
        default, latest = described.get("DefaultVersion"), described.get("LatestVersion")
        if default != latest:
            self.report.append(
                f"{where}: its default version is {default} but its latest is {latest}. "
                f"Incident Manager runs version {default} (unless the action names another); "
                f"the file holds version {latest}, which is what Terraform reads. Editing the "
                "file fails (provider 5.100.0 updates the default version and AWS updates only "
                f"the latest) until version {latest} is made the default (aws ssm "
                f"update-document-default-version --name {document_name} --document-version "
                f"{latest})."
            )
        return document_name

    @staticmethod
    def _unmanageable(described: Json) -> str | None:
        version_name = described.get("VersionName") or ""
        if 0 < len(version_name) < MIN_VERSION_NAME:
            return (
                f"its version name {version_name!r} is shorter than the {MIN_VERSION_NAME} "
                "characters provider 5.100.0 accepts (AWS allows 1)"
            )
        if described.get("DocumentType") != "Automation":
            return f"its type is {described.get('DocumentType')}, not Automation"
        if described.get("DocumentFormat") not in ("JSON", "YAML"):
            return f"its format is {described.get('DocumentFormat')}, not JSON or YAML"
        if described.get("AttachmentsInformation") or described.get("Requires"):
            return "it has attachments or required documents, which the file cannot describe"
        return None

    def _role(self, plan: str, arn: str) -> str:
        """``role:`` of an action: the ``runbook_roles`` entry, or the ARN as the action holds
        it when the role is not managed here (or the action names it by another ARN)."""
        if arn not in self._roles:
            self._roles[arn] = self._adopt_role(plan, arn)
        name = self._roles[arn]
        if name is None:
            return arn
        live = self.live.roles[arn].role or {}
        if live.get("Arn") != arn:
            self.report.append(
                f"response plan {plan}: its runbook action names role {name} as {arn}, but the "
                f"role's ARN is {live.get('Arn')}; the action keeps the ARN it has (the runbook "
                "may fail to start)"
            )
            return arn
        return name

    def _write(self, folder: PurePosixPath, stem: str, policy: Any) -> str:
        """Write ``policy`` to ``folder/stem.json``, or ``stem-2.json``... when two roles' names
        and policy names join to the same file name (role a.b's policy c, role a's b.c)."""
        path, count = folder / f"{stem}.json", 1
        while str(path) in self.files:
            count += 1
            path = folder / f"{stem}-{count}.json"
        self.files[str(path)] = policy_file_text(policy)
        return str(path)

    def _adopt_role(self, plan: str, arn: str) -> str | None:
        live = self.live.roles[arn]
        where = f"response plan {plan}: runbook role {arn}"
        account = arn.split(":")[4] if arn.count(":") >= 5 else ""
        if account != self.account_id:
            self.report.append(
                f"{where} belongs to account {account or '?'}: referenced by ARN, not managed"
            )
            return None
        role = live.role
        if role is None:
            self.report.append(
                f"{where} does not exist (the runbook cannot start); the action keeps its ARN, "
                "not managed"
            )
            return None
        name = str(role["RoleName"])
        if name in self.roles:
            return name  # the same role under another ARN spelling
        path = str(role.get("Path", DEFAULT_ROLE_PATH))
        if path.startswith(SERVICE_LINKED_PATH):
            self.report.append(
                f"{where} is a service-linked role, which AWS manages: referenced by ARN, not "
                "managed"
            )
            return None
        folder = POLICIES_DIR / self.environment
        trust = self._write(folder, f"{name}.trust-policy", role["AssumeRolePolicyDocument"])
        entry: Json = {"name": name}
        if path != DEFAULT_ROLE_PATH:
            entry["path"] = path
        if role.get("Description"):
            entry["description"] = role["Description"]
        if role.get("MaxSessionDuration", DEFAULT_MAX_SESSION) != DEFAULT_MAX_SESSION:
            entry["max_session_duration"] = role["MaxSessionDuration"]
        boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if boundary:
            entry["permissions_boundary"] = boundary
        entry["trust_policy"] = trust
        ids: Json = {"role": name}
        if live.inline_policies:
            entry["inline_policies"] = []
            for policy, document in live.inline_policies.items():
                policy_path = self._write(folder, f"{name}.{policy}.policy", document)
                entry["inline_policies"].append({"name": policy, "document": policy_path})
                ids.setdefault("inline_policies", {})[policy] = f"{name}:{policy}"
        if live.managed_policy_arns:
            entry["managed_policies"] = list(live.managed_policy_arns)
            ids["managed_policies"] = {p: f"{name}/{p}" for p in live.managed_policy_arns}
        if live.tags:
            entry["tags"] = dict(sorted(live.tags.items()))
        self.roles[name] = entry
        self.imports.setdefault("runbook_roles", {})[name] = ids
        return name
