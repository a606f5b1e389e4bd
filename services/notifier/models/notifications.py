"""Notifier's notification tables: accounts (how a person is reached), notifications (one
row per event, recipient and channel: the in-app inbox and the e-mail/SMS queue) and digest
items.

A *recipient* is a key naming an inbox: ``trainee:<trainee id>``, ``mentor:<person id>``,
``town:<town id>``, ``unit:<unit id>`` or ``city`` -- the role and scope of the tokens that
read it (see :func:`services.notifier.domain.recipients.recipient_of`).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.notifier.models.base import Base
from shared.db import big_integer


class Account(Base):
    """An account of roster (never its secret): whom a role and scope reach."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(16))
    scope_id: Mapped[int | None]
    display_name: Mapped[str] = mapped_column(sa.String(100), default="")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(big_integer())

    __table_args__ = (sa.Index("ix_account_role_scope", "role", "scope_id"),)


class Notification(Base):
    """One message to one recipient by one channel. Inbox rows are delivered when written;
    e-mail and SMS rows wait for the worker (``pending`` -> ``sent``, or ``parked`` after
    the last attempt)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(big_integer(), primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(sa.String(36))
    event_type: Mapped[str] = mapped_column(sa.String(64))
    #: The fact behind the event (e.g. ``report.overdue:1:monthly:2026-01``): the same fact
    #: announced again under a new event id notifies no one twice.
    fact_key: Mapped[str] = mapped_column(sa.String(120))
    recipient: Mapped[str] = mapped_column(sa.String(40))
    channel: Mapped[str] = mapped_column(sa.String(8))
    address: Mapped[str | None] = mapped_column(sa.String(1000))
    language: Mapped[str] = mapped_column(sa.String(2))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    #: The template and its parameters (names, the payload), so that the inbox renders
    #: the message in the reader's language; the subject and body above are the text as
    #: sent (and all that rows written before 0004 have).
    template: Mapped[str | None] = mapped_column(sa.String(64))
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(8))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    read_at: Mapped[dt.datetime | None]

    __table_args__ = (
        sa.UniqueConstraint("event_id", "recipient", "channel", name="uq_notification_event"),
        sa.UniqueConstraint("fact_key", "recipient", "channel", name="uq_notification_fact"),
        sa.Index("ix_notification_inbox", "recipient", "channel", "read_at"),
        sa.Index("ix_notification_due", "channel", "status", "next_attempt_at"),
    )


class DigestItem(Base):
    """A line waiting for a recipient's daily digest (overdue notices for towns and units,
    and everything but the inbox for people who chose a digest)."""

    __tablename__ = "digest_item"

    id: Mapped[int] = mapped_column(big_integer(), primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(sa.String(40), index=True)
    event_id: Mapped[str] = mapped_column(sa.String(36))
    event_type: Mapped[str] = mapped_column(sa.String(64))
    fact_key: Mapped[str] = mapped_column(sa.String(120))
    line: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime]
    digest_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)

    __table_args__ = (
        sa.UniqueConstraint("event_id", "recipient", name="uq_digest_item_event"),
        sa.UniqueConstraint("fact_key", "recipient", name="uq_digest_item_fact"),
    )
