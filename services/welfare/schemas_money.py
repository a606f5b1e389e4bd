"""Request and response bodies of money: policies, subsidies, placement fees, the ledger,
budgets. Amounts are integers in fen; the caller never sends an amount the policy fixes."""

from __future__ import annotations

import datetime as dt

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from shared.http import ListArgs, StrictSchema, app_today, page_schema

_ID_RANGE = validate.Range(min=1, max=2_147_483_647)
#: Ten million yuan: far above any subsidy, fee or town budget, far below BIGINT.
_MAX_FEN = 1_000_000_000
MONTH = validate.Regexp(r"^20\d{2}-(0[1-9]|1[0-2])$", error="YYYY-MM, a month from 2000")
SUBSIDY_STATUSES = ("generated", "approved", "paid", "void")
FEE_STATUSES = ("due", "paid")
LEDGER_KINDS = ("subsidy", "subsidy_reversal", "placement_fee")


def Id(**kw) -> fields.Integer:  # noqa: N802 - a field factory reads like a field class
    return fields.Integer(strict=True, validate=_ID_RANGE, **kw)


def Fen(minimum: int = 0, **kw) -> fields.Integer:  # noqa: N802
    """An amount in fen: a JSON integer (not 1.5, 100.0 or "100")."""
    return fields.Integer(
        strict=True,
        validate=validate.Range(min=minimum, max=_MAX_FEN),
        metadata={"description": "integer fen (1 yuan = 100 fen)"},
        **kw,
    )


def _plausible(value: dt.date | None) -> None:
    if value is None:
        return
    if value < dt.date(2000, 1, 1):
        raise ValidationError("before 2000")
    if value > app_today() + dt.timedelta(days=3 * 366):
        raise ValidationError("more than three years ahead")


# -- policy ------------------------------------------------------------------------------


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
        _plausible(value)
        if value.day != 1:
            raise ValidationError("a policy applies from the first day of a month")


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


# -- subsidies ---------------------------------------------------------------------------


class GenerateIn(StrictSchema):
    month = fields.String(required=True, validate=MONTH)


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
        validate=validate.Range(min=-_MAX_FEN * 1000, max=_MAX_FEN * 1000),
        metadata={"description": "their total in fen, as confirmed"},
    )


class ApproveMonthIn(ExpectedEffect):
    month = fields.String(required=True, validate=MONTH)


class PayMonthIn(ExpectedEffect):
    month = fields.String(required=True, validate=MONTH)
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
    month = fields.String(validate=MONTH)
    status = fields.String(validate=validate.OneOf(SUBSIDY_STATUSES))
    town_id = fields.Integer(validate=_ID_RANGE)
    trainee_id = fields.Integer(validate=_ID_RANGE)


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


# -- placement fees ----------------------------------------------------------------------


class FeePayIn(StrictSchema):
    payment_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    paid_on = fields.Date(required=True)

    @validates("paid_on")
    def _paid_on(self, value, **_kw) -> None:
        _plausible(value)


class FeeListArgs(ListArgs):
    status = fields.String(validate=validate.OneOf(FEE_STATUSES))
    town_id = fields.Integer(validate=_ID_RANGE)
    trainee_id = fields.Integer(validate=_ID_RANGE)


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


# -- ledger and budgets ------------------------------------------------------------------


class LedgerListArgs(ListArgs):
    trainee_id = fields.Integer(validate=_ID_RANGE)
    town_id = fields.Integer(validate=_ID_RANGE)
    kind = fields.String(validate=validate.OneOf(LEDGER_KINDS))


class LedgerOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    town_id = fields.Integer()
    kind = fields.String()
    amount_fen = fields.Integer()
    source_type = fields.String()
    source_id = fields.Integer()
    reference = fields.String()
    reason = fields.String()
    booked_on = fields.Date()
    actor = fields.String()
    at = fields.DateTime()


LedgerPage = page_schema(LedgerOut, "LedgerPage")


class BalanceArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    trainee_id = fields.Integer(validate=_ID_RANGE)
    town_id = fields.Integer(validate=_ID_RANGE)


class BalanceOut(Schema):
    trainee_id = fields.Integer(allow_none=True)
    town_id = fields.Integer(allow_none=True)
    balance_fen = fields.Integer()
    entries = fields.Integer()


class BudgetIn(StrictSchema):
    amount_fen = Fen(required=True)


class FundUseArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class FundUseOut(Schema):
    town_id = fields.Integer()
    town_name = fields.String()
    year = fields.Integer()
    budget_fen = fields.Integer(allow_none=True)
    used_fen = fields.Integer()
    remaining_fen = fields.Integer(allow_none=True)


class FundUseCity(Schema):
    year = fields.Integer()
    towns = fields.List(fields.Nested(FundUseOut))
    budget_fen = fields.Integer()
    used_fen = fields.Integer()
    remaining_fen = fields.Integer()


class MoneyAuditOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    entity = fields.String()
    entity_id = fields.Integer()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
