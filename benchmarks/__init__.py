"""Benchmarks: parser throughput against peer tools, and end-to-end ingestion into Neo4j.

Run with ``make bench`` (or ``python -m benchmarks.run``); results go to
docs/benchmarks.md. Timed assertions live here, never in tests. Modules imported by the
peer runner (``measure``, ``runner_peers``) use the standard library only.
"""
