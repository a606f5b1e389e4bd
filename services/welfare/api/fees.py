"""Welfare API: fees."""

BLUEPRINTS: list = []
