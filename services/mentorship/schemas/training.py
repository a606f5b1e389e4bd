"""Request and response bodies of training and study events, their attendance and the
trainees' training hours; the field helpers key projects and showcases share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from shared.events.catalogue import TRAINING_KINDS
from shared.http import ListArgs, StrictSchema, app_today, page_schema
from shared.normalize import message

ID = validate.Range(min=1, max=2_147_483_647)
TEXT_MAX = 4000


def Id(**kw):  # noqa: N802 - a field factory reads like a field class
    """A database id in a body: an integer (not a string), positive, within INTEGER."""
    return fields.Integer(strict=True, validate=ID, **kw)


def Ids(max_len: int, **kw):  # noqa: N802
    """A bounded list of ids."""
    return fields.List(Id(), validate=validate.Length(max=max_len), **kw)


def plausible(value: dt.date) -> None:
    """A date from 2000 up to a year ahead."""
    if not dt.date(2000, 1, 1) <= value <= app_today() + dt.timedelta(days=366):
        raise ValidationError(
            message("应在 2000 年之后、一年之内", "not between 2000 and a year ahead")
        )


def not_blank(value: str) -> None:
    """Not only spaces."""
    if not value.strip():
        raise ValidationError(message("不能为空", "must not be blank"))


def Title(**kw):  # noqa: N802
    """A title or name: 1 to 200 characters, not only spaces."""
    return fields.String(validate=[validate.Length(min=1, max=200), not_blank], **kw)


# -- training and study ------------------------------------------------------------------


class InviteIn(StrictSchema):
    """Whom to invite: active trainees matching any of these, within the caller's scope."""

    town_ids = Ids(200, load_default=list)
    unit_ids = Ids(500, load_default=list)
    cohorts = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=2000, max=2100)),
        load_default=list,
        validate=validate.Length(max=50),
    )
    trainee_ids = Ids(5000, load_default=list)

    @validates_schema
    def _someone(self, data: dict, **_kw) -> None:
        if not any(data.get(key) for key in ("town_ids", "unit_ids", "cohorts", "trainee_ids")):
            raise ValidationError(
                message(
                    "请选择要邀请的镇（街）、单位、届别或选调生",
                    "name towns, units, cohorts or trainees to invite",
                )
            )


class TrainingEventIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(TRAINING_KINDS))
    title = Title(required=True)
    date = fields.Date(required=True, validate=plausible)
    hours = fields.Decimal(
        required=True,
        as_string=True,
        validate=validate.Range(min=0, max=24, min_inclusive=False),
        metadata={"description": 'more than 0, at most 24, one decimal place (e.g. "2.5")'},
    )
    organiser = fields.String(load_default="", validate=validate.Length(max=100))
    description = fields.String(load_default="", validate=validate.Length(max=TEXT_MAX))
    invite = fields.Nested(InviteIn, required=True)

    @validates("hours")
    def _one_decimal_place(self, value: Decimal, **_kw) -> None:
        if value != value.quantize(Decimal("0.1")):
            raise ValidationError(message("最多保留一位小数", "at most one decimal place"))


class TrainingEventPatch(StrictSchema):
    """What may change of an event (its invitations stay)."""

    kind = fields.String(validate=validate.OneOf(TRAINING_KINDS))
    title = Title()
    date = fields.Date(validate=plausible)
    hours = fields.Decimal(
        as_string=True,
        validate=validate.Range(min=0, max=24, min_inclusive=False),
        metadata={"description": 'more than 0, at most 24, one decimal place (e.g. "2.5")'},
    )
    organiser = fields.String(validate=validate.Length(max=100))
    description = fields.String(validate=validate.Length(max=TEXT_MAX))

    @validates("hours")
    def _one_decimal_place(self, value: Decimal, **_kw) -> None:
        if value != value.quantize(Decimal("0.1")):
            raise ValidationError(message("最多保留一位小数", "at most one decimal place"))


class TrainingEventOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    date = fields.Date()
    hours = fields.Decimal(as_string=True)
    organiser = fields.String()
    description = fields.String()
    invited = fields.Integer(metadata={"description": "invited trainees in your scope"})
    attended = fields.Integer(metadata={"description": "of whom attended"})
    created_at = fields.DateTime()


class AttendanceOut(Schema):
    trainee_id = fields.Integer()
    name = fields.String()
    attended = fields.Boolean()
    recorded_at = fields.DateTime(allow_none=True)


class TrainingEventDetailOut(TrainingEventOut):
    attendance = fields.List(fields.Nested(AttendanceOut))


class TrainingEventListArgs(ListArgs):
    kind = fields.String(validate=validate.OneOf(TRAINING_KINDS))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    trainee_id = fields.Integer(validate=ID)


TrainingEventPage = page_schema(TrainingEventOut, "TrainingEventPage")


class AttendanceIn(StrictSchema):
    trainee_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=5000))
    attended = fields.Boolean(
        required=True,
        validate=validate.Equal(
            True, error=message("只能登记出席", "only attendance can be recorded")
        ),
        metadata={"description": "true: attendance, once announced, is not withdrawn"},
    )


class AttendanceResultOut(Schema):
    event_id = fields.Integer()
    marked = fields.List(fields.Integer(), metadata={"description": "newly marked attended"})
    already = fields.List(fields.Integer(), metadata={"description": "marked before"})


class TrainingHoursArgs(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class TrainingHoursOut(Schema):
    trainee_id = fields.Integer()
    year = fields.Integer()
    hours = fields.Decimal(as_string=True)
    events = fields.Integer(metadata={"description": "events attended"})
