"""Request and response bodies of the five small facilities (五小)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from services.welfare.models import FACILITY_KINDS, FACILITY_STATES
from services.welfare.schemas.common import Day, QueryId
from shared.http import StrictSchema


class FacilityIn(StrictSchema):
    state = fields.String(required=True, validate=validate.OneOf(FACILITY_STATES))
    started_on = Day(allow_none=True, load_default=None)
    completed_on = Day(allow_none=True, load_default=None)


class FacilityOut(Schema):
    kind = fields.String(metadata={"description": ", ".join(FACILITY_KINDS)})
    state = fields.String()
    started_on = fields.Date(allow_none=True)
    completed_on = fields.Date(allow_none=True)


class TownFacilitiesOut(Schema):
    town_id = fields.Integer()
    town_name = fields.String()
    facilities = fields.List(fields.Nested(FacilityOut))
    ready = fields.Integer()
    in_progress = fields.Integer()
    rate = fields.Float(metadata={"description": "ready out of five"})


class FacilitiesOverviewOut(Schema):
    towns = fields.List(fields.Nested(TownFacilitiesOut))
    town_count = fields.Integer()
    complete_towns = fields.Integer()
    ready = fields.Integer()
    total = fields.Integer()
    rate = fields.Float()
    ready_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())


class FacilityListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    town_id = QueryId()
