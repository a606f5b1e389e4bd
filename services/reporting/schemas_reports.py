"""Request and response bodies of periods, the calendar, obligations and reports."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from shared.events.catalogue import REPORT_KINDS
from shared.http import ListArgs, StrictSchema, page_schema

TEXT_MAX = 4000
PERIOD_CODE = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$", error="YYYY-MM or YYYY-Qn")
STATUSES = ("draft", "submitted", "returned", "approved")


def Text(**kw):  # noqa: N802 - a field factory reads like a field class
    """Free text of a form, up to 4,000 characters."""
    return fields.String(validate=validate.Length(max=TEXT_MAX), **kw)


# -- periods and the calendar -----------------------------------------------------------------


class PeriodIn(StrictSchema):
    code = fields.String(
        required=True,
        validate=PERIOD_CODE,
        metadata={"description": "YYYY-MM (a month) or YYYY-Qn (a quarter)"},
    )


class ExtensionIn(StrictSchema):
    deadline = fields.Date(required=True, metadata={"description": "the new deadline"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))

    @validates_schema
    def _reason_not_blank(self, data, **_kw):
        if not data.get("reason", "x").strip():
            raise ValidationError({"reason": ["say why the deadline moves"]})


class PeriodOut(Schema):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    policy_deadline = fields.Date(
        metadata={"description": "the policy's day, before moving to a working day"}
    )
    deadline = fields.Date(metadata={"description": "the deadline in force"})
    due_soon_on = fields.Date()
    extended_to = fields.Date(allow_none=True)
    extension_reason = fields.String()
    opened_at = fields.DateTime()


class PeriodListArgs(ListArgs):
    kind = fields.String(validate=validate.OneOf(["month", "quarter"]))
    year = fields.Integer(validate=validate.Range(min=2000, max=9999))


PeriodPage = page_schema(PeriodOut, "PeriodPage")


KIND_HELP = "holiday (放假) or workday (调休上班: a Saturday or Sunday worked)"
DATE_HELP = "2027-02-06; also 2027/2/6, 2027.2.6, 2027年2月6日, full-width digits"


class CalendarDayIn(StrictSchema):
    kind = fields.String(
        required=True, validate=validate.Length(min=1, max=20), metadata={"description": KIND_HELP}
    )
    name = fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": "e.g. 春节, 春节调休上班"},
    )
    source = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "where the day comes from, e.g. the State Council's notice"},
    )


class CalendarDayOut(Schema):
    day = fields.Date()
    weekday = fields.Function(
        lambda row: row.day.isoweekday(), metadata={"description": "1 Monday … 7 Sunday"}
    )
    kind = fields.String(metadata={"description": KIND_HELP})
    name = fields.String()
    source = fields.String()
    provisional = fields.Boolean(
        metadata={"description": "a statutory day shipped before the State Council's notice"}
    )
    updated_by = fields.String()
    updated_at = fields.DateTime()


class CalendarArgs(ListArgs):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    kind = fields.String(validate=validate.OneOf(["holiday", "workday"]))


CalendarPage = page_schema(CalendarDayOut, "CalendarPage")


class CalendarEntryIn(StrictSchema):
    date = fields.String(
        required=True, validate=validate.Length(min=1, max=40), metadata={"description": DATE_HELP}
    )
    kind = fields.String(
        required=True, validate=validate.Length(min=1, max=20), metadata={"description": KIND_HELP}
    )
    name = fields.String(load_default="", validate=validate.Length(max=100))
    source = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "this day's source (default: the year's)"},
    )


class CalendarYearIn(StrictSchema):
    days = fields.List(
        fields.Nested(CalendarEntryIn),
        required=True,
        validate=validate.Length(max=366),
        metadata={
            "description": "every listed day of the year; the year's other days are "
            "unlisted (Monday–Friday working, weekends off)"
        },
    )
    source = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "e.g. 国务院办公厅关于2027年部分节假日安排的通知"},
    )
    provisional = fields.Boolean(load_default=False)


class CalendarLoadArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    dry_run = fields.Boolean(load_default=False, metadata={"description": "check only"})


class DeadlineMoveOut(Schema):
    period = fields.String()
    before = fields.Date()
    after = fields.Date()


class CalendarLoadOut(Schema):
    year = fields.Integer()
    holidays = fields.Integer()
    workdays = fields.Integer()
    dry_run = fields.Boolean()
    moved = fields.List(
        fields.Nested(DeadlineMoveOut),
        metadata={"description": "the open periods' deadlines the new calendar moves"},
    )


class CalendarRowError(Schema):
    row = fields.Integer()
    errors = fields.Dict()


class CalendarSkippedRow(Schema):
    row = fields.Integer()
    reason = fields.String()


class CalendarImportOut(Schema):
    rows = fields.Integer()
    errors = fields.List(fields.Nested(CalendarRowError))
    skipped = fields.List(
        fields.Nested(CalendarSkippedRow),
        metadata={"description": "title rows above the header, total rows, notes"},
    )


# -- the forms --------------------------------------------------------------------------------


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
        raise ValidationError({"content": ["an object"]})
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
            raise ValidationError({"reason": ["say what to change"]})


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
