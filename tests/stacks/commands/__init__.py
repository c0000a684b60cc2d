"""Tests of stacks/commands/: the command modules main.py runs."""
