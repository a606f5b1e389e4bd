"""Reporting API: periods."""

BLUEPRINTS: list = []
