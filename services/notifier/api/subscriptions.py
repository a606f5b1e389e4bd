"""Notifier API: subscriptions."""

BLUEPRINTS: list = []
