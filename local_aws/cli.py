"""The command line of ``python -m local_aws`` (``make local-aws``)."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from local_aws.server import (
    DEFAULT_ACCOUNT,
    DEFAULT_HOST,
    DEFAULT_REGION,
    client_environment,
    start_server,
)
from local_aws.state_file import StateFileError
from local_aws.terraform_setup import MIRROR_VARIABLE, installed_mirror, write_cli_config
from stacks.config.config_errors import ConfigError

READY_PREFIX = "local-aws listening on "
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
EPILOG = """\
examples:
  python -m local_aws                       # a free port; the variables to export are printed
  python -m local_aws --port 4566 --account-id 444455556666
  python -m local_aws --environment prod    # prod's account and region (make local-aws ENV=prod)
  python -m local_aws --state-file local-aws.state   # survives kill -9 and a restart

exit status: 0 after Ctrl-C or SIGTERM, 2 on bad arguments.
environment: MOTO_ACCOUNT_ID (the account every request acts in; --account-id or
--environment sets it).
"""


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="python -m local_aws",
        description=(
            "A local Incident Manager: moto's S3, DynamoDB, STS, KMS, IAM, SNS, SSM and "
            "CloudWatch plus ssm-contacts and ssm-incidents, on one 127.0.0.1 port. No AWS "
            "account is used or reached."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    result.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (127.0.0.1)")
    result.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    result.add_argument(
        "--account-id",
        help="the AWS account every request acts in (default: the environment's, else "
        f"MOTO_ACCOUNT_ID, else {DEFAULT_ACCOUNT})",
    )
    result.add_argument(
        "--environment",
        metavar="NAME",
        help="answer as stacks/environments/NAME.yaml's account_id, in its region, so that the "
        "stack's allowed_account_ids accepts the server (make plan-check ENV=NAME)",
    )
    result.add_argument(
        "--region",
        help=f"region printed for clients (default: the environment's, else {DEFAULT_REGION})",
    )
    result.add_argument("--request-log", type=Path, help="write one JSON line per request here")
    result.add_argument(
        "--state-file",
        type=Path,
        help="keep the data in this file (mode 0600): read at start, rewritten atomically after "
        "every change, so a server killed and started again holds what it held",
    )
    return result


def _environment_account(name: str) -> tuple[str, str]:
    """The account id and region of the environment ``name``; ConfigError if its file is bad."""
    # Loaded only when asked: the environment model is not needed to serve requests.
    from stacks.config.environment_loader import load_environments
    from stacks.layout import PROJECT_ROOT

    (environment,) = load_environments(PROJECT_ROOT, [name])
    return environment.config.account_id, environment.config.region


def _account_and_region(args: argparse.Namespace) -> tuple[str, str] | str:
    """The account and region the server answers as, or what is wrong with the arguments."""
    account = args.account_id
    region = args.region
    if args.environment is not None:
        try:
            environment_account, environment_region = _environment_account(args.environment)
        except ConfigError as error:
            return f"--environment: {error}"
        if account is not None and account != environment_account:
            return (
                f"--account-id {account} and --environment {args.environment} "
                f"(account_id {environment_account}) disagree: give one of them"
            )
        account = environment_account
        region = region or environment_region
    account = account or os.environ.get("MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT
    return account, region or DEFAULT_REGION


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    resolved = _account_and_region(args)
    if isinstance(resolved, str):
        print(resolved, file=sys.stderr)
        return 2
    args.account_id, args.region = resolved
    if not re.fullmatch(r"\d{12}", args.account_id):
        print(
            f"--account-id: {args.account_id!r} is not a 12-digit AWS account id", file=sys.stderr
        )
        return 2
    if not 0 <= args.port <= 65535:
        print(f"--port: {args.port} is not between 0 and 65535", file=sys.stderr)
        return 2
    # moto reads the account of every request from this variable first.
    os.environ["MOTO_ACCOUNT_ID"] = args.account_id
    # Ctrl-C reaches make and the server together, and make passes it on: two signals in a row.
    # A handler that sets an Event deadlocks when the second interrupts the first inside set().
    # Blocked here (the server's threads inherit the mask), they wait for sigwait below.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    with ExitStack() as stack:
        log = None
        if args.request_log is not None:
            log = stack.enter_context(args.request_log.open("a", encoding="utf-8"))
        try:
            server = start_server(args.host, args.port, log, args.state_file)
        except StateFileError as error:
            print(f"--state-file: {error}", file=sys.stderr)
            return 2
        except OSError as error:
            where = (
                f"--state-file {error.filename}"
                if error.filename
                else f"cannot listen on {args.host}:{args.port}"
            )
            print(f"{where}: {error.strerror}", file=sys.stderr)
            return 2
        print(f"{READY_PREFIX}{server.url} (account {args.account_id})", flush=True)
        print("# Point Terraform, the AWS CLI and boto3 at it:")
        for name, value in client_environment(server.url, args.region).items():
            print(f"export {name}={value}")
        mirror = installed_mirror()
        if mirror is not None:
            # No registry here: `terraform init` (make plan-check, make apply) takes the provider
            # from the mirror, as rehearse and the tests do. Removed when the server stops.
            config_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="local-aws-")))
            config = write_cli_config(config_dir / "terraform.tfrc", mirror)
            print(
                f"# Terraform installs hashicorp/aws from the mirror {mirror} ({MIRROR_VARIABLE}):"
            )
            print(f"export TF_CLI_CONFIG_FILE={config}")
        print("# Ctrl-C stops it.", flush=True)
        signal.sigwait(STOP_SIGNALS)
        server.stop()
    print("local-aws stopped", flush=True)
    return 0
