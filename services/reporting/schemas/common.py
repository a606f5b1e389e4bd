"""Fields and arguments that several of reporting's resources share: a month, bounded
text, ids, years and dates, and the ``format``/``lang`` of a download."""

from __future__ import annotations

import datetime as dt

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from shared import fields as clean
from shared.normalize import message

TEXT_MAX = 4000


def _text(max_len: int = TEXT_MAX, **kw) -> fields.String:
    """Text as typed, trimmed and normalised at the door (``shared.fields.Text``)."""
    return clean.Text(multiline=True, validate=validate.Length(max=max_len), **kw)


def _required_text(max_len: int = TEXT_MAX) -> fields.String:
    """Text that must say something: trimmed and normalised at the door
    (``shared.fields.Text``), so that a clerk's lone space is refused as blank."""
    return clean.Text(
        multiline=True, blank=False, required=True, validate=validate.Length(min=1, max=max_len)
    )


_ID = {"validate": validate.Range(min=1, max=2**31 - 1)}
_YEAR = validate.Range(min=2000, max=2100)


def _after_2000(day: dt.date) -> None:
    if day.year < 2000:
        raise ValidationError(message("不能早于 2000 年", "before 2000"))


_DATE = {"validate": _after_2000}


class ExportArgs(Schema):
    """``format`` and ``lang`` of a list or figure that downloads."""

    class Meta:
        unknown = EXCLUDE

    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))
    lang = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"]))
