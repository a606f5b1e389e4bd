"""Notifier's blueprints, one module per resource."""

from shared.api import blueprints_of

BLUEPRINTS = blueprints_of(__name__, "notifications subscriptions preferences deliveries")
