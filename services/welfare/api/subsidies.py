"""Welfare API: subsidies."""

BLUEPRINTS: list = []
