"""Benchmark harness: `python -m bench sign|page|list|export|all`. See docs/performance.md."""
