"""Bodies and answers of the duty list."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from services.reporting.models import PARTY_KINDS
from services.reporting.schemas.common import (
    _DATE,
    _ID,
    _YEAR,
    TEXT_MAX,
    ExportArgs,
    _required_text,
    _text,
)
from shared import fields as clean
from shared.http import ListArgs, StrictSchema, page_schema


class DutyItemIn(StrictSchema):
    year = fields.Integer(required=True, strict=True, validate=_YEAR)
    party_kind = fields.String(required=True, validate=validate.OneOf(PARTY_KINDS))
    party_id = fields.Integer(required=True, strict=True, **_ID)
    title = _required_text(200)
    description = _text(load_default="")
    due_date = fields.Date(required=True, **_DATE)


class DutyItemRow(Schema):
    """One row of an imported sheet (values as the sheet gives them)."""

    class Meta:
        unknown = EXCLUDE

    year = fields.Integer(required=True, validate=_YEAR)
    party_kind = fields.String(required=True, validate=validate.OneOf(PARTY_KINDS))
    party_id = fields.Integer(required=True, **_ID)
    # Read as clerks type them (shared.normalize): trimmed, NFKC, no control characters.
    title = clean.Text(required=True, blank=False, validate=validate.Length(min=1, max=200))
    description = clean.Text(
        multiline=True, load_default="", validate=validate.Length(max=TEXT_MAX)
    )
    due_date = fields.Date(required=True, **_DATE)


class DutyProgressIn(StrictSchema):
    percent = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))
    evidence = _required_text()


class DutyProgressOut(Schema):
    id = fields.Integer()
    percent = fields.Integer()
    evidence = fields.String()
    reported_on = fields.Date()
    by = fields.String()
    at = fields.DateTime()


class DutyItemOut(Schema):
    id = fields.Integer()
    year = fields.Integer()
    party_kind = fields.String()
    party_id = fields.Integer()
    town_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    title = fields.String()
    description = fields.String()
    due_date = fields.Date()
    percent = fields.Integer()
    completed_on = fields.Date(allow_none=True)
    progress = fields.List(fields.Nested(DutyProgressOut))


DutyItemPage = page_schema(DutyItemOut, "DutyItemPage")


class DutyListArgs(ListArgs, ExportArgs):
    year = fields.Integer(validate=_YEAR)
    party_kind = fields.String(validate=validate.OneOf(PARTY_KINDS))
    party_id = fields.Integer(**_ID)
    completed = fields.Boolean()


class CompletionArgs(ExportArgs):
    year = fields.Integer(required=True, validate=_YEAR)
    party_kind = fields.String(validate=validate.OneOf(PARTY_KINDS))


class CompletionOut(Schema):
    party_kind = fields.String()
    party_id = fields.Integer()
    party_name = fields.String()
    items = fields.Integer()
    completed = fields.Integer()
    completed_on_time = fields.Integer()
    average_percent = fields.Decimal(as_string=True)
    rate = fields.Decimal(as_string=True, allow_none=True)
