"""Request and response bodies of evaluations and mentor ratings."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.reporting.models import EVALUATION_KINDS, EVALUATION_STATUSES, GRADES
from shared.fields import Text
from shared.http import ListArgs, StrictSchema, page_schema

GRADE_HELP = "excellent (优秀), competent (称职), basic (基本称职), incompetent (不称职)"
KIND_HELP = "annual (年度考核) or final (期满鉴定, the year the placement ends)"
_YEAR = validate.Range(min=2000, max=9999)


def Prose(**kw):  # noqa: N802 - a field factory reads like a field class
    """Multi-line text of an evaluation, up to 4,000 characters."""
    return Text(multiline=True, validate=validate.Length(max=4000), **kw)


class EvaluationIn(StrictSchema):
    trainee_id = fields.Integer(strict=True, required=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(EVALUATION_KINDS),
        metadata={"description": KIND_HELP},
    )
    year = fields.Integer(strict=True, required=True, validate=_YEAR)
    grade = fields.String(
        validate=validate.OneOf(GRADES), allow_none=True, metadata={"description": GRADE_HELP}
    )
    summary = Prose(metadata={"description": "鉴定意见: the appraisal"})
    strengths = Prose(metadata={"description": "主要优点"})
    improvements = Prose(metadata={"description": "不足和努力方向"})


class EvaluationUpdateIn(StrictSchema):
    grade = fields.String(
        validate=validate.OneOf(GRADES), allow_none=True, metadata={"description": GRADE_HELP}
    )
    summary = Prose()
    strengths = Prose()
    improvements = Prose()
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class OpinionIn(StrictSchema):
    opinion = Text(
        multiline=True, blank=False, required=True, validate=validate.Length(min=1, max=2000)
    )


class VersionIn(StrictSchema):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class EvaluationReturnIn(VersionIn):
    reason = Text(multiline=True, blank=False, required=True, validate=validate.Length(max=1000))


class EvaluationApproveIn(VersionIn):
    grade = fields.String(
        validate=validate.OneOf(GRADES),
        metadata={"description": "the city only: a different grade, with a note"},
    )
    note = Text(multiline=True, load_default="", validate=validate.Length(max=1000))


class OpinionOut(Schema):
    mentor_id = fields.Integer()
    mentor_role = fields.String()
    opinion = fields.String()
    updated_at = fields.DateTime()


class EvaluationOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    kind = fields.String()
    year = fields.Integer()
    author_id = fields.Integer()
    grade = fields.String(allow_none=True)
    proposed_grade = fields.String(
        allow_none=True, metadata={"description": "the author's grade at the last submission"}
    )
    regrade_note = fields.String()
    summary = fields.String()
    strengths = fields.String()
    improvements = fields.String()
    status = fields.String()
    step = fields.String(allow_none=True)
    chain = fields.Function(lambda e: e.chain.split(",") if e.chain else [])
    returned_reason = fields.String()
    submitted_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    version = fields.Integer()
    opinions = fields.List(fields.Nested(OpinionOut))


class EvaluationListArgs(ListArgs):
    kind = fields.String(validate=validate.OneOf(EVALUATION_KINDS))
    year = fields.Integer(validate=_YEAR)
    status = fields.String(validate=validate.OneOf(EVALUATION_STATUSES))
    grade = fields.String(validate=validate.OneOf(GRADES))
    trainee_id = fields.Integer()
    town_id = fields.Integer()
    unit_id = fields.Integer()
    awaiting_me = fields.Boolean(
        metadata={"description": "those awaiting the caller's review step"}
    )


EvaluationPage = page_schema(EvaluationOut, "EvaluationPage")


class QuotaArgs(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(EVALUATION_KINDS))
    year = fields.Integer(required=True, validate=_YEAR)


class QuotaOut(Schema):
    kind = fields.String()
    year = fields.Integer()
    share = fields.Float(metadata={"description": "EVALUATION_EXCELLENT_QUOTA"})
    evaluated = fields.Integer()
    allowed = fields.Integer(metadata={"description": "优秀 at most"})
    used = fields.Integer(metadata={"description": "优秀 submitted or approved"})


class RatingIn(StrictSchema):
    mentor_id = fields.Integer(strict=True, required=True)
    year = fields.Integer(strict=True, required=True, validate=_YEAR)
    score = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1, max=5),
        metadata={"description": "1 (poor) to 5 (excellent)"},
    )
    comment = Text(multiline=True, load_default="", validate=validate.Length(max=1000))


class RatingOut(Schema):
    id = fields.Integer()
    mentor_id = fields.Integer()
    mentor_role = fields.String()
    year = fields.Integer()
    score = fields.Integer()
    comment = fields.String()
    created_at = fields.DateTime()


class RatingListArgs(ListArgs):
    year = fields.Integer(validate=_YEAR)


RatingPage = page_schema(RatingOut, "RatingPage")


class RatingSummaryArgs(ListArgs):
    year = fields.Integer(required=True, validate=_YEAR)


class RatingSumOut(Schema):
    mentor_id = fields.Integer()
    mentor_name = fields.String()
    shown = fields.Boolean(
        metadata={"description": "false: too few ratings to show without naming the raters"}
    )
    count = fields.Integer(allow_none=True)
    average = fields.Float(allow_none=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)
    comments = fields.List(fields.String(), allow_none=True)


RatingSummaryPage = page_schema(RatingSumOut, "RatingSummaryPage")


class MyMentorOut(Schema):
    mentor_id = fields.Integer()
    mentor_name = fields.String()
    role = fields.String()
    rated = fields.Boolean(metadata={"description": "rated for the year already"})


class MyMentorsArgs(Schema):
    year = fields.Integer(required=True, validate=_YEAR)
