"""A small HTTP client for the services' public APIs, with the signed-in person's token.

Every call goes through :meth:`Api.call`; a 4xx answer raises :class:`ApiError` carrying
the problem+json body, which the console shows on the page (a 404 renders the 404 page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests

from services.console.i18n import one_language

_SESSION = requests.Session()  # keeps connections alive between calls; thread-safe for this use


@dataclass
class ApiError(Exception):
    status: int
    title: str = ""
    detail: str = ""
    errors: dict | list = field(default_factory=dict)
    body: dict = field(default_factory=dict)
    #: the API's ``Retry-After`` (a 503: its database is away; a 429)
    retry_after: str | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"

    @property
    def refused(self) -> bool:
        """The API refused what was asked (a 4xx a page shows with its form), rather than
        a 401, 404 or a server's failure, which go to the error pages."""
        return self.status not in (401, 404) and self.status < 500

    def messages(self) -> list[str]:
        """One line per problem: the detail, then each field's errors (and each row's),
        each in the user's language (the services write ``中文 / English``)."""
        lines = [one_language(self.detail or self.title or str(self.status))]
        if self.row_errors():
            return lines  # shown as a table of rows by the page that asked
        return lines + _flatten(self.errors)

    def row_errors(self) -> list[dict]:
        """An import's per-row report: ``[{"row": n, "errors": {field: [..]}}]``."""
        if isinstance(self.errors, list) and all(
            isinstance(e, dict) and "row" in e for e in self.errors
        ):
            return self.errors
        return []


def _flatten(errors, prefix: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            out += _flatten(value, f"{prefix}{key}: " if not prefix else f"{prefix}{key}.")
    elif isinstance(errors, list):
        for value in errors:
            out += (
                _flatten(value, prefix)
                if isinstance(value, (dict, list))
                else [f"{prefix}{one_language(value)}"]
            )
    elif errors not in (None, ""):
        out.append(f"{prefix}{one_language(errors)}")
    return out


@dataclass(eq=False)
class Api:
    """Calls ``<base>/api/v1/<service><path>`` with ``Authorization: Bearer <token>``
    (left out of its repr, which may end up in a log)."""

    bases: dict[str, str]
    token: str | None = field(repr=False)
    timeout: float
    request_id: str | None = None

    def url(self, service: str, path: str, params: dict | None = None) -> str:
        url = f"{self.bases[service].rstrip('/')}/api/v1/{service}{path}"
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        return f"{url}?{urlencode(clean, doseq=True)}" if clean else url

    def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        params=None,
        json=None,
        data=None,
        files=None,
        headers=None,
        raw: bool = False,
    ):
        """The decoded JSON answer (or the ``requests.Response`` when ``raw``)."""
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if self.request_id:
            sent["X-Request-ID"] = self.request_id
        response = _SESSION.request(
            method,
            self.url(service, path, params),
            json=json,
            data=data,
            files=files,
            headers=sent,
            timeout=self.timeout,
        )
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            if not isinstance(body, dict):
                body = {}
            raise ApiError(
                response.status_code,
                str(body.get("title") or response.reason or ""),
                str(body.get("detail") or ""),
                body.get("errors") or {},
                body,
                response.headers.get("Retry-After"),
            )
        if raw:
            return response
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get(self, service: str, path: str, **params):
        return self.call("GET", service, path, params=params)

    def post(self, service: str, path: str, body=None, **kw):
        return self.call("POST", service, path, json=body, **kw)

    def patch(self, service: str, path: str, body=None, **kw):
        return self.call("PATCH", service, path, json=body, **kw)

    def put(self, service: str, path: str, body=None, **kw):
        return self.call("PUT", service, path, json=body, **kw)

    def delete(self, service: str, path: str, **kw):
        return self.call("DELETE", service, path, **kw)

    def items(self, service: str, path: str, limit: int = 1000, **params) -> list[dict]:
        """Every item of a paginated list (up to ``limit``), 200 at a time."""
        out: list[dict] = []
        page = 1
        while len(out) < limit:
            body = self.get(service, path, page=page, per_page=200, **params)
            out += body.get("items", [])
            if page * 200 >= body.get("total", 0):
                break
            page += 1
        return out[:limit]
