"""The event envelope: ``id``, ``type``, ``version``, ``occurred_at``, ``producer``,
``correlation_id``, ``payload``. Nothing that fails validation is published or applied."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from shared.db import utcnow
from shared.events.catalogue import payload_schema


class EventInvalid(Exception):
    """An event that does not match the envelope or its type's payload schema."""

    def __init__(self, messages: dict | list | str) -> None:
        super().__init__(f"invalid event: {messages}")
        self.messages = messages


class EnvelopeSchema(Schema):
    """The envelope every event travels in."""

    class Meta:
        unknown = RAISE

    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Length(min=3, max=64))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=dt.UTC)
    producer = fields.String(required=True, validate=validate.Length(min=1, max=32))
    correlation_id = fields.String(load_default=None, allow_none=True)
    payload = fields.Dict(required=True)


_envelope = EnvelopeSchema()


def validate_event(message: dict) -> dict:
    """Check an envelope and its payload; return the envelope with the payload loaded
    (dates as dates). Raises :class:`EventInvalid`."""
    if not isinstance(message, dict):
        raise EventInvalid("an event is a JSON object")
    try:
        envelope = _envelope.load(message)
    except ValidationError as exc:
        raise EventInvalid(exc.messages) from exc
    schema = payload_schema(envelope["type"], envelope["version"])
    if schema is None:
        raise EventInvalid(f"unknown event type {envelope['type']} v{envelope['version']}")
    try:
        envelope["payload"] = schema.load(envelope["payload"])
    except ValidationError as exc:
        raise EventInvalid({"payload": exc.messages}) from exc
    return envelope


def build_event(
    type_: str,
    payload: dict,
    *,
    producer: str,
    version: int = 1,
    correlation_id: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> dict:
    """A new envelope, as JSON-ready data, whose payload has been validated."""
    schema = payload_schema(type_, version)
    if schema is None:
        raise EventInvalid(f"unknown event type {type_} v{version}")
    try:
        # Through JSON first, so that dates, decimals and strings alike are checked the
        # way a consumer will check them; the dump then gives the canonical form.
        data = schema.dump(schema.load(json.loads(json.dumps(payload, default=_plain))))
    except ValidationError as exc:
        raise EventInvalid({"payload": exc.messages}) from exc
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "version": version,
        "occurred_at": (occurred_at or utcnow()).isoformat(),
        "producer": producer,
        "correlation_id": correlation_id,
        "payload": data,
    }


def _plain(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
