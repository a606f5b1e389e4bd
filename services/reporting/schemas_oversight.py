"""Bodies and answers of the duty list, supervision, dashboards and assessment."""

from __future__ import annotations

import datetime as dt
import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from services.reporting.domain.assessment import INDICATORS
from services.reporting.domain.supervision import VISIT_KINDS
from services.reporting.models_oversight import OWNER_KINDS, PARTY_KINDS
from shared import fields as clean
from shared.http import ListArgs, StrictSchema, page_schema

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
TEXT_MAX = 4000


class Month(fields.Field):
    """A calendar month written ``YYYY-MM``, loaded as the date of its first day."""

    default_error_messages = {"invalid": "a month as YYYY-MM"}

    def _deserialize(self, value, attr, data, **kwargs) -> dt.date:
        match = _MONTH.match(value) if isinstance(value, str) else None
        if match is None:
            raise self.make_error("invalid")
        if int(match.group(1)) < 2000:
            raise ValidationError("before 2000")
        return dt.date(int(match.group(1)), int(match.group(2)), 1)

    def _serialize(self, value, attr, obj, **kwargs) -> str | None:
        return None if value is None else f"{value.year:04d}-{value.month:02d}"


def _text(max_len: int = TEXT_MAX, **kw) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len), **kw)


def _required_text(max_len: int = TEXT_MAX) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=max_len))


_ID = {"validate": validate.Range(min=1, max=2**31 - 1)}
_YEAR = validate.Range(min=2000, max=2100)


def _after_2000(day: dt.date) -> None:
    if day.year < 2000:
        raise ValidationError("before 2000")


_DATE = {"validate": _after_2000}


class ExportArgs(Schema):
    """``format`` and ``lang`` of a list or figure that downloads."""

    class Meta:
        unknown = EXCLUDE

    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))
    lang = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"]))


# -- duty list -----------------------------------------------------------------------------


class DutyItemIn(StrictSchema):
    year = fields.Integer(required=True, strict=True, validate=_YEAR)
    party_kind = fields.String(required=True, validate=validate.OneOf(PARTY_KINDS))
    party_id = fields.Integer(required=True, strict=True, **_ID)
    title = _required_text(200)
    description = _text(load_default="")
    due_date = fields.Date(required=True, **_DATE)


class DutyItemRow(Schema):
    """One row of an imported sheet (values as the sheet gives them)."""

    class Meta:
        unknown = EXCLUDE

    year = fields.Integer(required=True, validate=_YEAR)
    party_kind = fields.String(required=True, validate=validate.OneOf(PARTY_KINDS))
    party_id = fields.Integer(required=True, **_ID)
    # Read as clerks type them (shared.normalize): trimmed, NFKC, no control characters.
    title = clean.Text(required=True, blank=False, validate=validate.Length(min=1, max=200))
    description = clean.Text(
        multiline=True, load_default="", validate=validate.Length(max=TEXT_MAX)
    )
    due_date = fields.Date(required=True, **_DATE)


class DutyProgressIn(StrictSchema):
    percent = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))
    evidence = _required_text()


class DutyProgressOut(Schema):
    id = fields.Integer()
    percent = fields.Integer()
    evidence = fields.String()
    reported_on = fields.Date()
    by = fields.String()
    at = fields.DateTime()


class DutyItemOut(Schema):
    id = fields.Integer()
    year = fields.Integer()
    party_kind = fields.String()
    party_id = fields.Integer()
    town_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    title = fields.String()
    description = fields.String()
    due_date = fields.Date()
    percent = fields.Integer()
    completed_on = fields.Date(allow_none=True)
    progress = fields.List(fields.Nested(DutyProgressOut))


DutyItemPage = page_schema(DutyItemOut, "DutyItemPage")


class DutyListArgs(ListArgs, ExportArgs):
    year = fields.Integer(validate=_YEAR)
    party_kind = fields.String(validate=validate.OneOf(PARTY_KINDS))
    party_id = fields.Integer(**_ID)
    completed = fields.Boolean()


class CompletionArgs(ExportArgs):
    year = fields.Integer(required=True, validate=_YEAR)
    party_kind = fields.String(validate=validate.OneOf(PARTY_KINDS))


class CompletionOut(Schema):
    party_kind = fields.String()
    party_id = fields.Integer()
    party_name = fields.String()
    items = fields.Integer()
    completed = fields.Integer()
    completed_on_time = fields.Integer()
    average_percent = fields.Decimal(as_string=True)
    rate = fields.Decimal(as_string=True, allow_none=True)


class ImportArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    dry_run = fields.Boolean(load_default=False)


class RowError(Schema):
    row = fields.Integer()
    errors = fields.Dict()


class SkippedRow(Schema):
    row = fields.Integer()
    reason = fields.String()


class ImportReportOut(Schema):
    rows = fields.Integer(metadata={"description": "data rows read (skipped rows not counted)"})
    imported = fields.Integer()
    dry_run = fields.Boolean()
    errors = fields.List(fields.Nested(RowError))
    ids = fields.List(fields.Integer())
    header_row = fields.Integer(metadata={"description": "the row the header was found in"})
    columns = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "field -> the column's header as the file writes it"},
    )
    skipped = fields.List(
        fields.Nested(SkippedRow),
        metadata={"description": "title rows, total rows, notes, the example row left in"},
    )


# -- supervision ---------------------------------------------------------------------------


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


# -- dashboards ----------------------------------------------------------------------------


class DashboardArgs(ExportArgs):
    month = Month(metadata={"description": "YYYY-MM; default: this month in the city"})
    town_id = fields.Integer(**_ID)
    unit_id = fields.Integer(**_ID)


class MissingArgs(ListArgs, DashboardArgs):
    state = fields.String(
        validate=validate.OneOf(["missing", "returned", "not_due"]),
        metadata={
            "description": "missing (deadline passed, not submitted), returned, or not_due "
            "(not submitted, deadline not yet passed); default: missing and returned"
        },
    )


class MissingRowOut(Schema):
    trainee_id = fields.Integer()
    trainee_name = fields.String()
    unit_id = fields.Integer()
    unit_name = fields.String(allow_none=True)
    town_id = fields.Integer(allow_none=True)
    town_name = fields.String(allow_none=True)
    village_id = fields.Integer(allow_none=True)
    village_name = fields.String(allow_none=True)
    kind = fields.String()
    period = fields.String()
    deadline = fields.Date()
    state = fields.String()
    report_id = fields.Integer(allow_none=True)
    returned_reason = fields.String(allow_none=True)


MissingPage = page_schema(MissingRowOut, "MissingPage")


class FormCountsOut(Schema):
    owed = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    returned = fields.Integer()
    missing = fields.Integer()
    not_due = fields.Integer()
    approved = fields.Integer()


class DashboardOut(Schema):
    month = fields.String()
    town_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    periods = fields.List(fields.Dict())
    forms = fields.Dict(keys=fields.String(), values=fields.Nested(FormCountsOut))
    trainees = fields.Dict(keys=fields.String(), values=fields.Integer())
    timeliness = fields.Dict()
    talks = fields.Dict()
    coverage = fields.Dict()
    care = fields.Dict()


class TraineeMonthOut(Schema):
    trainee_id = fields.Integer()
    name = fields.String()
    unit_id = fields.Integer()
    town_id = fields.Integer(allow_none=True)
    village_id = fields.Integer(allow_none=True)
    month = fields.String()
    forms = fields.List(fields.Dict())
    mentor_roles = fields.List(fields.String())
    missing_roles = fields.List(fields.String())
    talks = fields.Integer()
    visits = fields.Integer()
    fees_paid = fields.Integer()
    fees_on_time = fields.Integer()
    needs_resolved = fields.Integer()


# -- assessment ----------------------------------------------------------------------------

PERIOD = validate.Regexp(r"^\d{4}(-Q[1-4])?$", error="YYYY or YYYY-Qn")


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
