"""Request and response bodies of turnover housing: housing units, the beds given to
trainees (allocations), and idle-house conversions."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.welfare.models import CONVERSION_STATUSES, HOUSING_SOURCES
from services.welfare.schemas.common import Day, Id, QueryId, Text, not_blank
from shared.http import ListArgs, StrictSchema, page_schema


class HousingIn(StrictSchema):
    town_id = Id(metadata={"description": "the city only; a town's clerk houses in its own town"})
    address = Text(200, 1, required=True)
    rooms = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=500))
    beds = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=1000))
    source = fields.String(required=True, validate=validate.OneOf(HOUSING_SOURCES))
    condition = Text(200, load_default="")
    note = Text(1000, load_default="")


class HousingPatch(StrictSchema):
    address = fields.String(validate=[validate.Length(min=1, max=200), not_blank])
    rooms = fields.Integer(strict=True, validate=validate.Range(min=1, max=500))
    beds = fields.Integer(strict=True, validate=validate.Range(min=1, max=1000))
    source = fields.String(validate=validate.OneOf(HOUSING_SOURCES))
    condition = Text(200)
    note = Text(1000)


class HousingOut(Schema):
    id = fields.Integer()
    town_id = fields.Integer()
    address = fields.String()
    rooms = fields.Integer()
    beds = fields.Integer()
    occupied = fields.Integer()
    vacancies = fields.Integer()
    source = fields.String()
    condition = fields.String()
    note = fields.String()


HousingPage = page_schema(HousingOut, "HousingPage")


class HousingListArgs(ListArgs):
    town_id = QueryId()
    vacant = fields.Boolean(metadata={"description": "only housing with a vacant bed"})


class AllocateIn(StrictSchema):
    trainee_id = Id(required=True)
    start_date = Day(required=True)


class ReleaseIn(StrictSchema):
    end_date = Day(required=True)
    reason = Text(200, 1, required=True)


class AllocationOut(Schema):
    id = fields.Integer()
    housing_id = fields.Integer()
    trainee_id = fields.Integer()
    address = fields.String(attribute="housing.address")
    town_id = fields.Integer(attribute="housing.town_id")
    active = fields.Boolean()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    flagged_for_release = fields.Boolean()
    flag_reason = fields.String()
    left_on = fields.Date(
        allow_none=True,
        metadata={"description": "the day the trainee left (roster's date): release from it"},
    )
    release_reason = fields.String()


AllocationPage = page_schema(AllocationOut, "AllocationPage")


class AllocationListArgs(ListArgs):
    trainee_id = QueryId()
    housing_id = QueryId()
    active = fields.Boolean()
    flagged = fields.Boolean(metadata={"description": "active allocations flagged for release"})


class ConversionIn(StrictSchema):
    town_id = Id(metadata={"description": "the city only"})
    address = Text(200, 1, required=True)
    status = fields.String(required=True, validate=validate.OneOf(CONVERSION_STATUSES))
    beds_gained = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0, max=1000)
    )
    planned_on = Day(allow_none=True, load_default=None)
    started_on = Day(allow_none=True, load_default=None)
    completed_on = Day(allow_none=True, load_default=None)
    note = Text(1000, load_default="")


class ConversionPatch(StrictSchema):
    address = fields.String(validate=[validate.Length(min=1, max=200), not_blank])
    status = fields.String(validate=validate.OneOf(CONVERSION_STATUSES))
    beds_gained = fields.Integer(strict=True, validate=validate.Range(min=0, max=1000))
    planned_on = Day(allow_none=True)
    started_on = Day(allow_none=True)
    completed_on = Day(allow_none=True)
    note = Text(1000)


class ConversionOut(Schema):
    id = fields.Integer()
    town_id = fields.Integer()
    address = fields.String()
    status = fields.String()
    beds_gained = fields.Integer()
    planned_on = fields.Date(allow_none=True)
    started_on = fields.Date(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    note = fields.String()


ConversionPage = page_schema(ConversionOut, "ConversionPage")


class ConversionListArgs(ListArgs):
    town_id = QueryId()
    status = fields.String(validate=validate.OneOf(CONVERSION_STATUSES))
