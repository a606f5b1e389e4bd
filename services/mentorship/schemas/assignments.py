"""Request and response bodies of mentor assignments, suggestions and gap filling."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates

from services.mentorship.config import ROLES
from shared.http import ListArgs, StrictSchema, app_today, page_schema
from shared.normalize import message

#: Ids are PostgreSQL integers: anything larger names nothing.
ID_RANGE = validate.Range(min=1, max=2_147_483_647)


def Id(**kw) -> fields.Integer:  # noqa: N802 - a field factory reads like a field class
    return fields.Integer(strict=True, validate=ID_RANGE, **kw)


def StrictBoolean(**kw) -> fields.Boolean:  # noqa: N802
    """JSON true or false only (not "yes", 1 or "on")."""
    return fields.Boolean(truthy={True}, falsy={False}, **kw)


def _plausible(value: dt.date | None) -> None:
    if value is None:
        return
    if value < dt.date(2000, 1, 1):
        raise ValidationError(message("不能早于 2000 年", "before 2000"))
    if value > app_today() + dt.timedelta(days=366):
        raise ValidationError(message("不能晚于一年之后", "more than a year ahead"))


# -- assignments -------------------------------------------------------------------------


class AssignmentIn(StrictSchema):
    trainee_id = Id(required=True)
    mentor_id = Id(required=True, metadata={"description": "the person (cadre) id"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    start_date = fields.Date(
        load_default=None, allow_none=True, metadata={"description": "default: today"}
    )
    replace = StrictBoolean(
        load_default=False,
        metadata={"description": "end the current holder of the seat (reason replaced)"},
    )

    @validates("start_date")
    def _start(self, value, **_kw) -> None:
        _plausible(value)


class AssignmentEndIn(StrictSchema):
    end_date = fields.Date(
        load_default=None, allow_none=True, metadata={"description": "default: today"}
    )
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "why, kept in the audit trail"},
    )

    @validates("end_date")
    def _end(self, value, **_kw) -> None:
        _plausible(value)


class AssignmentListArgs(ListArgs):
    trainee_id = fields.Integer(validate=ID_RANGE)
    mentor_id = fields.Integer(validate=ID_RANGE)
    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean()
    vacated = fields.Boolean()
    town_id = fields.Integer(
        validate=ID_RANGE, metadata={"description": "the trainee's current town"}
    )
    unit_id = fields.Integer(validate=ID_RANGE, metadata={"description": "the trainee's unit"})


class AssignmentOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    trainee_name = fields.String()
    mentor_id = fields.Integer()
    mentor_name = fields.String()
    role = fields.String()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    active = fields.Boolean()
    end_reason = fields.String(allow_none=True)
    vacated = fields.Boolean()
    assigned_by = fields.String()
    created_at = fields.DateTime()


AssignmentPage = page_schema(AssignmentOut, "AssignmentPage")


class AuditOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class TraineeMentorsOut(Schema):
    trainee_id = fields.Integer()
    trainee_name = fields.String()
    required = fields.List(fields.String())
    missing = fields.List(fields.String())
    mentors = fields.List(fields.Nested(AssignmentOut))


# -- suggestions and gap filling ---------------------------------------------------------


class CandidateOut(Schema):
    person_id = fields.Integer()
    name = fields.String()
    load = fields.Integer(metadata={"description": "trainees they mentor in this role now"})
    capacity = fields.Integer()
    at_capacity = fields.Boolean()


class RoleSuggestionOut(Schema):
    role = fields.String()
    required = fields.Boolean()
    current = fields.Nested(AssignmentOut, allow_none=True)
    rule = fields.String()
    candidates = fields.List(fields.Nested(CandidateOut), metadata={"description": "with room"})
    at_capacity = fields.List(fields.Nested(CandidateOut), metadata={"description": "full"})
    note = fields.String()


class SuggestionsOut(Schema):
    trainee_id = fields.Integer()
    trainee_name = fields.String()
    roles = fields.List(fields.Nested(RoleSuggestionOut))


class GapFillIn(StrictSchema):
    town_id = Id(load_default=None, allow_none=True)
    unit_id = Id(load_default=None, allow_none=True)


class GapOut(Schema):
    trainee_id = fields.Integer()
    trainee_name = fields.String()
    role = fields.String()
    reason = fields.String(
        metadata={"description": "no eligible person | several eligible: [ids] | capacity"}
    )
    candidates = fields.List(fields.Integer())


class GapFillOut(Schema):
    filled = fields.List(fields.Nested(AssignmentOut))
    gaps = fields.List(fields.Nested(GapOut))
