"""Roster's bodies: people (cadres) and their positions."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.roster.schemas.common import GENDER, SEARCH, Email, Name, Phone, Text
from shared import fields as clean
from shared.events.catalogue import POSITION_KINDS
from shared.http import ListArgs, StrictSchema, app_today, page_schema
from shared.normalize import message
from shared.observability import mask_id_number, mask_phone
from shared.vocabulary import PLACES

#: Which place a position of each kind names (and no other).
POSITION_PLACE = {
    "unit_leadership": "unit_id",
    "unit_middle_cadre": "unit_id",
    "unit_staff": "unit_id",
    "town_party_deputy": "town_id",
    "town_staff": "town_id",
    "village_party_secretary": "village_id",
}
#: The kinds of position in Chinese, for refusals.
POSITION_NAMES = {
    "unit_leadership": "单位领导班子成员",
    "unit_middle_cadre": "单位中层以上干部",
    "unit_staff": "单位干部",
    "town_party_deputy": "镇党委副书记（分管党建）",
    "town_staff": "镇（街）干部",
    "village_party_secretary": "村党组织书记",
}


class PositionIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(POSITION_KINDS))
    title = Text(100, load_default="")
    unit_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    town_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    village_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    start_date = fields.Date(load_default=None, allow_none=True)
    end_date = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _place_and_dates(self, data, **_kw):
        """A position names the place its kind says (a town's cadre its ``town_id``) and
        no other, and ends no earlier than it starts; whether that place exists is the
        domain's to say."""
        kind = data["kind"]
        field = POSITION_PLACE[kind]
        place = field.removesuffix("_id")
        zh = f"“{POSITION_NAMES[kind]}”职务", PLACES[place]
        errors = {
            other: [
                message(f"{zh[0]}只填写所在{zh[1]}", f"a {kind} position names only its {place}")
            ]
            for other in ("unit_id", "town_id", "village_id")
            if other != field and data.get(other) is not None
        }
        if not data.get(field):
            errors[field] = [
                message(f"{zh[0]}须填写所在{zh[1]}", f"a {kind} position names its {place}")
            ]
        if (
            data.get("start_date")
            and data.get("end_date")
            and data["end_date"] < data["start_date"]
        ):
            errors["end_date"] = [
                message("职务的结束日期不能早于开始日期", "a position cannot end before it starts")
            ]
        if errors:
            raise ValidationError(errors)


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
