"""Request and response bodies of the money ledger, balances, town budgets, fund use and
the money audit trail. Amounts are integers in fen."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from services.welfare.schemas.common import ID_RANGE, Fen
from shared.http import ListArgs, StrictSchema, page_schema

LEDGER_KINDS = ("subsidy", "subsidy_reversal", "placement_fee")


class LedgerListArgs(ListArgs):
    trainee_id = fields.Integer(validate=ID_RANGE)
    town_id = fields.Integer(validate=ID_RANGE)
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

    trainee_id = fields.Integer(validate=ID_RANGE)
    town_id = fields.Integer(validate=ID_RANGE)


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
