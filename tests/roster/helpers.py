"""Helpers shared by the roster API tests."""

from __future__ import annotations

import pytest

API = "/api/v1/roster"
PROBLEM_JSON = "application/problem+json"

#: Run a test on SQLite and again on PostgreSQL (parametrises the ``roster`` fixture).
BOTH_DATABASES = pytest.mark.parametrize(
    "roster",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True,
)


def assert_problem(response, status: int) -> dict:
    """The response is a problem+json document with this status; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert {"type", "title", "status"} <= set(body), body
    assert body["status"] == status
    return body
