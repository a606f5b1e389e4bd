"""Welfare API: needs."""

BLUEPRINTS: list = []
