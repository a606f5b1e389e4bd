"""Helpers shared by the roster API tests."""

from __future__ import annotations

import pytest

from shared.normalize import check_digit

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


def id_number(first14: str = "44010619990501", n: int = 0, *, x: bool = False) -> str:
    """A valid identity number: region and birth date (``first14``), sequence ``n``, and
    its check digit; ``x=True``: the first sequence from ``n`` whose check digit is X."""
    while True:
        body = f"{first14}{n:03d}"
        digit = check_digit(body)
        if digit == "X" or not x:
            return body + digit
        n += 1


#: The seeded trainees' and cadres' identity numbers (``conftest.seed``).
SEEDED_TRAINEE_IDS = [id_number("11010119990307", n) for n in range(3)]
SEEDED_CADRE_IDS = [id_number("44010619800101", n) for n in range(4)]
