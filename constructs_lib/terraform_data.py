"""Terraform's built-in ``terraform_data`` resource, which cdktf 0.21 has no class for.

It belongs to Terraform itself (``terraform.io/builtin/terraform``), not to a provider: no
``required_providers`` entry, nothing to download.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cdktf import (
    ITerraformDependable,
    LocalExecProvisioner,
    TerraformResource,
    TerraformResourceLifecycle,
)
from constructs import Construct


class TerraformData(TerraformResource):
    """A ``terraform_data`` resource: ``input`` is stored (and changes in place);
    a change of ``triggers_replace`` replaces it, which runs its provisioners again."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        input: Any = None,
        triggers_replace: Any = None,
        depends_on: Sequence[ITerraformDependable] | None = None,
        lifecycle: TerraformResourceLifecycle | None = None,
        provisioners: Sequence[LocalExecProvisioner] | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="terraform_data",
            depends_on=depends_on,
            lifecycle=lifecycle,
            provisioners=provisioners,
        )
        self._input = input
        self._triggers_replace = triggers_replace

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        attributes: dict[str, Any] = {}
        if self._input is not None:
            attributes["input"] = self._input
        if self._triggers_replace is not None:
            attributes["triggers_replace"] = self._triggers_replace
        return attributes

    def _synthesize_hcl_attributes(self) -> Mapping[str, Any]:
        # `cdktf synth --hcl` asks for typed attributes; both arguments are of type "any".
        return {
            name: {"value": value, "is_block": False, "type": "any", "storage_class_type": "any"}
            for name, value in self._synthesize_attributes().items()
        }
