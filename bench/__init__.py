"""Benchmarks run by hand against the local PostgreSQL (``python -m bench.<name>``)."""
