"""Roster's bodies: possible duplicates."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.http import ListArgs, page_schema
from shared.observability import mask_id_number


class DuplicateOut(Schema):
    id = fields.Integer()
    kind = fields.String(
        metadata={"description": "trainee.id_number or person.id_number: the table and column"}
    )
    first_id = fields.Integer(metadata={"description": "the row that kept the value"})
    second_id = fields.Integer(metadata={"description": "the row left as it was"})
    value = fields.Function(lambda d: mask_id_number(d.value))
    found_by = fields.String()
    found_at = fields.DateTime()


class DuplicateListArgs(ListArgs):
    kind = fields.String(validate=validate.OneOf(["trainee.id_number", "person.id_number"]))


DuplicatePage = page_schema(DuplicateOut, "DuplicatePage")
