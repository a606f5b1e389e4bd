"""Request and response bodies of the notification preferences."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.http import StrictSchema
from shared.normalize import message

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_HHMM_ERROR = message("应为 HH:MM", "HH:MM")


class QuietHours(StrictSchema):
    start = fields.String(required=True, validate=validate.Regexp(_HHMM, error=_HHMM_ERROR))
    end = fields.String(required=True, validate=validate.Regexp(_HHMM, error=_HHMM_ERROR))

    @validates_schema
    def _not_empty(self, data, **_kw):
        if data.get("start") == data.get("end"):
            raise ValidationError({"end": [message("不能与开始时间相同", "differs from start")]})


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
