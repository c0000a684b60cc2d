"""Tests of stacks/stack/: what the stack builds from an environment."""
