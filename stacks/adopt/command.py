"""``python main.py adopt ENV --region R``: write an environment file from a live account."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from stacks.adopt.common_tags import lift_common_tags
from stacks.adopt.first_plan import plan_adopted
from stacks.adopt.read_account import NoReplicationSetError, read_account
from stacks.adopt.topics_alarms import add_topics_and_alarms, read_topics_and_alarms
from stacks.adopt.write_environment import Adoption, build_adoption
from stacks.config.config_errors import ConfigError
from stacks.config.environment_loader import ENVIRONMENT_NAME, load_environment
from stacks.config.environment_schema import HEADER
from stacks.layout import ENVIRONMENTS_DIR, PROJECT_ROOT, SECRETS_FILE, STACK_PREFIX
from stacks.stack.import_blocks import imports_file

DESCRIPTION = f"""\
Read the Incident Manager of the account the usual AWS credentials reach (AWS_PROFILE, SSO,
environment variables) in REGION, the SNS topics its response plans use and the CloudWatch
alarms that open incidents (every region of the replication set), and write, in this
project's format:
  stacks/environments/ENV.yaml                 the environment (channels as secret: true)
  stacks/adopted/ENV.imports.json              import IDs; import blocks while it exists
  stacks/adopted/ENV.report.txt                what could not be expressed, and was left out
  stacks/policies/ENV/TOPIC.topic-policy.json  each adopted topic's policy, as AWS holds it
  stacks/runbooks/ENV/, stacks/policies/ENV/   runbook documents (as AWS holds them) and the
                                               policies of the roles that start them
  cdktf.out/stacks/incident-manager-ENV/{SECRETS_FILE}
                                               the channel addresses (git-ignored; Terraform
                                               reads it by itself)
"""
EPILOG = """\
examples:
  python main.py adopt acme --region us-east-1
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 python main.py adopt acme --region us-east-1 \\
      --account-id 123456789012

The first plan runs `terraform init` and `plan -out=tfplan` in the stack directory and keeps
tfplan and tfplan.json there, as make plan-check does: make apply applies that plan.

exit status: 0 written and the first plan shows only imports; 1 the plan shows other changes
(listed) or failed; 2 bad input (file exists without --force, no replication set, bad name)
environment: AWS_PROFILE, AWS_ACCESS_KEY_ID..., AWS_ENDPOINT_URL (boto3's credential chain, and
the provider's), TF_CLI_CONFIG_FILE (Terraform's)
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``adopt`` with main.py's subcommands."""
    parser = subparsers.add_parser(
        "adopt",
        help="write an environment file and import IDs from a live Incident Manager",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("environment", metavar="ENV", help="name of the environment to write")
    parser.add_argument("--region", required=True, help="the Incident Manager region to read")
    parser.add_argument("--account-id", help="the account (default: asked of STS)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.add_argument(
        "--no-plan", action="store_true", help="write the files only; do not run terraform plan"
    )
    parser.set_defaults(run=run)


def _client_factory(region: str) -> Any:
    import boto3  # type: ignore[import-untyped]

    session = boto3.session.Session(region_name=region)
    return session.client


def adopt(
    environment: str,
    region: str,
    account_id: str | None,
    project_root: Path,
    force: bool = False,
) -> Adoption:
    """Read the account and write the files; ``ValueError`` for bad input (exit 2)."""
    if not ENVIRONMENT_NAME.match(environment):
        raise ValueError(
            f"environment name {environment!r}: lower-case letters, digits and '-', "
            "starting with a letter, at most 40 characters"
        )
    target = project_root / ENVIRONMENTS_DIR / f"{environment}.yaml"
    existing = [p for p in (target, target.with_suffix(".yml")) if p.exists()]
    if existing and not force:
        raise ValueError(
            f"{existing[0].relative_to(project_root)} exists; adopt writes a new environment "
            "(give --force to overwrite it)"
        )
    client = _client_factory(region)
    try:
        account = read_account(client)
    except NoReplicationSetError as error:
        raise ValueError(str(error)) from None
    if account_id is None:
        account_id = str(client("sts").get_caller_identity()["Account"])
    adoption = build_adoption(account, account_id, region, environment)
    live = read_topics_and_alarms(client, account, account_id, region)
    add_topics_and_alarms(adoption, live, environment, account_id, region)
    adoption.environment = lift_common_tags(adoption.environment)
    taken = sorted(path for path in adoption.files if (project_root / path).exists())
    if taken and not force:
        raise ValueError(
            f"{', '.join(taken)} exist(s); adopt writes new files (give --force to overwrite)"
        )
    write_files(adoption, environment, project_root)
    return adoption


# Times of day and date-times: YAML 1.1 readers (yq, PyYAML) take an unquoted 17:00 for the
# number 1020 and a date-time for a timestamp; the README writes them in quotes too.
_TIME_TEXT = re.compile(r"\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T[\d:]+(Z|[+-]\d{2}:\d{2})")


def _quoted_times(data: Any) -> Any:
    """``data`` with times, date-times and the account ID as double-quoted strings."""
    if isinstance(data, dict):
        return {
            key: DoubleQuotedScalarString(value) if key == "account_id" else _quoted_times(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_quoted_times(item) for item in data]
    if isinstance(data, str) and _TIME_TEXT.fullmatch(data):
        return DoubleQuotedScalarString(data)
    return data


def write_files(adoption: Adoption, environment: str, project_root: Path) -> None:
    target = project_root / ENVIRONMENTS_DIR / f"{environment}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    for relative, text in sorted(adoption.files.items()):
        path = project_root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        # newline="": the text is written exactly as AWS holds it (documents must match byte
        # for byte, or the first plan shows them changed).
        with path.open("w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 100
    with target.open("w", encoding="utf-8") as stream:
        stream.write(HEADER)
        stream.write(
            "# Written by `python main.py adopt` from the live account. Channel addresses are\n"
            "# secret variables (cdktf.out/stacks/<stack>/adopted-addresses.auto.tfvars.json).\n"
        )
        yaml.dump(_quoted_times(adoption.environment), stream)
    imports = imports_file(project_root, environment)
    imports.parent.mkdir(parents=True, exist_ok=True)
    imports.write_text(json.dumps(adoption.imports, indent=2, sort_keys=True) + "\n", "utf-8")
    report = imports.with_name(f"{environment}.report.txt")
    report.write_text(
        "".join(f"- {line}\n" for line in adoption.report) or "Everything was adopted.\n",
        encoding="utf-8",
    )
    stack_dir = project_root / "cdktf.out" / "stacks" / f"{STACK_PREFIX}{environment}"
    stack_dir.mkdir(parents=True, exist_ok=True)
    secrets = stack_dir / SECRETS_FILE
    secrets.write_text(json.dumps(adoption.secrets, indent=2, sort_keys=True) + "\n", "utf-8")
    secrets.chmod(0o600)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        adoption = adopt(
            args.environment, args.region, args.account_id, PROJECT_ROOT, force=args.force
        )
    except ValueError as error:
        print(f"adopt: {error}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:
        # No credentials, access denied, no such endpoint: AWS's own words are the clearest.
        print(f"adopt: reading the account failed: {error}", file=sys.stderr)
        return 1
    counts = {
        key: len(value) for key, value in adoption.imports.items() if key != "replication_set"
    }
    print(
        f"wrote stacks/environments/{args.environment}.yaml: {counts} "
        f"(read and written in {time.monotonic() - started:.1f} s)"
    )
    for line in adoption.report:
        print(f"  not adopted / note: {line}")
    written = PROJECT_ROOT / ENVIRONMENTS_DIR / f"{args.environment}.yaml"
    try:
        # Read and checked once: the plan synthesizes this.
        loaded = load_environment(written, PROJECT_ROOT)
    except ConfigError as error:
        print(
            f"adopt: {written.relative_to(PROJECT_ROOT)} was written but does not pass this "
            f"project's checks; edit it, then run make plan-check:\n{error}",
            file=sys.stderr,
        )
        return 1
    if args.no_plan:
        return 0
    try:
        plan = plan_adopted(args.environment, PROJECT_ROOT, progress=print, loaded=loaded)
    except (RuntimeError, OSError) as error:
        print(f"adopt: the first plan failed: {error}", file=sys.stderr)
        return 1
    print(f"first plan: {plan.summary()}")
    for line in plan.other_changes:
        print(f"  not only an import: {line}", file=sys.stderr)
    return 1 if plan.other_changes else 0
