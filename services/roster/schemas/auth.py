"""Roster's bodies: tokens, sign-out and the caller."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.http import StrictSchema

#: A device id: what roster hands a client at its first password login and the client
#: sends again (``device_id``), so that its next login is known to come from it.
DEVICE_ID = validate.Regexp(r"^[A-Za-z0-9_-]{16,128}$", error="16 to 128 of A-Z a-z 0-9 _ -")


class TokenIn(StrictSchema):
    grant_type = fields.String(
        required=True,
        validate=validate.OneOf(["password", "client_credentials", "refresh_token"]),
    )
    username = fields.String(validate=validate.Length(min=1, max=64))
    password = fields.String(validate=validate.Length(min=1, max=128), load_only=True)
    client_id = fields.String(validate=validate.Length(min=1, max=64))
    client_secret = fields.String(validate=validate.Length(min=1, max=128), load_only=True)
    refresh_token = fields.String(validate=validate.Length(min=1, max=128), load_only=True)
    device_id = fields.String(
        validate=DEVICE_ID,
        metadata={"description": "the device id an earlier login answered (password grant)"},
    )

    @validates_schema
    def _credentials(self, data, **_kw):
        needed = {
            "password": ("username", "password"),
            "client_credentials": ("client_id", "client_secret"),
            "refresh_token": ("refresh_token",),
        }[data["grant_type"]]
        missing = [f for f in needed if not data.get(f)]
        if missing:
            raise ValidationError({f: ["required for this grant_type"] for f in missing})


class TokenOut(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "seconds the access token lives"})
    role = fields.String()
    scope_id = fields.Integer(allow_none=True)
    refresh_token = fields.String(
        metadata={
            "description": "password and refresh_token grants: exchange it for new tokens "
            "(grant_type=refresh_token) before the access token expires; it works once"
        }
    )
    refresh_expires_in = fields.Integer(
        metadata={"description": "seconds until the sign-in ends (refreshing does not extend it)"}
    )
    device_id = fields.String(
        metadata={"description": "password grant: send it with later logins from this client"}
    )


class RevokeIn(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=128))
    token_type_hint = fields.String(validate=validate.OneOf(["refresh_token"]))


class MeOut(Schema):
    subject = fields.String()
    role = fields.String()
    scope_id = fields.Integer(allow_none=True)
    name = fields.String()
