"""Request and response bodies of the city's calendar."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from shared.http import ListArgs, RowError, SkippedRow, StrictSchema, page_schema

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


class CalendarImportOut(Schema):
    rows = fields.Integer()
    errors = fields.List(fields.Nested(RowError))
    skipped = fields.List(
        fields.Nested(SkippedRow),
        metadata={"description": "title rows above the header, total rows, notes"},
    )
