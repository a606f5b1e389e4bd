"""Errors the domain layers raise without knowing about HTTP; ``build_app`` maps them to
problem+json (a rule broken is 422, a conflict 409, another's act 403, a missing record 404)."""

from __future__ import annotations

import datetime as dt

from shared.normalize import message
from shared.vocabulary import TRAINEE_STATUSES


class DomainError(Exception):
    """A request that breaks a rule. ``errors`` maps field names to messages.

    A subclass gives its answer in its header: ``class Conflict(DomainError, status=409,
    title="Conflict")``."""

    status = 422
    title = "Rule violated"

    def __init_subclass__(cls, status: int | None = None, title: str | None = None) -> None:
        super().__init_subclass__()
        if status is not None:
            cls.status = status
        if title is not None:
            cls.title = title

    def __init__(self, detail: str, errors: dict | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors

    @classmethod
    def on(cls, field: str, detail: tuple[str, str], reason: tuple[str, str]) -> DomainError:
        """The refusal of one field, the form most refusals take: ``detail`` says what is
        wrong, ``reason`` is the field's short word; each a (Chinese, English) pair."""
        return cls(message(*detail), {field: [message(*reason)]})

    @classmethod
    def no_such(cls, field: str, id_, what: tuple[str, str]) -> DomainError:
        """An id that names no row, worded alike everywhere: ``no_such("mentor_id", 5,
        ("干部", "person"))`` says 没有编号为 5 的干部, its field 不存在."""
        return cls.on(
            field,
            (f"没有编号为 {id_} 的{what[0]}", f"no {what[1]} with id {id_}"),
            ("不存在", "not found"),
        )


class Conflict(DomainError, status=409, title="Conflict"):
    """The request meets a record's state: already done, taken or changed since read."""

    @classmethod
    def already(cls, field: str, thing: tuple[str, str], done: tuple[str, str]) -> Conflict:
        """A one-time act asked again, worded alike everywhere: ``already("talk", ("该谈话",
        "this talk"), ("确认", "acknowledged"))`` says 该谈话已经确认, its field 已确认."""
        return cls.on(
            field,
            (f"{thing[0]}已经{done[0]}", f"{thing[1]} is already {done[1]}"),
            (f"已{done[0]}", f"already {done[1]}"),
        )


class Forbidden(DomainError, status=403, title="Forbidden"):
    """The caller is known and in scope, but this act is another's (a mentor writing what
    only the responsible mentor writes)."""


class NotFound(DomainError, status=404, title="Not found"):
    """A record the request names does not exist (or is out of the caller's scope)."""


class TooManyAttempts(DomainError, status=429, title="Too many attempts"):
    """Too many tries in a row; ``retry_after`` is in seconds."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


# -- a day's bounds -------------------------------------------------------------------------
# The two checks every dated record makes, worded alike in every service. ``what`` names the
# day (``("腾退日期", "end date")``), ``bound`` the day it may not precede.


def not_after_today(field: str, day: dt.date, today: dt.date, what: tuple[str, str]) -> None:
    """Refuse ``day`` after ``today`` (the city's date, ``shared.http.app_today``)."""
    if day > today:
        raise DomainError.on(
            field,
            (f"{what[0]}不能晚于今天", f"the {what[1]} cannot be in the future"),
            (f"晚于今天（本市时间 {today}）", f"after today ({today}, the city's date)"),
        )


def not_before(
    field: str, day: dt.date, earliest: dt.date, what: tuple[str, str], bound: tuple[str, str]
) -> None:
    """Refuse ``day`` before ``earliest``, the ``bound`` (``("入住日期", "the start")``)."""
    if day < earliest:
        raise DomainError.on(
            field,
            (f"{what[0]}不能早于{bound[0]}", f"the {what[1]} cannot be before {bound[1]}"),
            (f"早于{bound[0]} {earliest}", f"before {bound[1]} ({earliest})"),
        )


def only_active(field: str, status: str, act: tuple[str, str]) -> None:
    """Refuse a trainee who is not in training (在岗) for ``act``, naming the status:
    ``only_active("trainee_id", trainee.status, ("参加项目", "join projects"))``."""
    if status != "active":
        zh = TRAINEE_STATUSES.get(status, status)
        raise DomainError.on(
            field,
            (
                f"该选调生状态为“{zh}”，只有在岗选调生才能{act[0]}",
                f"the trainee is {status}: only active trainees {act[1]}",
            ),
            (f"选调生状态为“{zh}”", f"trainee is {status}"),
        )
