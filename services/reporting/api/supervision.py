"""Reporting API: supervision."""

BLUEPRINTS: list = []
