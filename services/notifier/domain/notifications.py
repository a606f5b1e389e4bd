"""Reading the in-app inbox: each notification in the reader's language (rendered again
from its template and parameters; a row written before templates were kept reads as the
text it was sent with), the object it is about, and the inbox's counts by kind and by day
in the city's calendar."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import jinja2
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifier.domain.render import LANGUAGES, render
from services.notifier.models import Notification
from services.notifier.schemas.notifications import LINKS
from shared.clock import city_date


def link_of(event_type: str, payload: dict | None) -> dict | None:
    """The object a notification is about: ``{"kind", "id", ...}`` (a form not yet filed
    has no id: its kind, period and trainee), or None."""
    if not payload or event_type not in LINKS:
        return None
    kind, key = LINKS[event_type]
    link = {"kind": kind, "id": payload.get(key) if key else None}
    for extra in ("trainee_id", "period"):
        if payload.get(extra) is not None:
            link[extra] = payload[extra]
    if payload.get("kind") and kind in ("form", "report", "period"):
        link["form"] = payload["kind"]
    return link if link["id"] is not None or kind == "form" else None


def read_as(row: Notification, language: str | None, time_zone: str) -> dict:
    """The notification as its reader sees it: in ``language`` (else the language it was
    written in), with its link and its day in the city."""
    language = language if language in LANGUAGES else row.language
    subject, body = row.subject, row.body
    if row.template and row.params is not None:
        try:
            message = render(row.template, language, row.params)
            subject, body = message.subject, message.body
        except (jinja2.TemplateError, OSError):
            language = row.language  # a template since removed: the text as it was sent
    else:
        language = row.language
    return {
        "id": row.id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "subject": subject,
        "body": body,
        "language": language,
        "link": link_of(row.event_type, (row.params or {}).get("p")),
        "day": city_date(row.created_at, time_zone),
        "created_at": row.created_at,
        "read_at": row.read_at,
    }


def day_bounds(day: dt.date, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC moments a city day begins and ends at."""
    zone = ZoneInfo(time_zone)
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def counts(session: Session, where, time_zone: str) -> dict:
    """Total, unread, by kind (event type) and by city day (newest first) of the
    notifications ``where`` selects."""
    unread = sa.case((Notification.read_at.is_(None), 1), else_=0)
    by_kind = {
        type_: {"total": total, "unread": int(waiting or 0)}
        for type_, total, waiting in session.execute(
            sa.select(Notification.event_type, sa.func.count(), sa.func.sum(unread))
            .where(where)
            .group_by(Notification.event_type)
            .order_by(Notification.event_type)
        )
    }
    if session.get_bind().dialect.name == "postgresql":
        local = sa.cast(sa.func.timezone(time_zone, Notification.created_at), sa.Date)
        days = {
            day: (total, int(waiting or 0))
            for day, total, waiting in session.execute(
                sa.select(local, sa.func.count(), sa.func.sum(unread)).where(where).group_by(local)
            )
        }
    else:
        # The embedded SQLite has no time zones: the rows' moments are grouped here.
        total_by, unread_by = Counter(), Counter()
        for created_at, read_at in session.execute(
            sa.select(Notification.created_at, Notification.read_at).where(where)
        ):
            day = city_date(created_at, time_zone)
            total_by[day] += 1
            unread_by[day] += read_at is None
        days = {day: (total_by[day], unread_by[day]) for day in total_by}
    return {
        "total": sum(v["total"] for v in by_kind.values()),
        "unread": sum(v["unread"] for v in by_kind.values()),
        "by_kind": by_kind,
        "by_day": [
            {"day": day, "total": total, "unread": waiting}
            for day, (total, waiting) in sorted(days.items(), reverse=True)
        ],
    }
