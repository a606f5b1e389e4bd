"""Request and response bodies of monthly subsidies: generation, approval, payment,
reversal and re-issue. Amounts are integers in fen."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.welfare.schemas.common import ID_RANGE, MAX_FEN, Id
from shared.fields import MonthCode
from shared.http import ListArgs, StrictSchema, page_schema

SUBSIDY_STATUSES = ("generated", "approved", "paid", "void")


class GenerateIn(StrictSchema):
    month = MonthCode(required=True)


class GenerateOut(Schema):
    month = fields.String()
    created = fields.Integer(metadata={"description": "new subsidies (0 on a second run)"})
    stationed = fields.Integer(metadata={"description": "trainees stationed in the month"})
    total_fen = fields.Integer(metadata={"description": "sum of the new subsidies"})
    policy_id = fields.Integer()
    to_review = fields.Integer(
        metadata={
            "description": "trainees whose subsidies disagree with their days stationed "
            "(a back-dated move or departure): correct them by re-issue"
        }
    )


class ExpectedEffect(StrictSchema):
    """What the caller confirmed: the batch is acted on only if it is still exactly this
    (else 422 and nothing changes), so a confirmation page never pays more than it said."""

    expected_count = fields.Integer(
        strict=True,
        load_default=None,
        validate=validate.Range(min=0, max=1_000_000),
        metadata={"description": "the number of subsidies the caller confirmed"},
    )
    expected_total_fen = fields.Integer(
        strict=True,
        load_default=None,
        validate=validate.Range(min=-MAX_FEN * 1000, max=MAX_FEN * 1000),
        metadata={"description": "their total in fen, as confirmed"},
    )


class ApproveMonthIn(ExpectedEffect):
    month = MonthCode(required=True)


class PayMonthIn(ExpectedEffect):
    month = MonthCode(required=True)
    town_id = Id(required=True)
    payment_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))


class BatchOut(Schema):
    month = fields.String()
    town_id = fields.Integer()
    count = fields.Integer(metadata={"description": "subsidies approved or paid"})
    total_fen = fields.Integer()


class PayIn(StrictSchema):
    payment_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))


class ReverseIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ReissueIn(StrictSchema):
    days_stationed = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=31),
        metadata={
            "description": "the correct days stationed in the subsidy's town that month "
            "(the amount follows from the policy); omitted: the days the records now give"
        },
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class SubsidyListArgs(ListArgs):
    month = MonthCode()
    status = fields.String(validate=validate.OneOf(SUBSIDY_STATUSES))
    town_id = fields.Integer(validate=ID_RANGE)
    trainee_id = fields.Integer(validate=ID_RANGE)


class SubsidyOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    month = fields.String()
    unit_id = fields.Integer()
    town_id = fields.Integer()
    village_id = fields.Integer()
    days_stationed = fields.Integer()
    days_in_month = fields.Integer()
    amount_fen = fields.Integer()
    policy_id = fields.Integer(allow_none=True)
    status = fields.String()
    reverses_id = fields.Integer(allow_none=True)
    reversed = fields.Boolean(metadata={"description": "a reversal of this subsidy exists"})
    reversal_id = fields.Integer(allow_none=True, metadata={"description": "its reversal"})
    reissues_id = fields.Integer(
        allow_none=True, metadata={"description": "the subsidy this one re-issues (corrects)"}
    )
    reason = fields.String()
    approved_by = fields.String(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    paid_by = fields.String(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    payment_ref = fields.String(allow_none=True)
    created_at = fields.DateTime()


SubsidyPage = page_schema(SubsidyOut, "SubsidyPage")
