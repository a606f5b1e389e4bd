"""Request and response bodies of the webhook subscriptions, their deliveries and
attempts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.http import ListArgs, StrictSchema, page_schema


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
