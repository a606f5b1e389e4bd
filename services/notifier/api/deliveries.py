"""The e-mail and SMS delivery log, for the city's clerks: what went out, what waits and
what was parked (addresses masked), and sending a parked message again."""

from __future__ import annotations

import sqlalchemy as sa

from services.notifier.models import Notification
from services.notifier.schemas.deliveries import DeliveryArgs, OutboundOut, OutboundPage
from shared.api import blueprint, endpoint
from shared.db import session, utcnow
from shared.http import paginate, problem
from shared.normalize import message

blp = blueprint(
    "deliveries", "/api/v1/notifier/deliveries", "The e-mail and SMS delivery log (city only)"
)


@endpoint(blp, "GET", "city", query=DeliveryArgs, out=OutboundPage)
def get_deliveries(args):
    """E-mail and SMS messages, newest first; filter by ``channel``, ``status``,
    ``recipient`` and ``event_type``."""
    query = sa.select(Notification).where(Notification.channel.in_(("email", "sms")))
    for key in ("channel", "status", "recipient", "event_type"):
        if args.get(key):
            query = query.where(getattr(Notification, key) == args[key])
    args["sort"] = args.get("sort") or "-id"
    return paginate(session(), query, args, (Notification.id, Notification.created_at))


@endpoint(blp, "POST /<int:id>/retry", "city", out=OutboundOut)
def post_retry(id):
    """Send a parked message again, with a fresh count of attempts (409 unless it is
    parked)."""
    row = session().get(Notification, id)
    if row is None or row.channel not in ("email", "sms"):
        raise problem(404, "Not found", message("没有这条邮件或短信", "no such e-mail or SMS"))
    if row.status != "parked":
        raise problem(
            409,
            "Conflict",
            message(
                "只有多次发送失败、已搁置的消息才能重新发送",
                "only a parked message can be sent again",
            ),
        )
    row.status, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    session().commit()
    return row


BLUEPRINTS = [blp]
