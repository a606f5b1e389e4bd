"""Notifier's blueprints: each module exports ``BLUEPRINTS``."""

from services.notifier.api import notifications, preferences, subscriptions

BLUEPRINTS = [
    *notifications.BLUEPRINTS,
    *subscriptions.BLUEPRINTS,
    *preferences.BLUEPRINTS,
]
