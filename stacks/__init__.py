"""The app below main.py: from an environment file to a checked Terraform plan.

- ``layout``: the repository's places and the app's exit codes (imports nothing of the app).
- ``config``: the environment file: model, loader, checks, problems, generated schema and
  reference (no cdktf).
- ``stack``: the cdktf stack built from a loaded environment, and its synthesis.
- ``plan``: running Terraform, the plan guard, the drift check and report.
- ``adopt``: writing an environment file from a live account (``main.py adopt``).
- ``paging``: who gets paged and when (``main.py preview`` / ``preview-diff``).
- ``commands``: main.py's commands, one module each.

Imports run downwards: layout <- config <- stack <- plan <- adopt / commands. The programs
Terraform runs at apply time, and their contract, are ``constructs_lib.provisioners`` (synthesis
copies them into each stack directory). Nothing here imports ``local_aws``, ``main``,
``tests`` or ``benchmarks`` (tests/test_import_direction.py).
"""
