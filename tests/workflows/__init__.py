"""Tests of the pipelines: .github/workflows/ (actionlint, GitHub's workflow schema, pins and
permissions, runs simulated against the local Incident Manager) and atlantis.yaml."""
