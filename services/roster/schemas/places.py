"""Roster's bodies: towns, villages and units."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.roster.schemas.common import CODE, Name
from shared.http import ListArgs, StrictSchema, page_schema


class PlaceIn(StrictSchema):
    code = fields.String(required=True, validate=CODE)
    name = Name(required=True)


class PlacePatch(PlaceIn):
    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class VillagePatch(PlaceIn):
    town_id = fields.Integer(strict=True, validate=validate.Range(min=1))

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class VillageIn(PlaceIn):
    town_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class PlaceOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class VillageOut(PlaceOut):
    town_id = fields.Integer()


class PlaceListArgs(ListArgs):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "name contains"})


class VillageListArgs(PlaceListArgs):
    town_id = fields.Integer()


PlacePage = page_schema(PlaceOut, "PlacePage")
VillagePage = page_schema(VillageOut, "VillagePage")
