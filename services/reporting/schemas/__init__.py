"""Reporting's marshmallow schemas: one module per resource, as in ``api``."""
