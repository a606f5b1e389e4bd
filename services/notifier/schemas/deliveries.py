"""Request and response bodies of the e-mail and SMS delivery log (addresses masked)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.http import ListArgs, page_schema
from shared.observability import mask_phone


def mask_address(channel: str, address: str | None) -> str | None:
    """``z***@example.cn`` and ``138****0001``: enough to recognise, not to use."""
    if not address:
        return address
    parts = address.split(",")
    if channel == "sms":
        return ",".join(mask_phone(p) for p in parts)
    masked = []
    for part in parts:
        local, _, domain = part.partition("@")
        masked.append(f"{local[:1]}***@{domain}")
    return ",".join(masked)


class DeliveryArgs(ListArgs):
    channel = fields.String(load_default=None, validate=validate.OneOf(["email", "sms"]))
    status = fields.String(
        load_default=None, validate=validate.OneOf(["pending", "sent", "parked"])
    )
    recipient = fields.String(load_default=None, validate=validate.Length(max=40))
    event_type = fields.String(load_default=None, validate=validate.Length(max=64))


class OutboundOut(Schema):
    id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    recipient = fields.String()
    channel = fields.String()
    address = fields.Function(lambda row: mask_address(row.channel, row.address))
    subject = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


OutboundPage = page_schema(OutboundOut, "OutboundPage")
