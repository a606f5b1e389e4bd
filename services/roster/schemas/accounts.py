"""Roster's bodies: accounts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.roster.models.accounts import ROLES
from services.roster.schemas.common import Email, Phone, Text
from shared.http import ListArgs, StrictSchema, page_schema
from shared.observability import mask_phone


class AccountIn(StrictSchema):
    username = fields.String(
        required=True,
        validate=[
            validate.Length(min=2, max=64),
            validate.Regexp(r"^[\w.@-]+$", error="letters, digits, _ . @ -"),
        ],
    )
    kind = fields.String(load_default="user", validate=validate.OneOf(["user", "client"]))
    password = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=4, max=128), load_only=True
    )
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    scope_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    display_name = Text(100, load_default="")
    email = Email()
    phone = Phone()


class AccountOut(Schema):
    id = fields.Integer()
    username = fields.String()
    kind = fields.String()
    role = fields.String()
    scope_id = fields.Integer(allow_none=True)
    display_name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.Function(lambda a: mask_phone(a.phone))
    active = fields.Boolean()


class AccountCreatedOut(AccountOut):
    client_secret = fields.String(metadata={"description": "shown once, for kind=client"})


class AccountListArgs(ListArgs):
    role = fields.String(validate=validate.OneOf(ROLES))
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "part of the username or of the display name"},
    )


AccountPage = page_schema(AccountOut, "AccountPage")
