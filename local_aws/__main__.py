"""``python -m local_aws``: the local Incident Manager in the foreground."""

from __future__ import annotations

import sys

from local_aws.cli import main

sys.exit(main(sys.argv[1:]))
