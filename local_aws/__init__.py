"""A local Incident Manager: moto's server with ssm-contacts and ssm-incidents added.

Public entry points (kept stable; other branches build on them):

- ``python -m local_aws [--host 127.0.0.1] [--port 4566] [--account-id ID] [--request-log F]
  [--state-file F]``: the server in the foreground; prints the variables that point Terraform,
  the AWS CLI and boto3 at it; stops on Ctrl-C or SIGTERM. ``make local-aws`` runs it. With
  ``--state-file`` its data survives a kill and a restart (``local_aws.state_file``).
- ``local_aws.server.start_server(host, port=0, request_log=None, state_file=None)
  -> LocalServer``: the same
  server in a thread of the calling process (``.url``, ``.stop()``); ``register_incident_manager()``
  only registers the two services with moto (e.g. for ``moto.mock_aws``).
- ``local_aws.server.client_environment(url, region)``: those variables as a dict.
- ``local_aws.process.LocalAwsProcess``: the server as a child process (tests, rehearse).
- ``python -m local_aws.rehearse ENV [--before REF]`` (``make rehearse``): apply, plan, destroy
  one environment on a private server.

moto internals are used in ``local_aws.moto_glue`` only.
"""
