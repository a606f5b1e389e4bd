"""Reporting API: duties."""

BLUEPRINTS: list = []
