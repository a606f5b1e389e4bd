"""The in-app inbox: each caller reads only their own notifications (the inbox of their
token's role and scope: a trainee's, a mentor's, a town's, a unit's or the city's)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

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
from shared.auth import current_principal, protect
from shared.db import session, utcnow
from shared.http import get_or_404, paginate

blp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/api/v1/notifier/notifications",
    description="My in-app inbox: notifications, unread count, mark read",
)
protect(blp)


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


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(NotificationListArgs, location="query")
    @blp.response(200, NotificationPage)
    def get(self, args):
        """My notifications, newest first, in ``lang`` (or the Accept-Language), each with
        a ``link`` to the object it is about and its ``day`` in the city. ``unread=true``
        for the unread only (``false``: the read); ``day=YYYY-MM-DD``; ``event_type``;
        sort by ``created_at`` or ``id``."""
        query = sa.select(Notification).where(_filtered(args))
        args["sort"] = args.get("sort") or "-id"
        page = paginate(
            session(), query, args, {"id": Notification.id, "created_at": Notification.created_at}
        )
        language = _language(args)
        page["items"] = [read_as(row, language, _zone()) for row in page["items"]]
        return page


@blp.route("/counts")
class Counts(MethodView):
    @blp.arguments(InboxFilterArgs, location="query")
    @blp.response(200, CountsOut)
    def get(self, args):
        """How many of my notifications there are (with the same filters as the list):
        in total, unread, by kind (event type) and by day in the city, newest first."""
        return counts(session(), _filtered(args), _zone())


@blp.route("/unread-count")
class UnreadCount(MethodView):
    @blp.response(200, UnreadOut)
    def get(self):
        """How many of my notifications are unread."""
        count = session().scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(my_inbox(), Notification.read_at.is_(None))
        )
        return {"unread": count or 0}


@blp.route("/<int:id>")
class NotificationItem(MethodView):
    @blp.arguments(LangArgs, location="query")
    @blp.response(200, NotificationOut)
    def get(self, args, id):
        """One of my notifications in ``lang`` (another's is a 404)."""
        return read_as(_mine(id), _language(args), _zone())


@blp.route("/<int:id>/read")
class MarkRead(MethodView):
    @blp.response(200, NotificationOut)
    def post(self, id):
        """Mark one of my notifications read (reading it again changes nothing)."""
        row = _mine(id)
        if row.read_at is None:
            row.read_at = utcnow()
            session().commit()
        return read_as(row, _language({}), _zone())


@blp.route("/read-all")
class MarkAllRead(MethodView):
    @blp.response(200, MarkedOut)
    def post(self):
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
