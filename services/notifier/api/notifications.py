"""Notifier API: notifications."""

BLUEPRINTS: list = []
