"""Request and response bodies of the in-app inbox."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from shared.http import ListArgs, page_schema


class LangArgs(Schema):
    """``lang``: the language to read in (else the request's Accept-Language, else the
    language each notification was written in)."""

    class Meta:
        unknown = EXCLUDE

    lang = fields.String(load_default=None, validate=validate.OneOf(["zh", "en"]))


class InboxFilterArgs(LangArgs):
    unread = fields.Boolean(
        load_default=None, metadata={"description": "true: only unread; false: only read"}
    )
    day = fields.Date(
        load_default=None, metadata={"description": "YYYY-MM-DD, a day in the city's calendar"}
    )
    event_type = fields.String(load_default=None, validate=validate.Length(max=64))


class NotificationListArgs(ListArgs, InboxFilterArgs):
    pass


#: What each event's notification links to: event type -> (the object's kind, the payload
#: field holding its id). The console maps a kind to its page; ``trainee_id`` goes along
#: where the page needs it.
LINKS = {
    "talk.recorded": ("talk", "talk_id"),
    "talk.missing": ("trainee", "trainee_id"),
    "talk.missing_town": ("town", "town_id"),
    "mentor.assigned": ("trainee", "trainee_id"),
    "mentor.released": ("trainee", "trainee_id"),
    "period.opened": ("period", "period_id"),
    "report.submitted": ("report", "report_id"),
    "report.returned": ("report", "report_id"),
    "report.approved": ("report", "report_id"),
    "report.due_soon": ("form", None),
    "report.overdue": ("form", None),
    "need.raised": ("need", "need_id"),
    "need.resolved": ("need", "need_id"),
    "subsidy.paid": ("subsidy", "subsidy_id"),
    "placement_fee.paid": ("placement_fee", "entitlement_id"),
    "housing.allocated": ("housing", "housing_id"),
    "visit.recorded": ("visit", "visit_id"),
}


class LinkOut(Schema):
    kind = fields.String(
        metadata={
            "description": ", ".join(dict.fromkeys(kind for kind, _ in LINKS.values()))
            + " (a form not filed yet has no id)"
        }
    )
    id = fields.Integer(allow_none=True)
    trainee_id = fields.Integer()
    period = fields.String()
    form = fields.String(metadata={"description": "effectiveness, mentoring or quarterly"})


class NotificationOut(Schema):
    id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    subject = fields.String()
    body = fields.String()
    language = fields.String(metadata={"description": "the language subject and body are in"})
    link = fields.Nested(LinkOut, allow_none=True, metadata={"description": "what it is about"})
    day = fields.Date(metadata={"description": "the day it came, in the city's calendar"})
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


NotificationPage = page_schema(NotificationOut, "NotificationPage")


class KindCountOut(Schema):
    total = fields.Integer()
    unread = fields.Integer()


class DayCountOut(KindCountOut):
    day = fields.Date()


class CountsOut(Schema):
    total = fields.Integer()
    unread = fields.Integer()
    by_kind = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(KindCountOut),
        metadata={"description": "per event type"},
    )
    by_day = fields.List(
        fields.Nested(DayCountOut), metadata={"description": "per city day, newest first"}
    )


class UnreadOut(Schema):
    unread = fields.Integer()


class MarkedOut(Schema):
    marked = fields.Integer()
