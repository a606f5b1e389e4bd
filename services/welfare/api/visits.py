"""Welfare API: visits."""

BLUEPRINTS: list = []
