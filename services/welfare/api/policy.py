"""Welfare API: policy."""

BLUEPRINTS: list = []
