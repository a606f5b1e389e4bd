"""Roster's bodies: people (cadres) and their positions."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.roster.schemas.common import GENDER, SEARCH, Email, Name, Phone, Text
from shared import fields as clean
from shared.events.catalogue import POSITION_KINDS
from shared.http import ListArgs, StrictSchema, app_today, page_schema
from shared.observability import mask_id_number, mask_phone


class PositionIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(POSITION_KINDS))
    title = Text(100, load_default="")
    unit_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    town_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    village_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    start_date = fields.Date(load_default=None, allow_none=True)
    end_date = fields.Date(load_default=None, allow_none=True)


class PositionOut(Schema):
    kind = fields.String()
    title = fields.String()
    unit_id = fields.Integer(allow_none=True)
    town_id = fields.Integer(allow_none=True)
    village_id = fields.Integer(allow_none=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    active = fields.Method("_active")

    def _active(self, obj) -> bool:
        return obj.end_date is None or obj.end_date >= app_today()


class PersonIn(StrictSchema):
    name = Name(required=True)
    gender = clean.Text(load_default=None, allow_none=True, validate=GENDER)
    id_number = clean.IdNumber(load_default=None, allow_none=True)
    phone = Phone()
    email = Email()
    positions = fields.List(
        fields.Nested(PositionIn), load_default=list, validate=validate.Length(max=20)
    )


class PersonPatch(PersonIn):
    """Any subset of the fields; absent ones stay as they are. Partial at the top level
    only: a position given is a whole position (``partial=True`` reached into the nested
    positions, and a position without its ``kind`` was a 500)."""

    def __init__(self, **kwargs):
        super().__init__(partial=tuple(PersonIn._declared_fields), **kwargs)


class PersonOut(Schema):
    id = fields.Integer()
    name = fields.String()
    gender = fields.String(allow_none=True)
    id_number = fields.Function(lambda p: mask_id_number(p.id_number))
    phone = fields.Function(lambda p: mask_phone(p.phone))
    email = fields.String(allow_none=True)
    positions = fields.List(fields.Nested(PositionOut))


class PersonListArgs(ListArgs):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": SEARCH})
    kind = fields.String(validate=validate.OneOf(POSITION_KINDS))
    unit_id = fields.Integer()
    town_id = fields.Integer()
    village_id = fields.Integer()


PersonPage = page_schema(PersonOut, "PersonPage")
