"""Arguments and answers of the dashboards."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.reporting.schemas.common import _ID, ExportArgs
from shared.fields import Month
from shared.http import ListArgs, page_schema


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
