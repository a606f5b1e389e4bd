"""Welfare API: ledger."""

BLUEPRINTS: list = []
