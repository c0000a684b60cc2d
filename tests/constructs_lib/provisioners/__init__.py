"""Tests of constructs_lib/provisioners/: the apply-time scripts against the local Incident
Manager, and what lets them travel with their stack."""
