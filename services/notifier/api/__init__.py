"""Notifier's blueprints: each module exports ``BLUEPRINTS``."""

from services.notifier.api import deliveries, notifications, preferences, subscriptions

BLUEPRINTS = [
    *notifications.BLUEPRINTS,
    *subscriptions.BLUEPRINTS,
    *preferences.BLUEPRINTS,
    *deliveries.BLUEPRINTS,
]
