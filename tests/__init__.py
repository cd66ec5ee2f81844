"""agent-fleet test suite."""
