"""Webhook subscriptions of a town's or unit's own system: each town or unit manages only
its own (the city reads and re-enables any). A subscription receives only the events of
its owner's scope, signed with its secret, which is shown once, at creation."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request

from services.notifier.domain import subscriptions
from services.notifier.models import DeliveryAttempt, Subscription, WebhookDelivery
from services.notifier.schemas.subscriptions import (
    AttemptPage,
    DeliveryListArgs,
    DeliveryPage,
    EventTypesOut,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
)
from shared.api import blueprint, endpoint
from shared.auth import current_principal
from shared.db import session, utcnow
from shared.http import ListArgs, get_or_404, paginate

blp = blueprint(
    "subscriptions",
    "/api/v1/notifier/subscriptions",
    "Webhooks for towns' and units' own systems: subscriptions, deliveries, "
    "the delivery log, re-enabling",
)


def _visible():
    principal = current_principal()
    if principal.role == "city":
        return sa.true()
    if principal.role in ("town", "unit"):
        return sa.and_(
            Subscription.owner_role == principal.role,
            Subscription.owner_id == principal.scope_id,
        )
    return sa.false()


def load_subscription(subscription_id: int) -> Subscription:
    """The subscription, if the caller owns it (or is the city); else 404."""
    return get_or_404(Subscription, subscription_id, _visible())


@endpoint(blp, "GET", "city", "town", "unit", query=ListArgs, out=SubscriptionPage)
def get_subscriptions(args):
    """My town's or unit's subscriptions (the city sees all); sort by ``id``."""
    query = sa.select(Subscription).where(_visible())
    return paginate(session(), query, args, (Subscription.id,))


@endpoint(blp, "POST", "town", "unit", body=SubscriptionIn, out=SubscriptionCreated, status=201)
def post_subscriptions(data):
    """Subscribe my town's or unit's system: an http(s) ``url`` (not the notifier
    itself, not a private or link-local address), the ``event_types`` wanted. The
    answer carries the signing ``secret``, this once."""
    config = current_app.config
    subscriptions.check_event_types(data["event_types"])
    subscriptions.check_url(
        data["url"],
        allow_private=config["NOTIFIER_ALLOW_PRIVATE_WEBHOOKS"],
        self_hosts={
            h.strip().lower() for h in config["NOTIFIER_SELF_HOSTS"].split(",") if h.strip()
        },
        own_host=request.host,
    )
    principal = current_principal()
    row = Subscription(
        owner_role=principal.role,
        owner_id=principal.scope_id,
        url=data["url"],
        secret=subscriptions.new_secret(),
        event_types=sorted(set(data["event_types"])),
        description=data["description"],
        active=True,
        consecutive_failures=0,
        created_at=utcnow(),
        created_by=principal.subject,
    )
    session().add(row)
    session().commit()
    return row


@endpoint(blp, "GET /event-types", "city", "town", "unit", out=EventTypesOut)
def get_event_types():
    """The event types a subscription may name (the catalogue's, accounts' excepted):
    what a town's system and the console offer."""
    return {"event_types": sorted(subscriptions.SUBSCRIBABLE)}


@endpoint(blp, "GET /<int:id>", out=SubscriptionOut)
def get_subscription_item(id):
    """One subscription (never its secret)."""
    return load_subscription(id)


@endpoint(blp, "DELETE /<int:id>", "town", "unit", status=204)
def delete_subscription_item(id):
    """Unsubscribe; the deliveries and their log go with it."""
    row = load_subscription(id)
    session().execute(
        sa.delete(DeliveryAttempt).where(
            DeliveryAttempt.delivery_id.in_(
                sa.select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == id)
            )
        )
    )
    session().execute(sa.delete(WebhookDelivery).where(WebhookDelivery.subscription_id == id))
    session().delete(row)
    session().commit()


@endpoint(blp, "POST /<int:id>/enable", out=SubscriptionOut)
def post_enable(id):
    """Re-enable a subscription disabled after repeated failures: its waiting
    deliveries go out again, and its parked ones are given a fresh start."""
    row = load_subscription(id)
    now = utcnow()
    row.active, row.consecutive_failures = True, 0
    row.disabled_at = row.disabled_reason = None
    session().execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == id, WebhookDelivery.status != "sent")
        .values(status="pending", attempts=0, next_attempt_at=now)
    )
    session().commit()
    return row


@endpoint(blp, "GET /<int:id>/deliveries", query=DeliveryListArgs, out=DeliveryPage)
def get_deliveries(args, id):
    """The subscription's deliveries, newest first; filter by ``status``."""
    load_subscription(id)
    query = sa.select(WebhookDelivery).where(WebhookDelivery.subscription_id == id)
    if args.get("status"):
        query = query.where(WebhookDelivery.status == args["status"])
    args["sort"] = args.get("sort") or "-id"
    return paginate(session(), query, args, (WebhookDelivery.id,))


@endpoint(blp, "GET /<int:id>/attempts", query=ListArgs, out=AttemptPage)
def get_attempts(args, id):
    """The delivery log: every attempt, with the receiver's status code or the error
    and the time it took, newest first."""
    load_subscription(id)
    query = (
        sa.select(DeliveryAttempt)
        .join(WebhookDelivery, WebhookDelivery.id == DeliveryAttempt.delivery_id)
        .where(WebhookDelivery.subscription_id == id)
    )
    args["sort"] = args.get("sort") or "-id"
    return paginate(session(), query, args, (DeliveryAttempt.id,))


BLUEPRINTS = [blp]
