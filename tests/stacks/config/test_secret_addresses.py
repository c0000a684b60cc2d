"""Secret channel addresses: sensitive variables, never in the output, kept local files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from stacks.config.config_errors import ConfigError
from stacks.config.environment_loader import load_environments
from stacks.stack.synthesize import synthesize
from tests.conftest import EXAMPLES_ROOT, PROJECT_ROOT
from tests.stacks.environment_files import MINIMAL, project_with

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"\+[1-9][0-9]{7,14}")


def test_prod_channels_read_their_addresses_from_sensitive_validated_variables(
    synthesized_examples: Path,
) -> None:
    stack = json.loads(
        (synthesized_examples / "stacks" / "incident-manager-prod" / "cdk.tf.json").read_text(
            encoding="utf-8"
        )
    )
    variables = stack["variable"]
    assert sorted(variables) == [
        "incident_responder__incident_responder_email",
        "incident_responder__incident_responder_mobile",
        "sr_incident_responder__sr_incident_responder_email",
        "sr_incident_responder__sr_incident_responder_phone",
    ]
    mobile = variables["incident_responder__incident_responder_mobile"]
    assert mobile["sensitive"] is True
    assert mobile["nullable"] is False
    assert "default" not in mobile
    assert mobile["validation"][0]["condition"] == (
        '${can(regex("^\\\\+[1-9][0-9]{6,14}$", '
        "var.incident_responder__incident_responder_mobile))}"
    )
    addresses = sorted(
        c["delivery_address"]["simple_address"]
        for c in stack["resource"]["aws_ssmcontacts_contact_channel"].values()
    )
    assert addresses == [f"${{var.{name}}}" for name in sorted(variables)]


def open_addresses(root: Path) -> set[str]:
    """Addresses the environment files of ``root`` write out in the open (shared addresses
    such as a team list): the only ones allowed in any output."""
    return {
        channel.address
        for environment in load_environments(root)
        for contact in environment.config.contacts
        for channel in contact.channels
        if channel.address is not None
    }


def unexpected_addresses(files: list[Path], allowed: set[str]) -> dict[str, set[str]]:
    """File -> e-mail addresses and phone numbers in it that are not in ``allowed``."""
    found = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        extra = (set(EMAIL.findall(text)) | set(PHONE.findall(text))) - allowed
        if extra:
            found[str(path)] = extra
    return found


def test_only_openly_declared_addresses_appear_in_output_or_snapshots(
    synthesized_environments: Path,
) -> None:
    files = [*synthesized_environments.rglob("*.json"), *(PROJECT_ROOT / "tests").rglob("*.json")]
    assert unexpected_addresses(files, open_addresses(PROJECT_ROOT)) == {}


def test_the_scan_allows_a_shared_address_and_finds_any_other(tmp_path: Path) -> None:
    root = project_with(
        tmp_path / "project",
        MINIMAL.replace("address: responder@example.com", "address: team@example.com"),
        name="shared",
    )
    allowed = open_addresses(root)
    assert allowed == {"team@example.com"}
    output = tmp_path / "out.json"
    output.write_text('{"a": "team@example.com"}', encoding="utf-8")
    assert unexpected_addresses([output], allowed) == {}
    output.write_text('{"a": "team@example.com", "b": "+12065550199"}', encoding="utf-8")
    assert unexpected_addresses([output], allowed) == {str(output): {"+12065550199"}}


def test_address_and_secret_are_exclusive_and_one_is_needed(tmp_path: Path) -> None:
    both = MINIMAL.replace(
        "address: responder@example.com", "address: responder@example.com\n        secret: true"
    )
    neither = MINIMAL.replace("        address: responder@example.com\n", "")
    messages = []
    for index, text in enumerate((both, neither)):
        with pytest.raises(ConfigError) as error:
            load_environments(project_with(tmp_path / str(index), text))
        messages += [p.message for p in error.value.problems]
    assert messages == [
        "give either address or secret: true, not both (a secret address is supplied at plan "
        "time, not written here)",
        "needs an address, or secret: true to supply it at plan time",
    ]


def test_fails_when_two_secret_channels_would_share_a_variable(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("address: responder@example.com", "secret: true")
        + """\
  - alias: incident_responder
    channels: [{name: email, type: EMAIL, secret: true}]
    engagement: [{channel: email, at_minute: 0}]
"""
    )
    with pytest.raises(ConfigError) as error:
        load_environments(project_with(tmp_path, text))
    assert [str(p) for p in error.value.problems] == [
        "stacks/environments/broken.yaml:15: contacts[1].channels[0].name: its secret address "
        "variable 'incident_responder__email' is also that of 'incident-responder/email'; rename "
        "one of the channels"
    ]


def test_a_local_tfvars_file_survives_the_next_synth(tmp_path: Path) -> None:
    environments = load_environments(EXAMPLES_ROOT, ["dev"])
    outdir = tmp_path / "cdktf.out"
    synthesize(environments, EXAMPLES_ROOT, outdir)
    tfvars = outdir / "stacks" / "incident-manager-dev" / "secrets.auto.tfvars"
    tfvars.write_text('dev_incident_responder__email = "x@example.com"\n', encoding="utf-8")
    synthesize(environments, EXAMPLES_ROOT, outdir)
    assert tfvars.read_text(encoding="utf-8") == 'dev_incident_responder__email = "x@example.com"\n'
