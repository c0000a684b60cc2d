"""SSM documents owned by Amazon, which every account can read (DescribeDocument answers with
``"Owner": "Amazon"``; GetDocument gives the content). moto 5.2.5 holds none of them.

AWSIncidents-CriticalIncidentRunbookTemplate is the runbook the Incident Manager console puts
into a new response plan (AWS's CLI and API references show a response plan starting it with
the service-linked role AWSServiceRoleForIncidentManager and no parameters). The Incident
Manager user guide describes it as "the Incident Manager incident lifecycle in manual steps".
AWS's own text is not copied here: the content below is a stand-in with that shape, enough for
reading tools (adopt reads only the owner of such a document, never its content).
"""

from __future__ import annotations

from dataclasses import dataclass

AMAZON_OWNER = "Amazon"


@dataclass(frozen=True)
class AmazonDocument:
    """One Amazon-owned document as the local server holds it."""

    name: str
    document_type: str
    document_format: str
    content: str


CRITICAL_INCIDENT_TEMPLATE = AmazonDocument(
    name="AWSIncidents-CriticalIncidentRunbookTemplate",
    document_type="Automation",
    document_format="YAML",
    content="""\
description: >-
  Local stand-in for AWS's AWSIncidents-CriticalIncidentRunbookTemplate: the Incident Manager
  incident lifecycle in manual steps.
schemaVersion: '0.3'
mainSteps:
  - name: Triage
    action: aws:pause
    inputs: {}
  - name: Diagnosis
    action: aws:pause
    inputs: {}
  - name: Mitigation
    action: aws:pause
    inputs: {}
  - name: Recovery
    action: aws:pause
    inputs: {}
""",
)

AMAZON_DOCUMENTS = {d.name: d for d in (CRITICAL_INCIDENT_TEMPLATE,)}
