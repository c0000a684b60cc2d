"""Per-environment stacks: the environment file format, its checks, and the stack it builds."""
