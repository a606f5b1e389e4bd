"""Request and response bodies of turnover housing, the five small facilities, care visits
and the needs register."""

from __future__ import annotations

import datetime as dt

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from services.welfare.models_care import (
    CONVERSION_STATUSES,
    FACILITY_KINDS,
    FACILITY_STATES,
    HOUSING_SOURCES,
    NEED_STATUSES,
)
from shared.events.catalogue import HANDLER_ROLES, NEED_CATEGORIES
from shared.http import ListArgs, StrictSchema, page_schema

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


def Id(**kw):  # noqa: N802 - a field factory reads like a field class
    """A positive integer id (JSON integers only)."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1), **kw)


def QueryId(**kw):  # noqa: N802
    """A positive integer id in a query string (text, so not strict)."""
    return fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), **kw)


def Day(**kw):  # noqa: N802
    """A date between 2000 and 2100 (the city's calendar)."""
    return fields.Date(validate=validate.Range(min=EARLIEST, max=LATEST), **kw)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


def Text(max_len: int, min_len: int = 0, **kw):  # noqa: N802
    """Text up to ``max_len`` characters; with ``min_len`` 1 it must not be blank."""
    checks = [validate.Length(min=min_len, max=max_len)]
    if min_len:
        checks.append(_not_blank)
    return fields.String(validate=checks, **kw)


# -- housing ------------------------------------------------------------------------------


class HousingIn(StrictSchema):
    town_id = Id(metadata={"description": "the city only; a town's clerk houses in its own town"})
    address = Text(200, 1, required=True)
    rooms = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=500))
    beds = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=1000))
    source = fields.String(required=True, validate=validate.OneOf(HOUSING_SOURCES))
    condition = Text(200, load_default="")
    note = Text(1000, load_default="")


class HousingPatch(StrictSchema):
    address = fields.String(validate=[validate.Length(min=1, max=200), _not_blank])
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
    address = fields.String(validate=[validate.Length(min=1, max=200), _not_blank])
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


# -- five small facilities ----------------------------------------------------------------


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


# -- needs --------------------------------------------------------------------------------


class HandlerIn(StrictSchema):
    handler_role = fields.String(required=True, validate=validate.OneOf(HANDLER_ROLES))
    handler_scope_id = Id(allow_none=True, load_default=None)
    handler_person_id = Id(allow_none=True, load_default=None)


class NeedBody(StrictSchema):
    """A need as given inside a visit (the trainee is the visited one)."""

    category = fields.String(required=True, validate=validate.OneOf(NEED_CATEGORIES))
    title = Text(200, 1, required=True)
    description = Text(4000, load_default="")
    confidential = fields.Boolean(load_default=False)
    handler_role = fields.String(validate=validate.OneOf(HANDLER_ROLES))
    handler_scope_id = Id(allow_none=True)
    handler_person_id = Id(allow_none=True)


class NeedIn(NeedBody):
    trainee_id = Id(metadata={"description": "required unless the caller is the trainee"})


class NeedStepOut(Schema):
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    by_role = fields.String()
    by = fields.String()
    note = fields.String()
    at = fields.DateTime()


class NeedOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    category = fields.String()
    title = fields.String()
    description = fields.String()
    confidential = fields.Boolean()
    raised_by_role = fields.String()
    handler_role = fields.String()
    handler_scope_id = fields.Integer(allow_none=True)
    handler_person_id = fields.Integer(allow_none=True)
    status = fields.String()
    raised_on = fields.Date()
    due_on = fields.Date()
    overdue = fields.Boolean()
    resolution = fields.String()
    resolved_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    reopen_count = fields.Integer()
    history = fields.List(fields.Nested(NeedStepOut))


NeedPage = page_schema(NeedOut, "NeedPage")


class NeedListArgs(ListArgs):
    trainee_id = QueryId()
    status = fields.String(validate=validate.OneOf(NEED_STATUSES))
    category = fields.String(validate=validate.OneOf(NEED_CATEGORIES))
    confidential = fields.Boolean()
    handler_role = fields.String(validate=validate.OneOf(HANDLER_ROLES))


class ResolveIn(StrictSchema):
    resolution = Text(4000, 1, required=True)


class ReopenIn(StrictSchema):
    reason = Text(1000, 1, required=True)


# -- visits -------------------------------------------------------------------------------


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
