"""A stand-in project root and ``terraform`` for unit tests of stacks/plan/plan_flow.py: each
records its command line, writes what the real one writes (the lock file, tfplan) and prints the
JSON it is given for ``show -json``. They run in a few milliseconds, so the flow's order, its
records and its refusals are tested without a synth or a provider."""

from __future__ import annotations

import json
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FAKE_TERRAFORM = """\
#!{python}
import json, os, pathlib, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(["terraform", *args]) + "\\n")
here = pathlib.Path.cwd()
if args[0] == "init":
    (here / ".terraform.lock.hcl").write_text("# lock\\n")
elif args[0] == "plan":
    (here / "tfplan").write_text(os.environ.get("FAKE_PLAN", "plan one"))
    print('To perform exactly these actions, run the following command to apply:')
    print('    terraform apply "tfplan"', flush=True)
elif args[0] == "show":
    print(pathlib.Path(os.environ["FAKE_PLAN_JSON"]).read_text())
elif args[0] == "apply" and os.environ.get("FAKE_APPLY_WAITS_FOR_CTRL_C"):
    # As Terraform: Ctrl-C starts a graceful stop (calls in flight, then the state is saved).
    import signal, time
    interrupted = []
    signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    (here / "apply-started").write_text("")
    deadline = time.monotonic() + 30
    while not interrupted and time.monotonic() < deadline:
        time.sleep(0.05)
    print("Interrupt received.", flush=True)
    time.sleep(1)
    (here / "state-saved").write_text("")
    sys.exit(1)
elif args[0] == "apply":
    print("Apply complete!")
sys.exit(int(os.environ.get("FAKE_STATUS_" + args[0].upper(), "0")))
"""

FAKE_MAIN = """\
import json, os, pathlib, sys
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(["main.py", *sys.argv[1:]]) + "\\n")
if sys.argv[1] == "synth":
    stack = pathlib.Path(__file__).parent / ("cdktf.out/stacks/incident-manager-" + sys.argv[2])
    stack.mkdir(parents=True, exist_ok=True)
    (stack / "cdk.tf.json").write_text(json.dumps(
        {"terraform": {"backend": {"local": {"path": "../../../terraform.dev.tfstate"}}}}))
sys.exit(int(os.environ.get("FAKE_STATUS_" + sys.argv[1].upper(), "0")))
"""


@dataclass
class FakeProject:
    """A project root whose main.py and terraform only record what they were asked."""

    root: Path
    terraform: Path
    log: Path
    plan_json: Path

    @property
    def stack(self) -> Path:
        return self.root / "cdktf.out" / "stacks" / "incident-manager-dev"

    def calls(self) -> list[list[str]]:
        if not self.log.is_file():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def shows(self, plan: dict[str, Any]) -> None:
        """What ``terraform show -json tfplan`` prints from now on."""
        self.plan_json.write_text(json.dumps(plan), encoding="utf-8")


def fake_project(tmp_path: Path) -> FakeProject:
    root = tmp_path / "project"
    root.mkdir()
    (root / "main.py").write_text(FAKE_MAIN, encoding="utf-8")
    # Not named terraform: the quick run refuses to start a program of that name (quick_guard).
    terraform = tmp_path / "fake-terraform"
    terraform.write_text(FAKE_TERRAFORM.format(python=sys.executable), encoding="utf-8")
    terraform.chmod(terraform.stat().st_mode | stat.S_IXUSR)
    project = FakeProject(root, terraform, tmp_path / "calls.jsonl", tmp_path / "plan.json")
    project.shows({"resource_changes": []})
    return project
