"""The connection pool pings a connection only when it has been idle: a connection in
steady use (the month-end burst) costs no extra round trip, one that sat idle while the
database restarted is replaced before anybody uses it."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from shared import db as shared_db

pytestmark = [pytest.mark.integration]


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text("SELECT pg_backend_pid()"))


def _terminate(admin_url: str, pid: int) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    admin.dispose()
    time.sleep(0.2)


def _pings(engine) -> list[int]:
    calls = []
    real = engine.dialect.do_ping

    def counting(dbapi_conn):
        calls.append(1)
        return real(dbapi_conn)

    engine.dialect.do_ping = counting
    return calls


def test_a_busy_connection_is_not_pinged(pg_url):
    engine = shared_db.make_engine(pg_url, pool_size=1, max_overflow=0)
    pings = _pings(engine)
    for _ in range(20):
        with engine.connect() as conn:
            conn.scalar(sa.text("SELECT 1"))
    assert pings == []
    engine.dispose()


def test_an_idle_connection_whose_backend_died_is_replaced(pg_url, pg_admin_url, monkeypatch):
    monkeypatch.setattr(shared_db, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = shared_db.make_engine(pg_url, pool_size=1, max_overflow=0)
    pings = _pings(engine)
    first = _backend_pid(engine)
    _terminate(pg_admin_url, first)  # as a database restart would
    time.sleep(0.05)
    second = _backend_pid(engine)  # no error: pinged, found dead, replaced
    assert second != first
    assert pings
    engine.dispose()
