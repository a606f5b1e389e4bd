"""Notifier's webhook tables: subscriptions, webhook deliveries and their attempt log."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.notifier.models.base import Base
from shared.db import big_integer


class Subscription(Base):
    """A town's or unit's own system listening for events of its scope."""

    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_role: Mapped[str] = mapped_column(sa.String(8))
    owner_id: Mapped[int]
    url: Mapped[str] = mapped_column(sa.String(2000))
    #: Kept to sign each delivery (shown to the subscriber once, at creation).
    secret: Mapped[str] = mapped_column(sa.String(64))
    event_types: Mapped[list] = mapped_column(sa.JSON)
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[dt.datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_subscription_owner", "owner_role", "owner_id"),)


class WebhookDelivery(Base):
    """One event for one subscription; its raw body is what is signed and sent."""

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(big_integer(), primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subscription.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(sa.String(36))
    event_type: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(8))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]

    __table_args__ = (
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_webhook_delivery_event"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )


class DeliveryAttempt(Base):
    """The delivery log: every try of a webhook delivery, with its answer."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(big_integer(), primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_delivery.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int]
    attempted_at: Mapped[dt.datetime]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.String(500))
    duration_ms: Mapped[int]
