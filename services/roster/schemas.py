"""Roster's request and response bodies."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from services.roster.models import ROLES, TRAINEE_STATUSES
from shared import fields as clean
from shared.events.catalogue import POSITION_KINDS
from shared.http import ListArgs, StrictSchema, app_today, page_schema
from shared.normalize import message
from shared.observability import mask_id_number, mask_phone

CODE = validate.Regexp(r"^[A-Za-z0-9_.-]{1,32}$", error="letters, digits, _ . -")
EMAIL_LENGTH = validate.Length(max=254)  # the column's and the events' limit
GENDER = validate.OneOf(["男", "女"])
SEARCH = (
    "an identity number (any typed form: the exact match), a phone number (the same), "
    "or part of the name"
)

# Names, text, identity numbers, phones and e-mail addresses are read through
# ``shared.normalize`` (``shared.fields``): trimmed, NFKC, checked; phones stored as E.164.


def Name(**kw):  # noqa: N802 - a field factory reads like a field class
    return clean.Name(validate=validate.Length(min=1, max=100), **kw)


def Text(max_length: int, **kw):  # noqa: N802
    return clean.Text(validate=validate.Length(max=max_length), **kw)


def Phone(**kw):  # noqa: N802
    return clean.Phone(load_default=None, allow_none=True, **kw)


def Email(**kw):  # noqa: N802
    return clean.Email(load_default=None, allow_none=True, validate=EMAIL_LENGTH, **kw)


class IdArg(Schema):
    id = fields.Integer()


# -- places ---------------------------------------------------------------------------


class PlaceIn(StrictSchema):
    code = fields.String(required=True, validate=CODE)
    name = Name(required=True)


class PlacePatch(PlaceIn):
    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class VillagePatch(PlaceIn):
    town_id = fields.Integer(strict=True, validate=validate.Range(min=1))

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class VillageIn(PlaceIn):
    town_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class PlaceOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class VillageOut(PlaceOut):
    town_id = fields.Integer()


class PlaceListArgs(ListArgs):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "name contains"})


class VillageListArgs(PlaceListArgs):
    town_id = fields.Integer()


PlacePage = page_schema(PlaceOut, "PlacePage")
VillagePage = page_schema(VillageOut, "VillagePage")


# -- people ---------------------------------------------------------------------------


class PositionIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(POSITION_KINDS))
    title = Text(100, load_default="")
    unit_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    town_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    village_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    start_date = fields.Date(load_default=None, allow_none=True)
    end_date = fields.Date(load_default=None, allow_none=True)


class PositionOut(Schema):
    kind = fields.String()
    title = fields.String()
    unit_id = fields.Integer(allow_none=True)
    town_id = fields.Integer(allow_none=True)
    village_id = fields.Integer(allow_none=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    active = fields.Method("_active")

    def _active(self, obj) -> bool:
        return obj.end_date is None or obj.end_date >= app_today()


class PersonIn(StrictSchema):
    name = Name(required=True)
    gender = clean.Text(load_default=None, allow_none=True, validate=GENDER)
    id_number = clean.IdNumber(load_default=None, allow_none=True)
    phone = Phone()
    email = Email()
    positions = fields.List(
        fields.Nested(PositionIn), load_default=list, validate=validate.Length(max=20)
    )


class PersonPatch(PersonIn):
    """Any subset of the fields; absent ones stay as they are. Partial at the top level
    only: a position given is a whole position (``partial=True`` reached into the nested
    positions, and a position without its ``kind`` was a 500)."""

    def __init__(self, **kwargs):
        super().__init__(partial=tuple(PersonIn._declared_fields), **kwargs)


class PersonOut(Schema):
    id = fields.Integer()
    name = fields.String()
    gender = fields.String(allow_none=True)
    id_number = fields.Function(lambda p: mask_id_number(p.id_number))
    phone = fields.Function(lambda p: mask_phone(p.phone))
    email = fields.String(allow_none=True)
    positions = fields.List(fields.Nested(PositionOut))


class PersonListArgs(ListArgs):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": SEARCH})
    kind = fields.String(validate=validate.OneOf(POSITION_KINDS))
    unit_id = fields.Integer()
    town_id = fields.Integer()
    village_id = fields.Integer()


PersonPage = page_schema(PersonOut, "PersonPage")


# -- trainees -------------------------------------------------------------------------


class PlacementIn(StrictSchema):
    village_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    start_date = fields.Date(required=True)
    note = Text(500, load_default="", multiline=True)

    @validates("start_date")
    def _not_far_future(self, value: dt.date, **_kw) -> None:
        if value > app_today() + dt.timedelta(days=366):
            raise ValidationError("more than a year ahead")
        if value < dt.date(2000, 1, 1):
            raise ValidationError("before 2000")


class TraineeIn(StrictSchema):
    name = Name(required=True)
    gender = clean.Text(load_default=None, allow_none=True, validate=GENDER)
    birth_date = clean.Day(
        load_default=None,
        allow_none=True,
        metadata={"description": "ISO, or as clerks type it: 1996/3/2, 1996.3.2, 1996年3月2日"},
    )
    id_number = clean.IdNumber(load_default=None, allow_none=True)
    phone = Phone()
    email = Email()
    education = Text(32, load_default=None, allow_none=True)
    school = Text(100, load_default=None, allow_none=True)
    major = Text(100, load_default=None, allow_none=True)
    cohort = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    unit_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    placement = fields.Nested(PlacementIn, load_default=None, allow_none=True)

    @validates("birth_date")
    def _plausible_birth(self, value: dt.date | None, **_kw) -> None:
        if value is not None and not (dt.date(1950, 1, 1) <= value <= app_today()):
            raise ValidationError(
                message("出生日期不合理（1950年至今）", "not a plausible birth date")
            )


class TraineePatch(TraineeIn):
    """Any subset of the profile; placements change through their own endpoint."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, exclude=("placement",), **kwargs)


class PlacementOut(Schema):
    id = fields.Integer()
    village_id = fields.Integer()
    town_id = fields.Integer()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    is_current = fields.Boolean()
    note = fields.String()


class TraineeOut(Schema):
    id = fields.Integer()
    name = fields.String()
    gender = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    id_number = fields.Function(lambda t: mask_id_number(t.id_number))
    phone = fields.Function(lambda t: mask_phone(t.phone))
    email = fields.String(allow_none=True)
    education = fields.String(allow_none=True)
    school = fields.String(allow_none=True)
    major = fields.String(allow_none=True)
    cohort = fields.Integer()
    unit_id = fields.Integer()
    status = fields.String()
    town_id = fields.Integer(allow_none=True)
    village_id = fields.Integer(allow_none=True)
    version = fields.Integer()


class TraineeDetailOut(TraineeOut):
    placements = fields.List(fields.Nested(PlacementOut))


class TraineeListArgs(ListArgs):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": SEARCH})
    status = fields.String(validate=validate.OneOf(TRAINEE_STATUSES))
    unit_id = fields.Integer()
    town_id = fields.Integer()
    village_id = fields.Integer()
    cohort = fields.Integer()


TraineePage = page_schema(TraineeOut, "TraineePage")


class StatusChangeIn(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(["completed", "withdrawn"]))
    effective_date = fields.Date(
        required=True,
        metadata={"description": "the first day no longer in training (may be in the past)"},
    )
    reason = Text(500, load_default="", multiline=True)


class StatusChangeOut(Schema):
    id = fields.Integer()
    trainee_id = fields.Integer()
    from_status = fields.String()
    to_status = fields.String()
    effective_date = fields.Date()
    reason = fields.String()
    changed_by = fields.String()


# -- accounts and tokens --------------------------------------------------------------


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


# -- import ---------------------------------------------------------------------------


class ImportArgs(Schema):
    dry_run = fields.Boolean(load_default=False)


class RowError(Schema):
    row = fields.Integer()
    errors = fields.Dict()


class SkippedRow(Schema):
    row = fields.Integer()
    reason = fields.String()


class ImportReportOut(Schema):
    kind = fields.String()
    rows = fields.Integer(metadata={"description": "data rows read (skipped rows not counted)"})
    imported = fields.Integer()
    dry_run = fields.Boolean()
    errors = fields.List(fields.Nested(RowError))
    ids = fields.List(fields.Integer())
    header_row = fields.Integer(metadata={"description": "the row the header was found in"})
    columns = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "field -> the column's header as the file writes it"},
    )
    skipped = fields.List(
        fields.Nested(SkippedRow),
        metadata={"description": "title rows, total rows, notes, the example row left in"},
    )


# -- possible duplicates --------------------------------------------------------------


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
