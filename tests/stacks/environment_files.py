"""Write environment files into a throwaway project root for config tests."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from tests.conftest import PROJECT_ROOT

MINIMAL = """\
account_id: "111122223333"
region: us-east-1
replication_set:
  regions: [us-east-1]
contacts:
  - alias: incident-responder
    channels:
      - name: email
        type: EMAIL
        address: responder@example.com
    engagement:
      - channel: email
        at_minute: 0
"""


def project_with(tmp_path: Path, text: str, name: str = "broken") -> Path:
    """A project root holding one environment file ``name``.yaml and the example runbooks."""
    environments = tmp_path / "stacks" / "environments"
    environments.mkdir(parents=True)
    (environments / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    shutil.copytree(PROJECT_ROOT / "stacks" / "runbooks", tmp_path / "stacks" / "runbooks")
    return tmp_path
