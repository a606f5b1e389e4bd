"""Operators' commands that span services (each service's own data read through that
service's own code: its config, its models, its ``archive.py``)."""
