"""Notifier API: preferences."""

BLUEPRINTS: list = []
