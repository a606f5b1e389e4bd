"""Welfare API: facilities."""

BLUEPRINTS: list = []
