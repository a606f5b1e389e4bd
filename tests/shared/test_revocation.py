"""The revocation list every service checks tokens against (shared.revocation): a token
issued before its subject's ``not_before`` is refused, one issued after is not; the
projection keeps the latest ``not_before`` whatever order ``account.revoked`` arrives in;
the per-process cache reads the table at most once a second, only what changed."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from services.mentorship.app import create_app
from services.mentorship.config import Config
from services.mentorship.models import PROJECTIONS
from services.mentorship.spec import SPEC
from shared import revocation
from shared.clock import utcnow
from shared.events import build_event, validate_event
from tests.conftest import make_token, migrated

TokenRevocation = PROJECTIONS.revocation


def revoked_event(account_id: int, not_before: dt.datetime, role: str = "city") -> dict:
    return build_event(
        "account.revoked",
        {
            "id": account_id,
            "role": role,
            "scope_id": None if role == "city" else 1,
            "not_before": not_before,
            "reason": "account_inactive",
        },
        producer="roster",
    )


def test_a_token_issued_before_not_before_is_revoked_to_the_millisecond():
    class Fixed:
        def not_before(self, subject, role):
            return 1000.5 if (subject, role) == ("7", "city") else None

    assert revocation.revoked(Fixed(), "7", "city", 1000.499)
    assert not revocation.revoked(Fixed(), "7", "city", 1000.5)  # the same millisecond
    assert not revocation.revoked(Fixed(), "7", "city", 1001.0)  # a login after it
    assert not revocation.revoked(Fixed(), "7", "trainee", 999.0)  # another role's subject 7
    assert not revocation.revoked(None, "7", "city", 0.0)  # no list: nothing revoked


def test_the_cache_reads_at_most_once_a_second_and_then_only_what_changed():
    calls = []
    rows = [("7", "city", utcnow())]

    def load(changed_since, live_after):
        calls.append(changed_since)
        return list(rows)

    cache = revocation.RevocationCache(load, refresh_seconds=0.2, full_every=60)
    assert cache.not_before("7", "city") == rows[0][2].timestamp()
    for _ in range(100):
        cache.not_before("7", "city")
    assert calls == [None]  # one full read, then none within the interval
    later = utcnow() + dt.timedelta(seconds=5)
    rows.append(("8", "trainee", later))
    time.sleep(0.25)
    assert cache.not_before("8", "trainee") == later.timestamp()
    assert len(calls) == 2 and calls[1] is not None  # an incremental read
    assert cache.not_before("7", "city") is not None  # kept from the full read


def test_a_failed_read_keeps_the_list_it_had():
    state = {"fail": False}
    stamp = utcnow()

    def load(changed_since, live_after):
        if state["fail"]:
            raise ConnectionError("database away")
        return [("7", "city", stamp)]

    cache = revocation.RevocationCache(load, refresh_seconds=0.0)
    assert cache.not_before("7", "city") == stamp.timestamp()
    state["fail"] = True
    assert cache.not_before("7", "city") == stamp.timestamp()


@pytest.fixture
def mentorship(sqlite_url):
    db = migrated(SPEC, sqlite_url)
    config = Config(DATABASE_URL=sqlite_url, BROKER_URL="memory://")
    app = create_app(config, db)
    app.testing = True
    consumer = SPEC.consumer(config, db, SPEC.bus(config))
    yield app, db, consumer
    db.dispose()


def apply(consumer, envelope: dict) -> None:
    assert consumer.apply(validate_event(envelope))


def stored(db) -> dict:
    with db.transaction() as session:
        return {(r.subject, r.role): r.not_before for r in session.query(TokenRevocation).all()}


def test_the_projection_keeps_the_latest_not_before_in_any_order(mentorship):
    _app, db, consumer = mentorship
    first = utcnow().replace(microsecond=0)
    later = first + dt.timedelta(minutes=5)
    apply(consumer, revoked_event(7, later))
    apply(consumer, revoked_event(7, first))  # older, arriving late: changes nothing
    assert stored(db) == {("7", "city"): later}
    apply(consumer, revoked_event(7, later + dt.timedelta(seconds=1)))
    assert stored(db) == {("7", "city"): later + dt.timedelta(seconds=1)}


def test_a_service_refuses_a_token_issued_before_the_revocation_and_accepts_a_later_one(
    mentorship,
):
    app, _db, consumer = mentorship
    client = app.test_client()
    before = make_token("city", subject="7")
    other = make_token("city", subject="8")
    path = "/api/v1/mentorship/assignments"
    assert client.get(path, headers={"Authorization": f"Bearer {before}"}).status_code == 200
    time.sleep(0.002)
    apply(consumer, revoked_event(7, utcnow()))
    time.sleep(0.002)
    after = make_token("city", subject="7")
    app.extensions["token_revocations"].refresh(force=True)
    refused = client.get(path, headers={"Authorization": f"Bearer {before}"})
    assert refused.status_code == 401 and refused.get_json()["title"] == "Token revoked"
    assert refused.mimetype == "application/problem+json"
    assert client.get(path, headers={"Authorization": f"Bearer {after}"}).status_code == 200
    assert client.get(path, headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_the_cache_learns_a_revocation_within_its_refresh_interval(mentorship):
    app, _db, consumer = mentorship
    client = app.test_client()
    token = make_token("city", subject="9")
    headers = {"Authorization": f"Bearer {token}"}
    path = "/api/v1/mentorship/assignments"
    assert client.get(path, headers=headers).status_code == 200  # the list is read now
    time.sleep(0.002)
    apply(consumer, revoked_event(9, utcnow()))
    started = time.monotonic()
    while client.get(path, headers=headers).status_code != 401:
        assert time.monotonic() - started < 3, "not refused within 3 s"
        time.sleep(0.05)
    assert time.monotonic() - started <= app.config["REVOCATION_REFRESH_SECONDS"] + 0.5
