"""Scheduled work: the planner tick, the outbox sender, digest runs (built in later issues)."""
