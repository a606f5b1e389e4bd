"""Request and response bodies of obligations and reports."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.reporting.schemas.periods import PERIOD_CODE
from shared.events.catalogue import REPORT_KINDS
from shared.http import ListArgs, StrictSchema, page_schema
from shared.normalize import message

TEXT_MAX = 4000
STATUSES = ("draft", "submitted", "returned", "approved")


def Text(**kw):  # noqa: N802 - a field factory reads like a field class
    """Free text of a form, up to 4,000 characters."""
    return fields.String(validate=validate.Length(max=TEXT_MAX), **kw)


class EffectivenessContent(StrictSchema):
    """基层锻炼工作成效表."""

    work_done = Text(metadata={"description": "work done this month"})
    days_in_village = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=31),
        metadata={"description": "days stationed in the village (not more than the month)"},
    )
    key_projects = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        validate=validate.Length(max=20),
        metadata={"description": "key projects joined (中心工作/重点项目)"},
    )
    results = Text()
    problems = Text()
    next_month_plan = Text()


class MentoringContent(StrictSchema):
    """导师制落实情况（谈心谈话）表: the talks are filled in from mentorship's records."""

    account = Text(metadata={"description": "the trainee's own account of the month"})


class QuarterlyContent(StrictSchema):
    """一季一报."""

    summary = Text()
    achievements = Text()
    problems = Text()
    plan = Text()


CONTENT = {
    "effectiveness": EffectivenessContent(),
    "mentoring": MentoringContent(),
    "quarterly": QuarterlyContent(),
}


def load_content(kind: str | None, raw) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValidationError({"content": [message("应为对象", "an object")]})
    schema = CONTENT.get(kind)
    if schema is None:
        return {}
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise ValidationError({"content": exc.messages}) from None


class ReportIn(StrictSchema):
    period = fields.String(required=True, validate=PERIOD_CODE)
    kind = fields.String(required=True, validate=validate.OneOf(REPORT_KINDS))
    content = fields.Raw(
        load_default=dict,
        metadata={
            "description": "the form's fields: effectiveness (work_done, days_in_village, "
            "key_projects, results, problems, next_month_plan); mentoring (account); "
            "quarterly (summary, achievements, problems, plan)"
        },
    )
    submit = fields.Boolean(
        load_default=False, metadata={"description": "submit at once (one request per form)"}
    )

    @validates_schema
    def _content(self, data, **_kw):
        data["content"] = load_content(data.get("kind"), data.get("content"))


class ReportUpdateIn(StrictSchema):
    content = fields.Raw(required=True)
    version = fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "the version read (or send If-Match); a stale one is a 409"},
    )


class SubmitIn(StrictSchema):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class ReturnIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    version = fields.Integer(strict=True, validate=validate.Range(min=1))

    @validates_schema
    def _reason_not_blank(self, data, **_kw):
        if not data.get("reason", "x").strip():
            raise ValidationError(
                {"reason": [message("请说明需要修改的地方", "say what to change")]}
            )


class ApproveIn(StrictSchema):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class ReportOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    period = fields.Function(lambda r: r.period.code)
    deadline = fields.Function(lambda r: r.period.deadline.isoformat())
    kind = fields.String()
    status = fields.String()
    step = fields.String(allow_none=True, metadata={"description": "the review step awaited"})
    chain = fields.Function(lambda r: r.chain.split(",") if r.chain else [])
    content = fields.Dict()
    late = fields.Boolean()
    submissions = fields.Integer()
    first_submitted_at = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    returned_reason = fields.String()
    approved_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class ReportListArgs(ListArgs):
    period = fields.String(validate=PERIOD_CODE)
    kind = fields.String(validate=validate.OneOf(REPORT_KINDS))
    status = fields.String(validate=validate.OneOf(STATUSES))
    step = fields.String(validate=validate.OneOf(["town", "unit", "city"]))
    trainee_id = fields.Integer(validate=validate.Range(min=1))
    town_id = fields.Integer(validate=validate.Range(min=1))
    unit_id = fields.Integer(validate=validate.Range(min=1))
    late = fields.Boolean()
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))
    lang = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"]))


ReportPage = page_schema(ReportOut, "ReportPage")


class AuditOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    role = fields.String()
    action = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class ObligationOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    period = fields.String()
    kind = fields.String()
    deadline = fields.Date()
    report_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "owed (nothing written yet) or the status"})
    late = fields.Boolean(allow_none=True)
    overdue = fields.Boolean(metadata={"description": "not submitted and past the deadline"})


class ObligationListArgs(ListArgs):
    period = fields.String(validate=PERIOD_CODE)
    kind = fields.String(validate=validate.OneOf(REPORT_KINDS))
    trainee_id = fields.Integer(validate=validate.Range(min=1))
    outstanding = fields.Boolean(
        metadata={"description": "only those not yet submitted (true) or submitted (false)"}
    )


ObligationPage = page_schema(ObligationOut, "ObligationPage")
