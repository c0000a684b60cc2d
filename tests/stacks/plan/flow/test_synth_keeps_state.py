"""A synth replaces a stack directory but keeps the state Terraform left there (issue 17, finding
2): after a cut network, errored.tfstate is the only record of what the apply created."""

from __future__ import annotations

from pathlib import Path

from stacks.stack.synthesize import _swap_in

STATE_FILES = (
    "errored.tfstate",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    "terraform.incident-manager-dev.tfstate.1733300000.backup",
)


def _output(root: Path, *stacks: str) -> Path:
    for stack in stacks:
        (root / "stacks" / stack).mkdir(parents=True)
        (root / "stacks" / stack / "cdk.tf.json").write_text(f'{{"{root.name}": 1}}\n', "utf-8")
    return root


def test_a_synth_keeps_every_state_file_and_drops_the_saved_plan(tmp_path: Path) -> None:
    outdir = _output(tmp_path / "cdktf.out", "incident-manager-dev")
    old = outdir / "stacks" / "incident-manager-dev"
    for name in (*STATE_FILES, "tfplan", "tfplan.checked"):
        (old / name).write_text(name, encoding="utf-8")
    staging = _output(tmp_path / "staging", "incident-manager-dev")

    _swap_in(staging, outdir, keep_other_stacks=True)

    new = outdir / "stacks" / "incident-manager-dev"
    assert (new / "cdk.tf.json").read_text(encoding="utf-8") == '{"staging": 1}\n'
    for name in STATE_FILES:
        assert (new / name).read_text(encoding="utf-8") == name
    assert not (new / "tfplan").exists()
    assert not (new / "tfplan.checked").exists()


def test_a_full_synth_keeps_a_dropped_environments_directory_while_it_holds_state(
    tmp_path: Path,
) -> None:
    outdir = _output(tmp_path / "cdktf.out", "incident-manager-gone", "incident-manager-old")
    (outdir / "stacks" / "incident-manager-gone" / "errored.tfstate").write_text("{}", "utf-8")
    staging = _output(tmp_path / "staging", "incident-manager-dev")

    _swap_in(staging, outdir, keep_other_stacks=False)

    stacks = sorted(p.name for p in (outdir / "stacks").iterdir())
    assert stacks == ["incident-manager-dev", "incident-manager-gone"]
    assert (outdir / "stacks" / "incident-manager-gone" / "errored.tfstate").is_file()
