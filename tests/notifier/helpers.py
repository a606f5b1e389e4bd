"""Reading what the notifier wrote."""

from __future__ import annotations

import sqlalchemy as sa

from services.notifier.models import (
    DigestItem,
    Notification,
    Subscription,
    WebhookDelivery,
)


def rows(world, **where) -> list[Notification]:
    """Notification rows matching ``where`` (column = value), oldest first."""
    with world.db.transaction() as s:
        query = sa.select(Notification).order_by(Notification.id)
        for key, value in where.items():
            query = query.where(getattr(Notification, key) == value)
        return list(s.scalars(query))


def recipients(world, event_type: str, channel: str = "inbox") -> list[str]:
    return sorted(r.recipient for r in rows(world, event_type=event_type, channel=channel))


def count(world, model) -> int:
    with world.db.transaction() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def counts(world) -> dict:
    return {
        m.__tablename__: count(world, m)
        for m in (Notification, DigestItem, Subscription, WebhookDelivery)
    }
