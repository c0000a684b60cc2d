"""SSM documents owned by Amazon: every account reads them; none can change them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_aws.amazon_documents import CRITICAL_INCIDENT_TEMPLATE

NAME = CRITICAL_INCIDENT_TEMPLATE.name


def test_any_account_reads_the_console_default_runbook(aws: Any) -> None:
    ssm = aws("ssm")
    described = ssm.describe_document(Name=NAME)["Document"]
    assert (described["Owner"], described["DocumentType"], described["DocumentFormat"]) == (
        "Amazon",
        "Automation",
        "YAML",
    )
    content = ssm.get_document(Name=NAME, DocumentFormat="YAML")["Content"]
    assert content == CRITICAL_INCIDENT_TEMPLATE.content
    assert ssm.describe_document_permission(Name=NAME, PermissionType="Share")["AccountIds"] == []


def test_an_amazon_document_is_neither_listed_as_the_accounts_nor_deleted(aws: Any) -> None:
    ssm = aws("ssm")
    assert ssm.list_documents()["DocumentIdentifiers"] == []
    with pytest.raises(ClientError, match="InvalidDocument"):
        ssm.delete_document(Name=NAME)
    # Still there for the next reader.
    assert ssm.describe_document(Name=NAME)["Document"]["Owner"] == "Amazon"


def test_unknown_documents_are_still_not_found(aws: Any) -> None:
    with pytest.raises(ClientError, match="InvalidDocument"):
        aws("ssm").describe_document(Name="AWSIncidents-NoSuchTemplate")
