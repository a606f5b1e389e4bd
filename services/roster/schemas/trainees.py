"""Roster's bodies: trainees, placements and status changes."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates

from services.roster.models.trainees import TRAINEE_STATUSES
from services.roster.schemas.common import GENDER, SEARCH, Email, Name, Phone, Text
from shared import fields as clean
from shared.http import ListArgs, StrictSchema, app_today, page_schema
from shared.normalize import message
from shared.observability import mask_id_number, mask_phone


class PlacementIn(StrictSchema):
    village_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    start_date = fields.Date(required=True)
    note = Text(500, load_default="", multiline=True)

    @validates("start_date")
    def _not_far_future(self, value: dt.date, **_kw) -> None:
        if value > app_today() + dt.timedelta(days=366):
            raise ValidationError(message("不能晚于一年之后", "more than a year ahead"))
        if value < dt.date(2000, 1, 1):
            raise ValidationError(message("不能早于 2000 年", "before 2000"))


class TraineeIn(StrictSchema):
    name = Name(required=True)
    gender = clean.Text(load_default=None, allow_none=True, validate=GENDER)
    birth_date = clean.Day(
        load_default=None,
        allow_none=True,
        metadata={"description": "ISO, or as clerks type it: 1996/3/2, 1996.3.2, 1996年3月2日"},
    )
    id_number = clean.IdNumber(load_default=None, allow_none=True)
    phone = Phone()
    email = Email()
    education = Text(32, load_default=None, allow_none=True)
    school = Text(100, load_default=None, allow_none=True)
    major = Text(100, load_default=None, allow_none=True)
    cohort = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    unit_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    placement = fields.Nested(PlacementIn, load_default=None, allow_none=True)

    @validates("birth_date")
    def _plausible_birth(self, value: dt.date | None, **_kw) -> None:
        if value is not None and not (dt.date(1950, 1, 1) <= value <= app_today()):
            raise ValidationError(
                message("出生日期不合理（1950年至今）", "not a plausible birth date")
            )


class TraineePatch(TraineeIn):
    """Any subset of the profile; placements change through their own endpoint."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, exclude=("placement",), **kwargs)


class PlacementOut(Schema):
    id = fields.Integer()
    village_id = fields.Integer()
    town_id = fields.Integer()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    is_current = fields.Boolean()
    note = fields.String()


class TraineeOut(Schema):
    id = fields.Integer()
    name = fields.String()
    gender = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    id_number = fields.Function(lambda t: mask_id_number(t.id_number))
    phone = fields.Function(lambda t: mask_phone(t.phone))
    email = fields.String(allow_none=True)
    education = fields.String(allow_none=True)
    school = fields.String(allow_none=True)
    major = fields.String(allow_none=True)
    cohort = fields.Integer()
    unit_id = fields.Integer()
    status = fields.String()
    town_id = fields.Integer(allow_none=True)
    village_id = fields.Integer(allow_none=True)
    version = fields.Integer()


class TraineeDetailOut(TraineeOut):
    placements = fields.List(fields.Nested(PlacementOut))


class TraineeListArgs(ListArgs):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": SEARCH})
    status = fields.String(validate=validate.OneOf(TRAINEE_STATUSES))
    unit_id = fields.Integer()
    town_id = fields.Integer()
    village_id = fields.Integer()
    cohort = fields.Integer()


TraineePage = page_schema(TraineeOut, "TraineePage")


class StatusChangeIn(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(["completed", "withdrawn"]))
    effective_date = fields.Date(
        required=True,
        metadata={"description": "the first day no longer in training (may be in the past)"},
    )
    reason = Text(500, load_default="", multiline=True)


class StatusChangeOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    from_status = fields.String()
    to_status = fields.String()
    effective_date = fields.Date()
    reason = fields.String()
    changed_by = fields.String()
