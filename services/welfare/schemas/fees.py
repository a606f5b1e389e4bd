"""Request and response bodies of the one-time placement fee. Amounts are integers in
fen; the amount is the policy's, never the caller's."""

from __future__ import annotations

from marshmallow import Schema, fields, validate, validates

from services.welfare.schemas.common import ID_RANGE, plausible
from shared.http import ListArgs, StrictSchema, page_schema

FEE_STATUSES = ("due", "paid")


class FeePayIn(StrictSchema):
    payment_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    paid_on = fields.Date(required=True)

    @validates("paid_on")
    def _paid_on(self, value, **_kw) -> None:
        plausible(value)


class FeeListArgs(ListArgs):
    status = fields.String(validate=validate.OneOf(FEE_STATUSES))
    town_id = fields.Integer(validate=ID_RANGE)
    trainee_id = fields.Integer(validate=ID_RANGE)


class FeeOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    unit_id = fields.Integer()
    town_id = fields.Integer()
    village_id = fields.Integer()
    placement_start = fields.Date()
    amount_fen = fields.Integer(
        allow_none=True, metadata={"description": "null while no policy covers the start"}
    )
    policy_id = fields.Integer(allow_none=True)
    due_on = fields.Date()
    status = fields.String()
    overdue = fields.Boolean()
    paid_on = fields.Date(allow_none=True)
    payment_ref = fields.String(allow_none=True)
    paid_by = fields.String(allow_none=True)


FeePage = page_schema(FeeOut, "FeePage")
