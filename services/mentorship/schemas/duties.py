"""Request and response bodies of the mentor roles' duties (导师职责)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from shared.events.catalogue import ASPECTS
from shared.fields import Text
from shared.http import StrictSchema, page_schema
from shared.normalize import message


class RoleDutyIn(StrictSchema):
    statement = Text(multiline=True, blank=False, required=True, validate=validate.Length(max=2000))
    aspects = fields.List(
        fields.String(validate=validate.OneOf(ASPECTS)),
        required=True,
        validate=validate.Length(min=1, max=len(ASPECTS)),
        metadata={"description": f"the aspects the role's talks cover: {', '.join(ASPECTS)}"},
    )

    @validates("aspects")
    def _once_each(self, value: list, **_kwargs) -> None:
        if len(set(value)) != len(value):
            raise ValidationError(message("每个方面只能选一次", "each aspect once"))


class RoleDutyOut(Schema):
    role = fields.String()
    statement = fields.String()
    aspects = fields.List(fields.String())
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)


RoleDutyPage = page_schema(RoleDutyOut, "RoleDutyPage")
