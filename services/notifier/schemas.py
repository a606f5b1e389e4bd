"""Request and response bodies of the notifier: the inbox, preferences and webhook
subscriptions."""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from shared.http import ListArgs, StrictSchema, page_schema

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# -- the inbox ------------------------------------------------------------------------


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


class LinkOut(Schema):
    kind = fields.String(
        metadata={
            "description": "talk, report, form (not filed yet: no id), period, need, "
            "subsidy, placement_fee, housing, visit, trainee or town"
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


# -- preferences ----------------------------------------------------------------------


class QuietHours(StrictSchema):
    start = fields.String(required=True, validate=validate.Regexp(_HHMM, error="HH:MM"))
    end = fields.String(required=True, validate=validate.Regexp(_HHMM, error="HH:MM"))

    @validates_schema
    def _not_empty(self, data, **_kw):
        if data.get("start") == data.get("end"):
            raise ValidationError({"end": ["differs from start"]})


class PreferenceIn(StrictSchema):
    channels = fields.List(
        fields.String(validate=validate.OneOf(["inbox", "email", "sms"])),
        required=True,
        validate=validate.Length(max=3),
        metadata={"description": "channels besides the inbox (which is always on)"},
    )
    quiet_hours = fields.Nested(
        QuietHours,
        allow_none=True,
        load_default=None,
        metadata={"description": "city time; SMS waits until the end (may cross midnight)"},
    )
    digest = fields.Boolean(
        required=True, metadata={"description": "one daily digest instead of single e-mails"}
    )
    language = fields.String(required=True, validate=validate.OneOf(["zh", "en"]))


class PreferenceOut(Schema):
    recipient = fields.String()
    channels = fields.List(fields.String())
    quiet_hours = fields.Dict(allow_none=True)
    digest = fields.Boolean()
    language = fields.String()


# -- webhook subscriptions ------------------------------------------------------------


class SubscriptionIn(StrictSchema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    event_types = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(min=1, max=60),
    )
    description = fields.String(load_default="", validate=validate.Length(max=200))


class EventTypesOut(Schema):
    event_types = fields.List(
        fields.String(),
        metadata={"description": "every event type a subscription may name, sorted"},
    )


class SubscriptionOut(Schema):
    id = fields.Integer()
    owner_role = fields.String()
    owner_id = fields.Integer()
    url = fields.String()
    event_types = fields.List(fields.String())
    description = fields.String()
    active = fields.Boolean()
    consecutive_failures = fields.Integer()
    disabled_at = fields.DateTime(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String()


class SubscriptionCreated(SubscriptionOut):
    secret = fields.String(metadata={"description": "the signing secret, shown this once: keep it"})


SubscriptionPage = page_schema(SubscriptionOut, "SubscriptionPage")


class DeliveryListArgs(ListArgs):
    status = fields.String(
        load_default=None, validate=validate.OneOf(["pending", "sent", "parked"])
    )


class DeliveryOut(Schema):
    id = fields.Integer()
    delivery_id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


DeliveryPage = page_schema(DeliveryOut, "DeliveryPage")


class AttemptOut(Schema):
    id = fields.Integer()
    delivery_id = fields.Integer()
    attempt = fields.Integer()
    attempted_at = fields.DateTime()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


AttemptPage = page_schema(AttemptOut, "AttemptPage")
