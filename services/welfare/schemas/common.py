"""The fields welfare's request and response bodies share. Amounts are integers in fen;
the caller never sends an amount the policy fixes."""

from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError, fields, validate

from shared.http import app_today
from shared.normalize import message

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)

ID_RANGE = validate.Range(min=1, max=2_147_483_647)
#: Ten million yuan: far above any subsidy, fee or town budget, far below BIGINT.
MAX_FEN = 1_000_000_000


def Id(**kw):  # noqa: N802 - a field factory reads like a field class
    """A positive integer id (JSON integers only)."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1), **kw)


def QueryId(**kw):  # noqa: N802
    """A positive integer id in a query string (text, so not strict)."""
    return fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), **kw)


def Day(**kw):  # noqa: N802
    """A date between 2000 and 2100 (the city's calendar)."""
    return fields.Date(validate=validate.Range(min=EARLIEST, max=LATEST), **kw)


def not_blank(value: str) -> None:
    """Refuse text that is only blanks."""
    if not value.strip():
        raise ValidationError(message("不能为空白", "must not be blank"))


def Text(max_len: int, min_len: int = 0, **kw):  # noqa: N802
    """Text up to ``max_len`` characters; with ``min_len`` 1 it must not be blank."""
    checks = [validate.Length(min=min_len, max=max_len)]
    if min_len:
        checks.append(not_blank)
    return fields.String(validate=checks, **kw)


def Fen(minimum: int = 0, **kw) -> fields.Integer:  # noqa: N802
    """An amount in fen: a JSON integer (not 1.5, 100.0 or "100")."""
    return fields.Integer(
        strict=True,
        validate=validate.Range(min=minimum, max=MAX_FEN),
        metadata={"description": "integer fen (1 yuan = 100 fen)"},
        **kw,
    )


def plausible(value: dt.date | None) -> None:
    """Refuse a date before 2000 or more than three years ahead."""
    if value is None:
        return
    if value < dt.date(2000, 1, 1):
        raise ValidationError(message("不能早于 2000 年", "before 2000"))
    if value > app_today() + dt.timedelta(days=3 * 366):
        raise ValidationError(message("不能晚于三年之后", "more than three years ahead"))
