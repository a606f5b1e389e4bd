"""Marshmallow fields that read what people type through ``shared.normalize``: the one
way a request body's names, text, identity numbers, phones and dates are cleaned and
checked. A refusal is a field error with the normaliser's messages (Chinese first)."""

from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError, fields

from shared import normalize
from shared.clock import month_code
from shared.http import app_today

__all__ = ["Day", "Email", "IdNumber", "Month", "MonthCode", "Name", "Phone", "Text"]


def _refused(exc: normalize.Invalid) -> ValidationError:
    return ValidationError(exc.messages)


class Text(fields.String):
    """Single-line text (or ``multiline=True``): NFKC, trimmed, no control characters.
    ``blank=False`` refuses text that is empty once trimmed."""

    def __init__(self, *, multiline: bool = False, blank: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline
        self.blank = blank

    def _deserialize(self, value, attr, data, **kwargs):
        typed = super()._deserialize(value, attr, data, **kwargs)
        try:
            result = self._normalise(typed)
        except normalize.Invalid as exc:
            raise _refused(exc) from None
        if not result and not self.blank:
            raise ValidationError(normalize.message("不能为空", "must not be blank"))
        return result

    def _normalise(self, typed: str) -> str:
        return normalize.text(typed, multiline=self.multiline)


class Name(Text):
    """A person's or a place's name: single-line, not blank."""

    def __init__(self, **kwargs) -> None:
        super().__init__(blank=False, **kwargs)

    def _normalise(self, typed: str) -> str:
        return normalize.name(typed)


class _Normalised(fields.String):
    """A string stored as ``_normalise`` makes it, described (OpenAPI) by
    ``DESCRIPTION``."""

    DESCRIPTION = ""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("metadata", {}).setdefault("description", self.DESCRIPTION)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        typed = super()._deserialize(value, attr, data, **kwargs)
        try:
            return self._normalise(typed)
        except normalize.Invalid as exc:
            raise _refused(exc) from None

    def _normalise(self, typed: str) -> str:
        raise NotImplementedError


class IdNumber(_Normalised):
    """A resident identity number, stored canonical (18 characters, upper-case X); typed
    with full-width digits, spaces or a lower-case x it is accepted."""

    DESCRIPTION = (
        "18-character resident identity number; full-width digits, spaces and a "
        "lower-case x are accepted and stored canonical; the region, birth date and "
        "check digit are checked"
    )

    def _normalise(self, typed: str) -> str:
        return normalize.id_number(typed, today=app_today())


class Phone(_Normalised):
    """A Chinese mobile or landline number, stored as E.164 (``+8613912345678``)."""

    DESCRIPTION = (
        "a Chinese mobile or landline number as typed (139 1234 5678, +86 139..., "
        "020-12345678, full-width digits); stored and announced as E.164"
    )

    def _normalise(self, typed: str) -> str:
        return normalize.phone(typed)


class Email(fields.Email):
    """An e-mail address, NFKC-normalised and trimmed before it is checked."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = normalize.tidy(value)
        return super()._deserialize(value, attr, data, **kwargs)


class Day(fields.Date):
    """A date in ISO form or as clerks type it (``1996/3/2``, ``1996.3.2``,
    ``1996年3月2日``, full-width digits); answered in ISO form."""

    def _deserialize(self, value, attr, data, **kwargs) -> dt.date:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            return normalize.parse_date(value)
        except normalize.Invalid as exc:
            raise _refused(exc) from None


class Month(fields.String):
    """A calendar month as clerks type it (:func:`shared.normalize.parse_month`), loaded
    as the date of its first day and answered ``YYYY-MM`` (documented as a string)."""

    def __init__(self, **kwargs) -> None:
        metadata = {"example": "2027-03", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> dt.date:
        try:
            return normalize.parse_month(value)
        except normalize.Invalid as exc:
            raise _refused(exc) from None

    def _serialize(self, value, attr, obj, **kwargs) -> str | None:
        return None if value is None else month_code(value)


class MonthCode(Month):
    """:class:`Month` kept as its code, ``YYYY-MM``, where a month is a key (a subsidy's)."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return month_code(super()._deserialize(value, attr, data, **kwargs))

    def _serialize(self, value, attr, obj, **kwargs) -> str | None:
        return value
