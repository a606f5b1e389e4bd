"""Reporting API: dashboard."""

BLUEPRINTS: list = []
