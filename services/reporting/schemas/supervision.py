"""Bodies and answers of supervision visits and their rectification items."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.reporting.domain.supervision import VISIT_KINDS
from services.reporting.models import OWNER_KINDS
from services.reporting.schemas.common import _DATE, _ID, ExportArgs, _required_text, _text
from shared.http import ListArgs, StrictSchema, page_schema


class FindingIn(StrictSchema):
    finding = _required_text()
    requirement = _text(load_default="")
    owner_kind = fields.String(validate=validate.OneOf(OWNER_KINDS))
    owner_id = fields.Integer(strict=True, **_ID)
    due_date = fields.Date(required=True, **_DATE)


class VisitIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(VISIT_KINDS))
    visit_date = fields.Date(required=True, **_DATE)
    party_kind = fields.String(required=True, validate=validate.OneOf(OWNER_KINDS))
    party_id = fields.Integer(required=True, strict=True, **_ID)
    team = _required_text(500)
    checked = _required_text()
    summary = _text(load_default="")
    findings = fields.List(
        fields.Nested(FindingIn), load_default=list, validate=validate.Length(max=100)
    )


class CloseIn(StrictSchema):
    evidence = _required_text()
    closed_on = fields.Date(**_DATE)


class RectificationOut(Schema):
    id = fields.Integer()
    visit_id = fields.Integer()
    finding = fields.String()
    requirement = fields.String()
    owner_kind = fields.String()
    owner_id = fields.Integer()
    due_date = fields.Date()
    state = fields.String()
    closed_on = fields.Date(allow_none=True)
    evidence = fields.String()
    closed_by = fields.String()


class VisitOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    visit_date = fields.Date()
    party_kind = fields.String()
    party_id = fields.Integer()
    team = fields.String()
    checked = fields.String()
    summary = fields.String()
    created_by = fields.String()
    rectifications = fields.List(fields.Nested(RectificationOut))


VisitPage = page_schema(VisitOut, "VisitPage")
RectificationPage = page_schema(RectificationOut, "RectificationPage")


class VisitListArgs(ListArgs):
    party_kind = fields.String(validate=validate.OneOf(OWNER_KINDS))
    party_id = fields.Integer(**_ID)


class RectificationListArgs(ListArgs, ExportArgs):
    owner_kind = fields.String(validate=validate.OneOf(OWNER_KINDS))
    owner_id = fields.Integer(**_ID)
    state = fields.String(validate=validate.OneOf(["open", "overdue", "closed"]))


class OwnerFiguresOut(Schema):
    owner_kind = fields.String()
    owner_id = fields.Integer()
    total = fields.Integer()
    open = fields.Integer()
    overdue = fields.Integer()
    closed = fields.Integer()
    closed_on_time = fields.Integer()
