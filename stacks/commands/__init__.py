"""main.py's commands, one module each (synth, check, secrets, plan-check, apply, schema), and
what they share (``arguments``). Each module has ``add_parser(subparsers)``, which registers
its command and sets ``run``; main.py's table names the module, so a command's imports load
only when it runs (``check`` stays free of cdktf, moto and boto3). adopt, preview,
preview-diff and rehearse keep their command modules beside their code (``stacks.adopt.command``,
``stacks.paging.command``, ``stacks.paging.diff_command``, ``local_aws.rehearse``).

Imports: the standard library, ``stacks.layout``, ``stacks.config``, and at run time
``stacks.stack`` and ``stacks.plan``. Never ``local_aws``, ``main``, ``stacks.adopt`` or
``stacks.paging``.
"""
