"""Benchmarks: scripts that print speed and memory figures against their targets (never timed tests)."""
