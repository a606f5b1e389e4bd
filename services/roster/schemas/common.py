"""What roster's bodies share: codes, genders, the search, names, text, phones and
e-mail addresses."""

from __future__ import annotations

from marshmallow import validate

from shared import fields as clean

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
