"""Request and response bodies of care visits (走访慰问): campaigns, visits, coverage."""

from __future__ import annotations

from marshmallow import Schema, fields

from services.welfare.schemas.common import Day, Id, QueryId, Text
from services.welfare.schemas.needs import NeedBody
from shared.http import ListArgs, StrictSchema, page_schema


class CampaignIn(StrictSchema):
    name = Text(100, 1, required=True)
    starts_on = Day(required=True)
    ends_on = Day(required=True)
    organisers = Text(200, 1, required=True)
    description = Text(1000, load_default="")


class CampaignOut(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    organisers = fields.String()
    description = fields.String()


CampaignPage = page_schema(CampaignOut, "CampaignPage")


class VisitIn(StrictSchema):
    trainee_id = Id(required=True)
    visitor = Text(100, 1, required=True)
    visit_date = Day(required=True)
    notes = Text(2000, load_default="")
    gifts = Text(500, load_default="", metadata={"description": "what was given"})
    needs_raised = Text(2000, load_default="")
    need = fields.Nested(
        NeedBody,
        allow_none=True,
        load_default=None,
        metadata={"description": "register a need on the trainee's behalf"},
    )


class VisitOut(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    trainee_id = fields.Integer()
    visitor = fields.String()
    visit_date = fields.Date()
    notes = fields.String()
    gifts = fields.String()
    needs_raised = fields.String()
    need_id = fields.Integer(allow_none=True)


VisitPage = page_schema(VisitOut, "VisitPage")


class VisitListArgs(ListArgs):
    trainee_id = QueryId()


class CoverageOut(Schema):
    campaign_id = fields.Integer()
    active = fields.Integer(metadata={"description": "active trainees in your scope"})
    visited = fields.Integer()
    not_visited = fields.Integer()
    rate = fields.Float()


class TraineeBrief(Schema):
    id = fields.Integer()
    name = fields.String()
    unit_id = fields.Integer()
    town_id = fields.Integer(allow_none=True)
    village_id = fields.Integer(allow_none=True)


TraineeBriefPage = page_schema(TraineeBrief, "TraineeBriefPage")
