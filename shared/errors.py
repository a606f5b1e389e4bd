"""Errors the domain layers raise without knowing about HTTP; ``build_app`` maps them to
problem+json (a rule broken is 422, a conflict 409, another's act 403, a missing record 404)."""

from __future__ import annotations

from shared.normalize import message


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


class Conflict(DomainError, status=409, title="Conflict"):
    """The request meets a record's state: already done, taken or changed since read."""


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
