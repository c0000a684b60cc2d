"""Tests of stacks/config/: the environment file's model, loader, checks, messages and
generated schema."""
