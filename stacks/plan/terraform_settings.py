"""How this project runs Terraform wherever it runs it (plan-check, adopt's first plan, the
local apply of local_aws): settings that are measured, not taken from Terraform's defaults.

Imports: the standard library only.
"""

from __future__ import annotations

# The provider keeps the schema of ~1,500 resource types on its heap, so Go's collector runs
# all the time at its default (100). At 400, a plan of 423 resources took 5.4 CPU-s instead
# of 7.4, for 820 MB of provider memory instead of 650 (measured here; a caller's GOGC wins).
GO_GC_PERCENT = "400"
