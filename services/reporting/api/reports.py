"""Reporting API: reports."""

BLUEPRINTS: list = []
