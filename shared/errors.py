"""Errors the domain layers raise without knowing about HTTP; ``build_app`` maps them to
problem+json (a rule broken is 422, a conflict 409, another's act 403, a missing record 404)."""

from __future__ import annotations


class DomainError(Exception):
    """A request that breaks a rule. ``errors`` maps field names to messages."""

    status = 422
    title = "Rule violated"

    def __init__(self, detail: str, errors: dict | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Forbidden(DomainError):
    """The caller is known and in scope, but this act is another's (a mentor writing what
    only the responsible mentor writes)."""

    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
