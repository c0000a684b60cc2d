"""Tests of stacks/provisioners/: the apply-time scripts against the local Incident Manager."""
