"""Reporting API: assessment."""

BLUEPRINTS: list = []
