"""Request and response bodies of the needs register (思想动态与实际需求)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.welfare.models import NEED_STATUSES
from services.welfare.schemas.common import Id, QueryId, Text
from shared.events.catalogue import HANDLER_ROLES, NEED_CATEGORIES
from shared.http import ListArgs, StrictSchema, page_schema


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
