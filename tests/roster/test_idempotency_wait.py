"""Idempotency-Key on PostgreSQL only: a second request with a key in flight waits for the
first at most ``IDEMPOTENCY_WAIT_SECONDS`` (SQLite serialises writers: there the second
simply waits for the write lock)."""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa

from services.roster.models import IdempotencyKey
from shared.clock import utcnow
from tests.roster.helpers import assert_problem
from tests.roster.test_idempotency import body, post


def test_a_second_request_waits_for_the_first_at_most_the_configured_time(roster_pg):
    roster = roster_pg
    roster.app.config["IDEMPOTENCY_WAIT_SECONDS"] = 1
    key = str(uuid.uuid4())
    held = roster.db.sessionmaker()
    # a first request's claim, not yet committed
    held.execute(
        sa.insert(IdempotencyKey.__table__).values(
            caller="city:1", key=key, fingerprint="x", created_at=utcnow()
        )
    )
    try:
        started = time.monotonic()
        waiting = post(roster, key, body(roster))
        assert 0.9 < time.monotonic() - started < 10
    finally:
        held.rollback()
        held.close()
    problem = assert_problem(waiting, 409)
    assert waiting.headers["Retry-After"]
    assert "Idempotency-Key" in problem["errors"]
    assert post(roster, key, body(roster)).status_code == 201
