"""Request and response bodies of the subsidy policy. Amounts are integers in fen; the
caller never sends an amount the policy fixes."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from services.welfare.schemas.common import Fen, plausible
from shared.http import StrictSchema, page_schema
from shared.normalize import message


class PolicyIn(StrictSchema):
    effective_from = fields.Date(
        required=True, metadata={"description": "the first day of the month it applies from"}
    )
    monthly_amount_fen = Fen(required=True)
    placement_fee_fen = Fen(required=True)
    fee_due_days = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=365),
        metadata={
            "description": "days to pay the placement fee from the placement's start, moved "
            "to the next working day (default PLACEMENT_FEE_DUE_DAYS)"
        },
    )
    note = fields.String(load_default="", validate=validate.Length(max=200))

    @validates("effective_from")
    def _first_of_month(self, value, **_kw) -> None:
        plausible(value)
        if value.day != 1:
            raise ValidationError(
                message(
                    "补贴标准应从某月 1 日起生效", "a policy applies from the first day of a month"
                )
            )


class PolicyOut(Schema):
    id = fields.Integer()
    effective_from = fields.Date()
    monthly_amount_fen = fields.Integer()
    placement_fee_fen = fields.Integer()
    fee_due_days = fields.Integer()
    note = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()


PolicyPage = page_schema(PolicyOut, "PolicyPage")
