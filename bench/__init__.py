"""Benchmarks that print figures: NLU quality (and, later, load and latency)."""
