"""How the provisioners reach AWS and say what went wrong: the stack's account and role
(``account_session``), botocore's standard retries, the refusal every provisioner raises
(``SyncError``), reading their JSON record (``json_variable``, ``json_record``), their command
line (``run_command``), and the one-line report of an error or a Ctrl-C.

Imports: the standard library, boto3/botocore (at call time) and ``contract``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .contract import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK

Json = dict[str, Any]
DEFAULT_SESSION_NAME = "incident-manager-oncall-schedule"


class SyncError(Exception):
    """A refusal or failure, with the sentence to print and the exit status."""

    def __init__(self, message: str, status: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class AssumeRole:
    """The provider's ``assume_role`` block."""

    role_arn: str
    session_name: str | None = None
    external_id: str | None = None

    @classmethod
    def from_json(cls, data: object) -> AssumeRole | None:
        """The block as the stack writes it (``ScheduleAccess.as_json``); None without a role."""
        if not isinstance(data, dict) or not data.get("role_arn"):
            return None
        return cls(
            role_arn=str(data["role_arn"]),
            session_name=data.get("session_name"),
            external_id=data.get("external_id"),
        )


# The provider retries a call up to 25 times (max_retries), backing off up to 20 s: it rides
# out minutes of network trouble or throttling. boto3's default ("legacy", 5 attempts) gives up
# within seconds, and a provisioner that gives up leaves its record tainted. botocore's
# "standard" mode retries throttling, 5xx answers and connection errors with capped
# exponential backoff from 50 ms (throttling: from 1 s) to 20 s; 13 attempts wait about 45 s
# in all on a dead connection (at most 85 s) and about 85 s under throttling.
# AWS_RETRY_MODE / AWS_MAX_ATTEMPTS, when set, are the caller's choice and win.
RETRY_MODE = "standard"


RETRY_ATTEMPTS = 13


RETRY_VARIABLES = ("AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS")


def _boto3() -> Any:
    import boto3  # type: ignore[import-untyped]

    return boto3


def client_config(environ: Mapping[str, str]) -> Any:
    """The botocore ``Config`` every client of the sync modules gets: standard retries
    (``RETRY_ATTEMPTS``); None when the environment chooses the retries itself."""
    from botocore.config import Config

    if any(environ.get(name) for name in RETRY_VARIABLES):
        return None
    return Config(retries={"mode": RETRY_MODE, "total_max_attempts": RETRY_ATTEMPTS})


def new_session(region: str, **credentials: str) -> Any:
    """A boto3 session in ``region`` whose clients retry as ``client_config`` says."""
    import botocore.session

    core = botocore.session.get_session()
    config = client_config(os.environ)
    if config is not None:
        core.set_default_client_config(config)
    return _boto3().Session(region_name=region, botocore_session=core, **credentials)


def account_session(region: str, account_id: str, role: AssumeRole | None, what: str) -> Any:
    """A boto3 session in ``account_id``: the caller's credentials, then the stack's role when
    it has one. Refuses any other account, as the provider's allowed_account_ids does; ``what``
    names the object in that refusal."""
    session = new_session(region)
    if role is not None:
        params: Json = {
            "RoleArn": role.role_arn,
            "RoleSessionName": role.session_name or DEFAULT_SESSION_NAME,
        }
        if role.external_id:
            params["ExternalId"] = role.external_id
        credentials = session.client("sts").assume_role(**params)["Credentials"]
        session = new_session(
            region,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
    account = session.client("sts").get_caller_identity()["Account"]
    if account != account_id:
        via = f" (after assuming {role.role_arn})" if role else ""
        raise SyncError(
            f"AWS account ID not allowed: these credentials{via} are for account {account}; "
            f"{what} belongs to account {account_id}. Nothing was changed."
        )
    return session


def not_found(error: Exception) -> bool:
    response = getattr(error, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ResourceNotFoundException")


def found_or_none(call: Callable[..., Any], **params: Any) -> Any:
    """``call(**params)``, or None when AWS answers that the object does not exist."""
    from botocore.exceptions import ClientError

    try:
        return call(**params)
    except ClientError as error:
        if not_found(error):
            return None
        raise


def json_variable(environ: Mapping[str, str], name: str, what: str) -> Any:
    """The JSON a provisioner passes in the variable ``name`` (``what`` it holds, in words)."""
    text = environ.get(name)
    if not text:
        raise SyncError(f"{name} is not set ({what} as JSON)", EXIT_BAD_INPUT)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SyncError(f"{name}: not JSON ({error})", EXIT_BAD_INPUT) from None


def json_record(data: object, where: str, required: Sequence[str]) -> Json:
    """``data``, a JSON object with a value for each ``required`` key; a SyncError (bad input)
    naming ``where`` otherwise."""
    if not isinstance(data, dict):
        raise SyncError(
            f"{where}: expected a JSON object, got {type(data).__name__}", EXIT_BAD_INPUT
        )
    missing = [k for k in required if not data.get(k)]
    if missing:
        raise SyncError(f"{where}: missing {', '.join(missing)}", EXIT_BAD_INPUT)
    return data


def run_command(
    argv: Sequence[str] | None,
    parser: argparse.ArgumentParser,
    prefix: str,
    act: Callable[[str], str],
) -> int:
    """A provisioner's command line: the action ``parser`` reads from ``argv``, then what
    ``act(action)`` reports printed; an error as ``report_errors`` words it."""
    action: str = parser.parse_args(argv).action

    def work() -> int:
        print(act(action))
        return EXIT_OK

    return report_errors(prefix, work)


def command_parser(
    module: str, description: str, epilog: str, actions: Sequence[str]
) -> argparse.ArgumentParser:
    """The command line of ``python3 -m <this package>.<module> ACTION``."""
    parser = argparse.ArgumentParser(
        prog=f"python3 -m {__package__}.{module}",
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=list(actions))
    return parser


def report_errors(prefix: str, work: Callable[[], int]) -> int:
    """``work``'s exit status; a refusal or an AWS error as one line on stderr, and its status."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return work()
    except SyncError as error:
        print(f"{prefix}: {error}", file=sys.stderr)
        return error.status
    except (BotoCoreError, ClientError) as error:
        print(f"{prefix}: AWS refused or could not be reached: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        # Ctrl-C reaches the provisioners with Terraform (one process group): one line, not a
        # traceback; Terraform marks the record tainted and the next plan runs this again.
        print(interrupted_text(prefix), file=sys.stderr)
        return EXIT_INTERRUPTED


def interrupted_text(prefix: str) -> str:
    return (
        f"{prefix}: interrupted (Ctrl-C); what AWS had done stays, and the next apply runs "
        "this step again"
    )


def exit_on_ctrl_c(prefix: str) -> None:
    """From now on, Ctrl-C ends this process at once with ``interrupted_text`` and status 130,
    wherever Python is (an import, an error being printed, the way out): a provisioner's
    output is shown to the user, and a KeyboardInterrupt traceback says nothing useful. For
    the provisioner's own process only (``__main__``), never for a caller of ``main()``."""

    def stop(signum: int, frame: object) -> None:
        sys.stdout.flush()
        sys.stderr.write(interrupted_text(prefix) + "\n")
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)

    signal.signal(signal.SIGINT, stop)
