"""`make synth-hcl` (main.py --hcl): every environment as HCL in `terraform fmt` layout, with
references unquoted. That each one plans, without a warning, exactly what the JSON plans is
tested beside the JSON's own offline plan, in test_offline_plan.py (one module runs both plans of
each environment, so that no two pytest-xdist workers run the JSON plans twice)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stacks.config.environment_loader import load_environments
from stacks.stack.synthesize import HclOutputError, synthesize, tidy_hcl
from tests.conftest import EXAMPLES_ROOT
from tests.terraform.conftest import ENVIRONMENTS, stack_dir
from tests.terraform.terraform_cli import Terraform


def test_each_environment_is_written_as_hcl_in_terraform_fmt_layout(
    hcl_examples: Path, terraform: Terraform
) -> None:
    for environment in ENVIRONMENTS:
        directory = stack_dir(hcl_examples, environment)
        assert {"cdk.tf", "metadata.json"} <= {p.name for p in directory.iterdir()}
        text = (directory / "cdk.tf").read_text(encoding="utf-8")
        assert text.startswith("terraform {"), text[:200]
        assert 'provider "aws" {' in text
        # cdktf's renderer loses the value of the required_version override; it is put back.
        assert re.search(r'^  required_version = ">= 1\.[0-9]+"$', text, re.MULTILINE), text[:600]
        assert '0 = "required_version"' not in text
    # What a reviewer's CI runs on HCL: nothing to reformat.
    result = terraform.run(hcl_examples, "fmt", "-check", "-recursive", "-list=true", check=False)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_tidy_hcl_unquotes_references_and_keeps_heredoc_strings_exact() -> None:
    rendered = "\n".join(
        [
            'provider "aws" {',
            'region = "us-west-2"',
            'alias = "west"',
            "}",
            'resource "aws_kms_replica_key" "k" {',
            "policy = <<EOF",
            "{",
            '  "provider = \\"aws.west\\"": 1,',
            "depends_on = [",
            '"x.y",',
            "}",
            "EOF",
            'provider = "aws.west"',
            'description = "provider = \\"other.thing\\""',
            "depends_on = [",
            '"aws_ssmincidents_replication_set.rs",',
            '"aws_kms_key.k",',
            "]",
            "}",
            'resource "x" "y" {',
            'provider = "other.thing"',
            "}",
        ]
    )
    assert tidy_hcl(rendered).split("\n") == [
        'provider "aws" {',
        'region = "us-west-2"',
        'alias = "west"',
        "}",
        'resource "aws_kms_replica_key" "k" {',
        "policy = trimsuffix(<<EOF",
        "{",
        '  "provider = \\"aws.west\\"": 1,',
        "depends_on = [",
        '"x.y",',
        "}",
        "EOF",
        ', "\\n")',
        "provider = aws.west",
        'description = "provider = \\"other.thing\\""',
        "depends_on = [",
        "aws_ssmincidents_replication_set.rs,",
        "aws_kms_key.k,",
        "]",
        "}",
        'resource "x" "y" {',
        # Not a provider this file declares: left as it was.
        'provider = "other.thing"',
        "}",
    ]


def test_hcl_is_refused_when_cdktf_was_started_without_the_variable(tmp_path: Path) -> None:
    """This process's cdktf (started by the JSON synth) writes JSON into cdk.tf even with
    App(hcl_output=True) (hashicorp/terraform-cdk#3875): synthesize says so and writes nothing."""
    outdir = tmp_path / "cdktf.out.hcl"
    with pytest.raises(HclOutputError, match="SYNTH_HCL_OUTPUT=true"):
        synthesize(load_environments(EXAMPLES_ROOT, ["dev"]), EXAMPLES_ROOT, outdir, hcl=True)
    assert not outdir.exists()
    assert list(tmp_path.iterdir()) == []
