"""Remote state with locking, for real: the environments' S3 backends (prod: S3 lock file;
staging: DynamoDB lock table) against a local moto server, driven by the real Terraform.

In a temporary copy of the synthesized stack an override file keeps the stack's backend
settings (bucket, key, region, encrypt, use_lockfile / dynamodb_table) and adds only the
server's endpoints, path-style addressing and fake keys; the provider keeps its region,
``allowed_account_ids`` and ``assume_role`` and gets the server as its endpoint for every
service the stacks use. moto answers STS AssumeRole for the prod deployer role with credentials
of the role's account (444455556666), so the account check passes exactly as in production.

What is applied: moto has no ssm-contacts or ssm-incidents, so only resources of the types in
``APPLIED_TYPES`` that depend on nothing else are targeted (`-target`): in prod the two KMS keys
(replication set, notification topics), the runbook's document, role and role policy, and the
chat topic with its policy. Left out: the CloudWatch alarm (its action is the response plan's
ARN, so targeting it would apply the response plan and the replication set), and the replica key
in us-west-2 (moto 5.2.5's ReplicateKey copies the primary key's description and policy instead
of the ones asked for, so the provider waits for them for ever).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_aws.local_apply import stack_providers
from tests.terraform.conftest import stack_dir
from tests.terraform.moto_server import DEFAULT_ACCOUNT, MotoServer, start_moto
from tests.terraform.stack_copy import (
    FAKE_CREDENTIALS,
    Json,
    copy_stack,
    dependency_closure,
    read_stack,
    resource_addresses,
    write_override,
    write_placeholders,
)
from tests.terraform.terraform_cli import Terraform

APPLIED_TYPES = frozenset(
    {
        "aws_kms_key",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_ssm_document",
        "aws_sns_topic",
        "aws_sns_topic_policy",
        "aws_cloudwatch_metric_alarm",
    }
)
# Every service the stacks' resources use, so that nothing is ever sent to AWS itself.
PROVIDER_SERVICES = ("cloudwatch", "iam", "kms", "sns", "ssm", "ssmcontacts", "ssmincidents", "sts")
LOCK_WAIT = 60
LOCK_ERROR = "Error acquiring the state lock"


def remote_override(stack: Json, url: str) -> Json:
    backend = dict(stack["terraform"]["backend"]["s3"])
    backend.update(
        endpoints={"s3": url, "dynamodb": url, "sts": url, "iam": url},
        use_path_style=True,
        **FAKE_CREDENTIALS,
    )
    providers = []
    for provider in stack_providers(stack):
        override: Json = {
            **FAKE_CREDENTIALS,
            "endpoints": [dict.fromkeys(PROVIDER_SERVICES, url)],
            "skip_metadata_api_check": True,
        }
        if "alias" in provider:
            override["alias"] = provider["alias"]
        providers.append(override)
    return {"terraform": {"backend": {"s3": backend}}, "provider": {"aws": providers}}


def applicable_targets(stack: Json) -> list[str]:
    """Resources whose type moto implements and whose every dependency's does too."""
    return [
        address
        for address in resource_addresses(stack)
        if all(d.split(".")[0] in APPLIED_TYPES for d in dependency_closure(stack, address))
    ]


@dataclass
class RemoteStack:
    terraform: Terraform
    moto: MotoServer
    workdir: Path
    backend: Json
    var_file: list[str]
    targets: list[str]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.terraform.run(self.workdir, *args, check=check)

    def target_args(self) -> list[str]:
        return [f"-target={address}" for address in self.targets]

    def objects(self) -> list[str]:
        listed = self.moto.client("s3").list_objects_v2(Bucket=self.backend["bucket"])
        return sorted(item["Key"] for item in listed.get("Contents", []))


def remote_stack(
    terraform: Terraform, moto: MotoServer, source: Path, workdir: Path, address_types: Any
) -> RemoteStack:
    """``source`` copied to ``workdir`` with the moto override and placeholders; bucket (and lock
    table) created; ``terraform init`` run against the bucket."""
    stack = read_stack(source)
    backend = stack["terraform"]["backend"]["s3"]
    moto.client("s3", backend["region"]).create_bucket(Bucket=backend["bucket"])
    if "dynamodb_table" in backend:
        # The table as Terraform's S3 backend documents it: a string hash key named LockID.
        moto.client("dynamodb", backend["region"]).create_table(
            TableName=backend["dynamodb_table"],
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    copy_stack(source, workdir)
    write_override(workdir, "ci_moto", remote_override(stack, moto.url))
    remote = RemoteStack(
        terraform=terraform,
        moto=moto,
        workdir=workdir,
        backend=backend,
        var_file=write_placeholders(workdir, stack, address_types),
        targets=applicable_targets(stack),
    )
    remote.run("init", "-input=false")
    return remote


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = start_moto(tmp_path_factory.mktemp("moto"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def prod(
    terraform: Terraform,
    moto: MotoServer,
    synthesized_examples: Path,
    address_types: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> RemoteStack:
    """Prod initialized against the bucket, and its moto-implemented resources applied."""
    remote = remote_stack(
        terraform,
        moto,
        stack_dir(synthesized_examples, "prod"),
        tmp_path_factory.mktemp("remote") / "prod",
        address_types,
    )
    remote.run("apply", "-input=false", "-auto-approve", *remote.target_args(), *remote.var_file)
    return remote


@pytest.fixture(scope="module")
def staging(
    terraform: Terraform,
    moto: MotoServer,
    synthesized_examples: Path,
    address_types: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> RemoteStack:
    return remote_stack(
        terraform,
        moto,
        stack_dir(synthesized_examples, "staging"),
        tmp_path_factory.mktemp("remote") / "staging",
        address_types,
    )


def test_prod_targets_are_what_moto_implements(prod: RemoteStack) -> None:
    assert sorted({t.split(".")[0] for t in prod.targets}) == [
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_kms_key",
        "aws_sns_topic",
        "aws_sns_topic_policy",
        "aws_ssm_document",
    ]
    stack = read_stack(prod.workdir)
    (alarm,) = [a for a in resource_addresses(stack) if a.startswith("aws_cloudwatch_metric_alarm")]
    assert alarm not in prod.targets
    assert any(
        d.startswith("aws_ssmincidents_response_plan.") for d in dependency_closure(stack, alarm)
    )


def test_apply_writes_the_state_to_the_bucket(prod: RemoteStack) -> None:
    key = prod.backend["key"]
    # State only; the lock file is gone once the apply has finished.
    assert prod.objects() == [key]
    body = prod.moto.client("s3").get_object(Bucket=prod.backend["bucket"], Key=key)["Body"]
    state = json.loads(body.read())
    recorded = sorted(f"{r['type']}.{r['name']}" for r in state["resources"])
    assert recorded == sorted(prod.targets)
    # Made with the assumed deployer role, in the prod account the provider is limited to.
    arns = [
        instance["attributes"]["arn"]
        for resource in state["resources"]
        for instance in resource["instances"]
        if "arn" in instance["attributes"]
    ]
    assert arns
    assert all(":444455556666:" in arn for arn in arns), arns


def test_second_plan_shows_no_changes(prod: RemoteStack) -> None:
    result = prod.terraform.run(
        prod.workdir,
        "plan",
        "-input=false",
        "-detailed-exitcode",
        *prod.target_args(),
        *prod.var_file,
        ok_codes=(0,),
    )
    assert "No changes." in result.stdout


def _hold_lock(remote: RemoteStack, lock_info: Any) -> tuple[subprocess.Popen[str], Json]:
    """A concurrent Terraform run holding the state lock, and the lock information it wrote,
    once it is there: a `terraform plan` without the variable file, which takes the lock and
    then waits at its prompt for the first secret variable. (A `terraform console` holds the
    lock too, but starts the provider to load its schema first: one start per provider block.)

    Only one prompt: the other variables are given on its command line. Terraform 1.11 told
    that its input ended at the first of several prompts sometimes waits at the second for ever
    (2 in 60 runs on a loaded 2-core machine, /tmp experiments; never with one prompt in 60).
    """
    stack = read_stack(remote.workdir)
    required = [n for n, v in stack.get("variable", {}).items() if "default" not in v]
    assert required, "the holder waits at the prompt of a variable without a default"
    others = [f"-var={name}=held-by-the-holder" for name in required[1:]]
    holder = remote.terraform.start(remote.workdir, "plan", *others)
    deadline = time.monotonic() + LOCK_WAIT
    try:
        while (info := lock_info()) is None:
            if holder.poll() is not None:
                output = holder.stdout.read() if holder.stdout else ""
                pytest.fail(f"terraform console exited {holder.returncode} first:\n{output}")
            if time.monotonic() > deadline:
                pytest.fail(f"no lock after {LOCK_WAIT} s")
            time.sleep(0.2)
    except BaseException:
        holder.kill()
        holder.wait(timeout=30)
        raise
    return holder, info


def _release(holder: subprocess.Popen[str]) -> None:
    """End the holder: its prompt reads the end of its input, and it stops (unlocking)."""
    assert holder.stdin is not None
    holder.stdin.close()
    try:
        holder.wait(timeout=120)
    except subprocess.TimeoutExpired:
        # Not left running (and holding the lock) after the test.
        holder.kill()
        holder.wait(timeout=30)
        output = holder.stdout.read() if holder.stdout else ""
        pytest.fail(f"the holder did not stop at the end of its input:\n{output}")
    assert holder.returncode == 1
    output = holder.stdout.read() if holder.stdout else ""
    # It was waiting at the prompt, and stopped because its input ended, nothing else.
    assert "Enter a value:" in output, output
    assert "No value for required variable" in output, output


def _refused(remote: RemoteStack, info: Json) -> None:
    contender = remote.run(
        "plan", "-input=false", "-lock-timeout=1s", *remote.var_file, check=False
    )
    assert contender.returncode == 1, contender.stdout + contender.stderr
    assert LOCK_ERROR in contender.stderr
    # Refused by the holder's lock, not by anything else.
    assert f"ID:        {info['ID']}" in contender.stderr, contender.stderr


def test_a_second_run_is_refused_while_the_lock_file_is_held(prod: RemoteStack) -> None:
    lock_key = prod.backend["key"] + ".tflock"
    assert prod.backend["use_lockfile"] is True

    def lock_info() -> Json | None:
        if lock_key not in prod.objects():
            return None
        body = prod.moto.client("s3").get_object(Bucket=prod.backend["bucket"], Key=lock_key)
        info: Json = json.loads(body["Body"].read())
        return info

    holder, info = _hold_lock(prod, lock_info)
    try:
        assert info["Path"] == f"{prod.backend['bucket']}/{prod.backend['key']}"
        _refused(prod, info)
    finally:
        _release(holder)
    assert lock_key not in prod.objects()


def test_a_second_run_is_refused_while_the_dynamodb_lock_is_held(staging: RemoteStack) -> None:
    table = staging.backend["dynamodb_table"]
    lock_id = f"{staging.backend['bucket']}/{staging.backend['key']}"
    dynamodb = staging.moto.client("dynamodb", staging.backend["region"])

    def lock_info() -> Json | None:
        item = dynamodb.get_item(TableName=table, Key={"LockID": {"S": lock_id}}).get("Item")
        if not item:
            return None
        info: Json = json.loads(item["Info"]["S"])
        return info

    holder, info = _hold_lock(staging, lock_info)
    try:
        _refused(staging, info)
    finally:
        _release(holder)
    assert lock_info() is None


def test_the_provider_refuses_credentials_of_another_account(staging: RemoteStack) -> None:
    """Staging may touch 111122223333 only; moto's credentials are of another account."""
    assert stack_providers(read_stack(staging.workdir))[0]["allowed_account_ids"] == [
        "111122223333"
    ]
    result = staging.run("plan", "-input=false", *staging.var_file, check=False)
    assert result.returncode == 1
    assert f"AWS account ID not allowed: {DEFAULT_ACCOUNT}" in result.stderr, result.stderr
