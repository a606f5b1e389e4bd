"""Notifier's tables: importing the package declares every one of them on ``Base`` (which
Alembic's ``migrations/env.py`` reads)."""

from services.notifier.models.base import (
    PROJECTIONS,
    Base,
    IdempotencyKey,
    Inbox,
    MentorAssignment,
    Person,
    Position,
    Town,
    Trainee,
    Unit,
    Village,
)
from services.notifier.models.notifications import Account, DigestItem, Notification
from services.notifier.models.preferences import Preference
from services.notifier.models.subscriptions import (
    DeliveryAttempt,
    Subscription,
    WebhookDelivery,
)

__all__ = [
    "PROJECTIONS",
    "Account",
    "Base",
    "DeliveryAttempt",
    "DigestItem",
    "IdempotencyKey",
    "Inbox",
    "MentorAssignment",
    "Notification",
    "Person",
    "Position",
    "Preference",
    "Subscription",
    "Town",
    "Trainee",
    "Unit",
    "Village",
    "WebhookDelivery",
]
