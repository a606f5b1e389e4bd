"""The in-app inbox: each caller reads only their own notifications (the inbox of their
token's role and scope: a trainee's, a mentor's, a town's, a unit's or the city's)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request

from services.notifier.domain.notifications import counts, day_bounds, read_as
from services.notifier.domain.notify import recipient_of
from services.notifier.domain.render import LANGUAGES
from services.notifier.models import Notification
from services.notifier.schemas.notifications import (
    CountsOut,
    InboxFilterArgs,
    LangArgs,
    MarkedOut,
    NotificationListArgs,
    NotificationOut,
    NotificationPage,
    UnreadOut,
)
from shared.api import blueprint, endpoint
from shared.auth import current_principal
from shared.db import session, utcnow
from shared.http import get_or_404, paginate

blp = blueprint(
    "notifications",
    "/api/v1/notifier/notifications",
    "My in-app inbox: notifications, unread count, mark read",
)


def my_inbox():
    """The WHERE clause of the caller's own inbox."""
    principal = current_principal()
    return sa.and_(
        Notification.recipient == recipient_of(principal.role, principal.scope_id),
        Notification.channel == "inbox",
    )


def _language(args: dict) -> str | None:
    """``lang``, else the best of the request's Accept-Language, else None (each
    notification in the language it was written in)."""
    if args.get("lang"):
        return args["lang"]
    if request.headers.get("Accept-Language"):
        return request.accept_languages.best_match(LANGUAGES)
    return None


def _filtered(args: dict):
    """My inbox narrowed by ``unread``, ``day`` (a city day) and ``event_type``."""
    where = [my_inbox()]
    if args.get("unread") is True:
        where.append(Notification.read_at.is_(None))
    elif args.get("unread") is False:
        where.append(Notification.read_at.is_not(None))
    if args.get("day"):
        start, end = day_bounds(args["day"], _zone())
        where += [Notification.created_at >= start, Notification.created_at < end]
    if args.get("event_type"):
        where.append(Notification.event_type == args["event_type"])
    return sa.and_(*where)


def _zone() -> str:
    return current_app.config["TIME_ZONE"]


@endpoint(blp, "GET", query=NotificationListArgs, out=NotificationPage)
def get_notifications(args):
    """My notifications, newest first, in ``lang`` (or the Accept-Language), each with
    a ``link`` to the object it is about and its ``day`` in the city. ``unread=true``
    for the unread only (``false``: the read); ``day=YYYY-MM-DD``; ``event_type``;
    sort by ``created_at`` or ``id``."""
    query = sa.select(Notification).where(_filtered(args))
    args["sort"] = args.get("sort") or "-id"
    page = paginate(session(), query, args, (Notification.id, Notification.created_at))
    language = _language(args)
    page["items"] = [read_as(row, language, _zone()) for row in page["items"]]
    return page


@endpoint(blp, "GET /counts", query=InboxFilterArgs, out=CountsOut)
def get_counts(args):
    """How many of my notifications there are (with the same filters as the list):
    in total, unread, by kind (event type) and by day in the city, newest first."""
    return counts(session(), _filtered(args), _zone())


@endpoint(blp, "GET /unread-count", out=UnreadOut)
def get_unread_count():
    """How many of my notifications are unread."""
    count = session().scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(my_inbox(), Notification.read_at.is_(None))
    )
    return {"unread": count or 0}


@endpoint(blp, "GET /<int:id>", query=LangArgs, out=NotificationOut)
def get_notification_item(args, id):
    """One of my notifications in ``lang`` (another's is a 404)."""
    return read_as(_mine(id), _language(args), _zone())


@endpoint(blp, "POST /<int:id>/read", out=NotificationOut)
def post_mark_read(id):
    """Mark one of my notifications read (reading it again changes nothing)."""
    row = _mine(id)
    if row.read_at is None:
        row.read_at = utcnow()
        session().commit()
    return read_as(row, _language({}), _zone())


@endpoint(blp, "POST /read-all", out=MarkedOut)
def post_mark_all_read():
    """Mark all my unread notifications read; says how many."""
    result = session().execute(
        sa.update(Notification)
        .where(my_inbox(), Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    session().commit()
    return {"marked": result.rowcount}


def _mine(notification_id: int) -> Notification:
    return get_or_404(Notification, notification_id, my_inbox())


BLUEPRINTS = [blp]
