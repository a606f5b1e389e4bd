"""The database away answers 503 with Retry-After, never 500 (shared/http.py): roster's app
reaches a real PostgreSQL through a TCP proxy the test cuts (refused and lost connections,
a COMMIT whose answer never came back), or waits for a pool that has no connection free;
on SQLite, a database locked by another writer. A COMMIT cut off is made safe to retry by
the Idempotency-Key: the retry finds the stored answer if the server had committed, and
runs afresh if it had not."""

from __future__ import annotations

import sqlite3
import time
import uuid
from contextlib import closing

import pytest
import sqlalchemy as sa

from services.roster.app import create_app
from services.roster.config import Config
from services.roster.domain.places import create_place
from services.roster.models import Unit
from services.roster.spec import SPEC
from shared import db as shared_db
from shared.db import Database
from tests.chaos.proxy import TcpProxy
from tests.conftest import auth, migrated

API = "/api/v1/roster"
PROBLEM_JSON = "application/problem+json"


def assert_unavailable(response, retry_after: str = "5") -> dict:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    assert response.headers["Retry-After"] == retry_after
    body = response.get_json()
    assert body["status"] == 503
    assert body["title"].startswith("服务暂时不可用")
    assert "数据库" in body["detail"]
    return body


class Proxied:
    """Roster's app on ``pg_url`` through a proxy; ``unit`` is a unit for trainees."""

    def __init__(self, pg_url: str, **config) -> None:
        migrated(SPEC, pg_url).dispose()
        url = sa.engine.make_url(pg_url)
        self.proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        proxied = url.set(host="127.0.0.1", port=self.proxy.port)
        self.direct = Database(pg_url)
        with self.direct.transaction() as s:
            self.unit = create_place(s, Unit, {"code": "U1", "name": "区委办"}).id
        self.db = Database(proxied.render_as_string(hide_password=False))
        self.app = create_app(
            Config(DATABASE_URL=self.db.url, BROKER_URL="memory://", **config), self.db
        )
        self.client = self.app.test_client()

    def trainees(self, name: str) -> int:
        with self.direct.engine.connect() as conn:
            return conn.execute(
                sa.text("SELECT count(*) FROM trainee WHERE name = :n"), {"n": name}
            ).scalar()

    def register(self, name: str, key: str | None = None):
        headers = auth("city")
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post(
            f"{API}/trainees",
            json={"name": name, "cohort": 2026, "unit_id": self.unit},
            headers=headers,
        )

    def close(self) -> None:
        self.proxy.close()
        self.db.dispose()
        self.direct.dispose()


@pytest.fixture
def proxied(pg_url):
    system = Proxied(pg_url)
    yield system
    system.close()


def until_ok(call, timeout: float = 10.0):
    """The database is back: the first requests may still find dead pooled connections."""
    deadline = time.monotonic() + timeout
    while True:
        response = call()
        if response.status_code < 500 or time.monotonic() > deadline:
            return response
        assert_unavailable(response)
        time.sleep(0.2)


@pytest.mark.integration
def test_reads_writes_and_login_answer_503_with_retry_after_while_the_database_is_away(
    proxied,
):
    client = proxied.client
    assert client.get(f"{API}/towns", headers=auth("city")).status_code == 200
    proxied.proxy.cut()  # the pooled connection is lost, and new ones are refused
    answers = [
        client.get(f"{API}/towns", headers=auth("city")),  # the pooled connection: lost
        client.get(f"{API}/towns", headers=auth("city")),  # a new one: refused
        client.get(f"{API}/trainees/1", headers=auth("city")),
        client.post(f"{API}/towns", json={"code": "T9", "name": "九镇"}, headers=auth("city")),
        proxied.register("断线学员"),
        client.post(
            f"{API}/auth/token",
            json={"grant_type": "password", "username": "clerk", "password": "x" * 12},
        ),
    ]
    for response in answers:
        assert_unavailable(response)
    assert client.get("/readyz").status_code == 503
    proxied.proxy.restore()
    assert until_ok(lambda: client.get(f"{API}/towns", headers=auth("city"))).status_code == 200
    assert proxied.register("恢复学员").status_code == 201
    assert proxied.trainees("断线学员") == 0


@pytest.mark.integration
def test_retry_after_is_configurable(pg_url):
    system = Proxied(pg_url, UNAVAILABLE_RETRY_AFTER_SECONDS=2)
    try:
        system.proxy.cut()
        assert_unavailable(system.client.get(f"{API}/towns", headers=auth("city")), "2")
    finally:
        system.close()


@pytest.mark.integration
def test_a_pool_with_no_connection_free_in_time_answers_503(pg_url):
    migrated(SPEC, pg_url).dispose()
    db = Database(pg_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    app = create_app(Config(DATABASE_URL=pg_url, BROKER_URL="memory://"), db)
    held = db.engine.connect()  # the only connection, taken
    try:
        assert_unavailable(app.test_client().get(f"{API}/towns", headers=auth("city")))
    finally:
        held.close()
        assert app.test_client().get(f"{API}/towns", headers=auth("city")).status_code == 200
        db.dispose()


def _cut_at_commit(proxied, *, after_the_server_committed: bool) -> None:
    """Cut the proxy when the next COMMIT is about to go out: before it (nothing was
    committed), or once the server has committed (only the answer is lost)."""

    @sa.event.listens_for(proxied.db.engine, "commit", once=True)
    def _cut(conn):
        if after_the_server_committed:
            raw = conn.connection.dbapi_connection
            raw.commit()  # the server commits the request's work...
            raw.execute("SELECT 1")  # ...and the COMMIT the app sends next is a new one
        proxied.proxy.cut()


@pytest.mark.integration
@pytest.mark.parametrize("committed", [False, True], ids=["lost-before", "lost-after"])
def test_a_commit_cut_off_is_a_503_and_a_retry_with_the_key_is_safe(proxied, committed):
    key = str(uuid.uuid4())
    name = f"提交时断线{int(committed)}"
    assert proxied.client.get(f"{API}/towns", headers=auth("city")).status_code == 200
    _cut_at_commit(proxied, after_the_server_committed=committed)
    assert_unavailable(proxied.register(name, key))
    # the client cannot tell which it was; the database can
    assert proxied.trainees(name) == (1 if committed else 0)
    proxied.proxy.restore()
    retried = until_ok(lambda: proxied.register(name, key))
    assert retried.status_code == 201, retried.get_json()
    assert retried.headers.get("Idempotent-Replayed") == ("true" if committed else None)
    assert retried.get_json()["name"] == name
    assert proxied.trainees(name) == 1
    again = proxied.register(name, key)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == retried.get_json()


def test_a_sqlite_database_locked_by_another_writer_answers_503(tmp_path, monkeypatch):
    monkeypatch.setattr(shared_db, "SQLITE_BUSY_TIMEOUT_SECONDS", 0.2)
    path = tmp_path / "roster.db"
    url = f"sqlite:///{path}"
    db = migrated(SPEC, url)
    app = create_app(Config(DATABASE_URL=url, BROKER_URL="memory://"), db)
    client = app.test_client()
    town = {"code": "T1", "name": "一镇"}
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            assert_unavailable(client.post(f"{API}/towns", json=town, headers=auth("city")))
            assert_unavailable(client.get(f"{API}/towns", headers=auth("city")))
        finally:
            other.execute("ROLLBACK")
    created = client.post(f"{API}/towns", json=town, headers=auth("city"))
    assert created.status_code == 201
    db.dispose()


def test_a_bug_in_a_statement_is_still_a_500_not_a_503(tmp_path):
    """Only "the database cannot serve now" is a 503: SQLite's "no such table" (an
    unmigrated database) is not something a retry fixes."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    db = Database(url)
    app = create_app(Config(DATABASE_URL=url, BROKER_URL="memory://"), db)
    response = app.test_client().get(f"{API}/towns", headers=auth("city"))
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    db.dispose()
