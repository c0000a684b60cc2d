"""The repository's places and the app's exit codes, named once: where the project root is,
where environment files live, where a stack is synthesized, and what each exit status means.

Imports: the standard library only (every package of the app imports this module). The
provisioners (``constructs_lib.provisioners``) keep their own exit codes in their contract, since
they run without the rest of the app.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Relative to a project root (tests use other roots).
ENVIRONMENTS_DIR = Path("stacks") / "environments"
OUTDIR = Path("cdktf.out")
STACK_PREFIX = "incident-manager-"
# The adopted channel addresses (secrets), written by `adopt` beside the synthesized stack.
SECRETS_FILE = "adopted-addresses.auto.tfvars.json"

# Exit statuses of main.py and its commands (stacks.plan.plan_flow prints what they mean).
EXIT_OK = 0
# Something outside the environment files failed; for `preview`: findings were reported.
EXIT_FAILED = 1
# A problem in an environment file, a plan or the command line.
EXIT_BAD_INPUT = 2
EXIT_CONFIG_ERROR = EXIT_BAD_INPUT
# The plan guard refused the plan.
EXIT_REFUSED = 3
# Drift the plan does not correct.
EXIT_DRIFT = 4


def stack_dir(project_root: Path, environment: str) -> Path:
    """Where ``environment``'s stack is synthesized."""
    return project_root / OUTDIR / "stacks" / f"{STACK_PREFIX}{environment}"
