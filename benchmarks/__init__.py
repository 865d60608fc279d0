"""Benchmarks: `python -m benchmarks.run [--quick]` writes benchmarks/results.json."""
