"""Request and response bodies of key projects (中心工作/重点项目) and participation."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.mentorship.schemas.training import TEXT_MAX, Id, Title, plausible
from shared.http import ListArgs, StrictSchema, page_schema


class ProjectIn(StrictSchema):
    name = Title(required=True)
    category = fields.String(load_default="", validate=validate.Length(max=50))
    description = fields.String(load_default="", validate=validate.Length(max=TEXT_MAX))


class ProjectPatch(StrictSchema):
    """Any of these; absent ones stay as they are. A closed project (``active`` false)
    takes no new participants."""

    name = Title()
    category = fields.String(validate=validate.Length(max=50))
    description = fields.String(validate=validate.Length(max=TEXT_MAX))
    active = fields.Boolean()


class ProjectOut(Schema):
    id = fields.Integer()
    name = fields.String()
    category = fields.String()
    description = fields.String()
    active = fields.Boolean()


class ProjectListArgs(ListArgs):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "name contains"})
    category = fields.String(validate=validate.Length(max=50))


ProjectPage = page_schema(ProjectOut, "ProjectPage")


class ParticipationIn(StrictSchema):
    trainee_id = Id(required=True)
    role = fields.String(load_default="", validate=validate.Length(max=100))
    results = fields.String(load_default="", validate=validate.Length(max=TEXT_MAX))
    start_date = fields.Date(load_default=None, allow_none=True, validate=plausible)


class ParticipationPatch(StrictSchema):
    """Any of these; absent ones stay as they are."""

    role = fields.String(validate=validate.Length(max=100))
    results = fields.String(validate=validate.Length(max=TEXT_MAX))
    start_date = fields.Date(allow_none=True, validate=plausible)
    end_date = fields.Date(allow_none=True, validate=plausible)


class ParticipationOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    project_name = fields.String()
    trainee_id = fields.Integer()
    role = fields.String()
    results = fields.String()
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)


ParticipationPage = page_schema(ParticipationOut, "ParticipationPage")
