"""Tests of stacks/plan/: the plan flow (flow/), the plan guard (plan_guard/), the drift report."""
