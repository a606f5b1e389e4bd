"""Sending what the consumer wrote: e-mail over SMTP, SMS through the HTTP gateway,
webhooks signed with HMAC-SHA256, and the daily digests.

Each pass takes one due row at a time under ``FOR UPDATE SKIP LOCKED`` (so that several
workers share the work and never send a row twice), sends it, and marks it ``sent``, or
retries it later with exponential backoff, or parks it after the last attempt. Every
channel has its own pass, so a failing channel never holds up another one, and a failing
row is moved behind the others by its next attempt time.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
import uuid
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from zoneinfo import ZoneInfo

import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifier.domain.notify import (
    DEFAULT_PREFS,
    contacts,
    insert_ignoring_duplicates,
    preferences,
    quiet_until,
)
from services.notifier.domain.render import render
from services.notifier.domain.subscriptions import sign
from services.notifier.models import (
    DeliveryAttempt,
    DigestItem,
    Notification,
    Subscription,
    WebhookDelivery,
)
from shared.db import Database, locked, utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600
DIGEST_NAMESPACE = uuid.UUID("6f1c8d1e-2b7a-4f57-9a53-4f0c7d0f7e11")


class SendError(Exception):
    """A channel refused or failed to take a message."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def backoff(config, attempts: int) -> dt.timedelta:
    """The wait before the next attempt after ``attempts`` failed ones."""
    seconds = config.NOTIFIER_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


# -- the channels ---------------------------------------------------------------------


def send_email(config, row: Notification) -> None:
    """One message over SMTP, UTF-8 subject and body."""
    if not config.NOTIFIER_SMTP_HOST:
        raise SendError("NOTIFIER_SMTP_HOST is not set")
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = formataddr(("基层锻炼导师制 Grassroots", config.NOTIFIER_SMTP_FROM))
    message["To"] = row.address
    message["Message-ID"] = make_msgid(domain="grassroots")
    message["X-Grassroots-Event"] = row.event_id
    message["X-Grassroots-Event-Type"] = row.event_type  # for the recipient's mail filters
    message.set_content(row.body, charset="utf-8")
    try:
        with smtplib.SMTP(
            config.NOTIFIER_SMTP_HOST,
            config.NOTIFIER_SMTP_PORT,
            timeout=config.NOTIFIER_SEND_TIMEOUT,
        ) as smtp:
            if config.NOTIFIER_SMTP_STARTTLS:
                smtp.starttls()
            if config.NOTIFIER_SMTP_USER:
                smtp.login(config.NOTIFIER_SMTP_USER, config.NOTIFIER_SMTP_PASSWORD or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(f"smtp: {exc.__class__.__name__}: {exc}") from exc


def send_sms(config, row: Notification) -> None:
    """One text through the gateway: ``POST {"to": [...], "text": ...}`` with the token."""
    if not config.NOTIFIER_SMS_URL:
        raise SendError("NOTIFIER_SMS_URL is not set")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if config.NOTIFIER_SMS_TOKEN:
        headers["Authorization"] = f"Bearer {config.NOTIFIER_SMS_TOKEN}"
    text = f"【基层锻炼】{row.subject}" if row.language == "zh" else f"[Grassroots] {row.subject}"
    try:
        response = requests.post(
            config.NOTIFIER_SMS_URL,
            json={"to": row.address.split(","), "text": text, "reference": str(row.id)},
            headers=headers,
            timeout=config.NOTIFIER_SEND_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise SendError(f"sms gateway: {exc.__class__.__name__}") from exc
    if not 200 <= response.status_code < 300:
        raise SendError(f"sms gateway answered {response.status_code}", response.status_code)


SENDERS = {"email": send_email, "sms": send_sms}


# -- e-mail and SMS -------------------------------------------------------------------


def _due(session: Session, query: sa.Select, db: Database):
    query = query.limit(1)
    if db.is_postgres:
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()


def deliver_one(db: Database, config, channel: str, now: dt.datetime | None = None) -> bool:
    """Send one due message of ``channel``; False when none is due."""
    now = now or utcnow()
    with db.transaction() as session:
        row = _due(
            session,
            sa.select(Notification)
            .where(
                Notification.channel == channel,
                Notification.status == "pending",
                Notification.next_attempt_at <= now,
            )
            .order_by(Notification.next_attempt_at, Notification.id),
            db,
        )
        if row is None:
            return False
        if channel == "sms":
            prefs = preferences(session, [row.recipient]).get(row.recipient, DEFAULT_PREFS)
            until = quiet_until(prefs, now, config.TIME_ZONE)
            if until is not None:
                # Quiet hours: the text waits, and waiting is not a failed attempt.
                row.next_attempt_at = until
                return True
        try:
            SENDERS[channel](config, row)
        except SendError as exc:
            _failed(row, str(exc), config, now)
        else:
            row.status, row.sent_at, row.last_error = "sent", utcnow(), None
            row.attempts += 1
    return True


def _failed(row, error: str, config, now: dt.datetime) -> None:
    row.attempts += 1
    row.last_error = error[:500]
    if row.attempts >= config.NOTIFIER_MAX_ATTEMPTS:
        row.status, row.next_attempt_at = "parked", None
        log.warning(
            "%s %s parked after %d attempts: %s",
            row.__tablename__,
            row.id,
            row.attempts,
            error[:200],
        )
    else:
        row.next_attempt_at = now + backoff(config, row.attempts)


# -- webhooks -------------------------------------------------------------------------


def deliver_webhook(db: Database, config, now: dt.datetime | None = None) -> bool:
    """POST one due webhook delivery (of an active subscription); False when none is due."""
    now = now or utcnow()
    with db.transaction() as session:
        delivery = _due(
            session,
            sa.select(WebhookDelivery)
            .join(Subscription, Subscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                Subscription.active.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id),
            db,
        )
        if delivery is None:
            return False
        subscription = locked(session, Subscription, delivery.subscription_id)
        body = delivery.body.encode("utf-8")
        started = time.perf_counter()
        status_code, error = None, None
        try:
            response = requests.post(
                subscription.url,
                data=body,
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "User-Agent": "grassroots-notifier/1",
                    "X-Grassroots-Signature": sign(subscription.secret, body),
                    "X-Grassroots-Event": delivery.event_id,
                    "X-Grassroots-Event-Type": delivery.event_type,
                    "X-Grassroots-Delivery": delivery.delivery_id,
                },
                timeout=config.NOTIFIER_SEND_TIMEOUT,
                allow_redirects=False,
            )
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"answered {status_code}"
        except requests.RequestException as exc:
            error = f"{exc.__class__.__name__}"
        session.add(
            DeliveryAttempt(
                delivery_id=delivery.id,
                attempt=delivery.attempts + 1,
                attempted_at=now,
                status_code=status_code,
                error=error,
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
        )
        delivery.last_status_code = status_code
        if error is None:
            delivery.status, delivery.sent_at, delivery.last_error = "sent", utcnow(), None
            delivery.attempts += 1
            subscription.consecutive_failures = 0
            return True
        _failed(delivery, error, config, now)
        subscription.consecutive_failures += 1
        if subscription.consecutive_failures >= config.NOTIFIER_WEBHOOK_MAX_FAILURES:
            subscription.active = False
            subscription.disabled_at = now
            subscription.disabled_reason = (
                f"{subscription.consecutive_failures} consecutive failures; last: {error}"
            )[:500]
            log.warning("webhook subscription %s disabled", subscription.id)
    return True


# -- digests --------------------------------------------------------------------------


def digest_id(recipient: str, day: dt.date) -> str:
    """One digest per recipient and day, whichever worker builds it."""
    return str(uuid.uuid5(DIGEST_NAMESPACE, f"{recipient}/{day.isoformat()}"))


def build_digests(db: Database, config, now: dt.datetime | None = None) -> int:
    """Today's digest for every recipient with waiting items: one message in the inbox and
    one e-mail. A recipient whose digest of today went out already gets the items that
    came since in tomorrow's. Returns the number of digests built."""
    now = now or utcnow()
    day = now.astimezone(ZoneInfo(config.TIME_ZONE)).date()
    with db.transaction() as session:
        recipients = list(
            session.scalars(
                sa.select(DigestItem.recipient).where(DigestItem.digest_id.is_(None)).distinct()
            )
        )
    built = 0
    for recipient in recipients:
        with db.transaction() as session:
            query = (
                sa.select(DigestItem)
                .where(DigestItem.recipient == recipient, DigestItem.digest_id.is_(None))
                .order_by(DigestItem.id)
            )
            if db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            items = list(session.scalars(query))
            if not items:
                continue
            key = digest_id(recipient, day)
            built_today = session.scalar(
                sa.select(Notification.id).where(
                    Notification.event_id == key, Notification.recipient == recipient
                )
            )
            if built_today is not None:
                continue
            prefs = preferences(session, [recipient]).get(recipient, DEFAULT_PREFS)
            contact = contacts(session, [recipient])[recipient]
            message = render(
                "digest",
                prefs.language,
                {
                    "day": day.isoformat(),
                    "lines": [i.line for i in items],
                    "recipient_name": contact.name,
                },
            )
            common = {
                "event_id": key,
                "event_type": "digest",
                "fact_key": f"digest:{key}",
                "recipient": recipient,
                "language": prefs.language,
                "subject": message.subject,
                "body": message.body,
                "attempts": 0,
                "created_at": now,
                "read_at": None,
                "last_error": None,
            }
            rows = [
                {
                    **common,
                    "channel": "inbox",
                    "address": None,
                    "status": "sent",
                    "next_attempt_at": None,
                    "sent_at": now,
                }
            ]
            if contact.emails and "email" in prefs.channels:
                rows.append(
                    {
                        **common,
                        "channel": "email",
                        "address": ",".join(contact.emails),
                        "status": "pending",
                        "next_attempt_at": now,
                        "sent_at": None,
                    }
                )
            insert_ignoring_duplicates(session, Notification, rows)
            for item in items:
                item.digest_id = key
            built += 1
    return built


def digest_due(config, now: dt.datetime) -> bool:
    """Whether the city's clock has passed today's digest hour."""
    return now.astimezone(ZoneInfo(config.TIME_ZONE)).hour >= config.NOTIFIER_DIGEST_HOUR
