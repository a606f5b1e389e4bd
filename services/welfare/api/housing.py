"""Welfare API: housing."""

BLUEPRINTS: list = []
