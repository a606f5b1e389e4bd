"""Welfare's request and response bodies (marshmallow), one module per resource."""
