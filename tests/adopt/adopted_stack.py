"""An adopted environment applied for real to the local server, as `make apply` would: a working
copy of its stack directory with the provider pointed at the server (``LocalWorkdir``), the
adopted addresses as its variables, synthesized again after an edit of the environment file."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from local_aws.local_apply import VAR_FILE, LocalWorkdir, TerraformCli, provider_version
from local_aws.moto_glue import LocalServer
from stacks.adopt.first_plan import SECRETS_FILE, stack_dir
from stacks.adopt.import_blocks import imports_file
from stacks.environment_loader import ENVIRONMENTS_DIR, load_environment
from stacks.synthesize import synthesize


@dataclass
class AdoptedStack:
    """``work`` is the initialized working copy of ``root``'s stack of ``environment``."""

    root: Path
    environment: str
    work: LocalWorkdir

    @classmethod
    def open(cls, root: Path, server: LocalServer, environment: str = "acme") -> AdoptedStack:
        """The stack as ``adopt`` synthesized it, loaded and initialized."""
        stack = json.loads((stack_dir(root, environment) / "cdk.tf.json").read_text())
        terraform = TerraformCli.offline(provider_version(stack), root)
        work = LocalWorkdir(root / "work", terraform, server.url, root / f"{environment}.tfstate")
        adopted = cls(root, environment, work)
        adopted.load()
        work.init()
        return adopted

    @property
    def environment_file(self) -> Path:
        return self.root / ENVIRONMENTS_DIR / f"{self.environment}.yaml"

    def load(self) -> None:
        """The synthesized stack into the working copy, with the adopted addresses."""
        directory = stack_dir(self.root, self.environment)
        self.work.load(directory, {})
        shutil.copyfile(directory / SECRETS_FILE, self.work.path / VAR_FILE)

    def resynthesize(self) -> None:
        """Synthesize the environment file again, as `make synth` would, and load it."""
        env = load_environment(self.environment_file, self.root)
        synthesize([env], self.root, self.root / "cdktf.out", complete=False)
        self.load()

    def drop_imports(self) -> None:
        """What `make apply` does after the first apply: the import IDs go."""
        imports_file(self.root, self.environment).unlink()
        self.resynthesize()
