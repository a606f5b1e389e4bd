"""Request and response bodies of periods."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.http import ListArgs, StrictSchema, page_schema
from shared.normalize import message

PERIOD_CODE = validate.Regexp(
    r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$",
    error=message("应为 YYYY-MM 或 YYYY-Qn", "YYYY-MM or YYYY-Qn"),
)


class PeriodIn(StrictSchema):
    code = fields.String(
        required=True,
        validate=PERIOD_CODE,
        metadata={"description": "YYYY-MM (a month) or YYYY-Qn (a quarter)"},
    )


class ExtensionIn(StrictSchema):
    deadline = fields.Date(required=True, metadata={"description": "the new deadline"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))

    @validates_schema
    def _reason_not_blank(self, data, **_kw):
        if not data.get("reason", "x").strip():
            raise ValidationError(
                {"reason": [message("请说明调整截止日期的理由", "say why the deadline moves")]}
            )


class PeriodOut(Schema):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    policy_deadline = fields.Date(
        metadata={"description": "the policy's day, before moving to a working day"}
    )
    deadline = fields.Date(metadata={"description": "the deadline in force"})
    due_soon_on = fields.Date()
    extended_to = fields.Date(allow_none=True)
    extension_reason = fields.String()
    opened_at = fields.DateTime()


class PeriodListArgs(ListArgs):
    kind = fields.String(validate=validate.OneOf(["month", "quarter"]))
    year = fields.Integer(validate=validate.Range(min=2000, max=9999))


PeriodPage = page_schema(PeriodOut, "PeriodPage")
