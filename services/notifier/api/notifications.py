"""The in-app inbox: each caller reads only their own notifications (the inbox of their
token's role and scope: a trainee's, a mentor's, a town's, a unit's or the city's)."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint

from services.notifier.domain.notify import recipient_of
from services.notifier.models_notify import Notification
from services.notifier.schemas import (
    MarkedOut,
    NotificationListArgs,
    NotificationOut,
    NotificationPage,
    UnreadOut,
)
from shared.auth import current_principal, protect
from shared.db import session, utcnow
from shared.http import paginate, problem

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


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(NotificationListArgs, location="query")
    @blp.response(200, NotificationPage)
    def get(self, args):
        """My notifications, newest first; ``unread=true`` for the unread only; filter by
        ``event_type``; sort by ``created_at`` or ``id``."""
        query = sa.select(Notification).where(my_inbox())
        if args.get("unread") is True:
            query = query.where(Notification.read_at.is_(None))
        elif args.get("unread") is False:
            query = query.where(Notification.read_at.is_not(None))
        if args.get("event_type"):
            query = query.where(Notification.event_type == args["event_type"])
        args["sort"] = args.get("sort") or "-id"
        return paginate(
            session(), query, args, {"id": Notification.id, "created_at": Notification.created_at}
        )


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
    @blp.response(200, NotificationOut)
    def get(self, id):
        """One of my notifications (another's is a 404)."""
        return _mine(id)


@blp.route("/<int:id>/read")
class MarkRead(MethodView):
    @blp.response(200, NotificationOut)
    def post(self, id):
        """Mark one of my notifications read (reading it again changes nothing)."""
        row = _mine(id)
        if row.read_at is None:
            row.read_at = utcnow()
            session().commit()
        return row


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
    row = (
        session()
        .scalars(sa.select(Notification).where(Notification.id == notification_id, my_inbox()))
        .first()
    )
    if row is None:
        # The query already keeps to the caller's own; a miss is the same 404 either way.
        raise problem(404, "Not found", "no such record in your scope")
    return row


BLUEPRINTS = [blp]
