"""Request and response bodies of showcases."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.mentorship.schemas.training import ID, Id, Title, not_blank
from shared.http import ListArgs, StrictSchema, page_schema

STORY_MAX = 10000
SHOWCASE_STATUSES = ("nominated", "published", "declined")


class ShowcaseIn(StrictSchema):
    trainee_id = Id(required=True)
    participation_id = Id(load_default=None, allow_none=True)
    title = Title(required=True)
    story = fields.String(
        required=True, validate=[validate.Length(min=1, max=STORY_MAX), not_blank]
    )


class ShowcaseOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    participation_id = fields.Integer(allow_none=True)
    title = fields.String()
    story = fields.String()
    nominator_role = fields.String()
    nominator_scope = fields.Integer(allow_none=True)
    status = fields.String()
    published_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class ShowcaseListArgs(ListArgs):
    status = fields.String(validate=validate.OneOf(SHOWCASE_STATUSES))
    trainee_id = fields.Integer(validate=ID)


ShowcasePage = page_schema(ShowcaseOut, "ShowcasePage")
