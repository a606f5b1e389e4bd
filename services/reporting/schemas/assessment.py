"""Bodies and answers of assessment (组织工作考核)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.reporting.domain.assessment import INDICATORS
from services.reporting.models import OWNER_KINDS
from services.reporting.schemas.common import ExportArgs
from shared.http import ListArgs, StrictSchema, page_schema
from shared.normalize import message

PERIOD = validate.Regexp(
    r"^\d{4}(-Q[1-4])?$", error=message("应为 YYYY 或 YYYY-Qn", "YYYY or YYYY-Qn")
)


class WeightsIn(StrictSchema):
    weights = fields.Dict(
        keys=fields.String(validate=validate.OneOf(INDICATORS)),
        values=fields.Decimal(places=2, allow_nan=False),
        required=True,
    )


class WeightsOut(Schema):
    weights = fields.Dict(keys=fields.String(), values=fields.Decimal(as_string=True))


class AssessmentIn(StrictSchema):
    period = fields.String(required=True, validate=PERIOD)
    party_kind = fields.String(required=True, validate=validate.OneOf(OWNER_KINDS))


class IndicatorOut(Schema):
    indicator = fields.String()
    name = fields.String()
    numerator = fields.Integer()
    denominator = fields.Integer()
    value = fields.String(allow_none=True)
    weight = fields.String()
    points = fields.String()
    lost = fields.String()


class ScoreOut(Schema):
    party_id = fields.Integer()
    party_name = fields.String()
    score = fields.Decimal(as_string=True)
    rank = fields.Integer()
    indicators = fields.List(fields.Nested(IndicatorOut))


class AssessmentOut(Schema):
    id = fields.Integer()
    period = fields.String()
    party_kind = fields.String()
    status = fields.String()
    weights = fields.Dict()
    computed_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    scores = fields.List(fields.Nested(ScoreOut))


class AssessmentSummaryOut(Schema):
    id = fields.Integer()
    period = fields.String()
    party_kind = fields.String()
    status = fields.String()
    computed_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)


AssessmentPage = page_schema(AssessmentSummaryOut, "AssessmentPage")


class AssessmentListArgs(ListArgs):
    period = fields.String(validate=PERIOD)
    party_kind = fields.String(validate=validate.OneOf(OWNER_KINDS))


class AssessmentGetArgs(ExportArgs):
    pass
