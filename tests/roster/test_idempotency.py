"""Idempotency-Key on creating POSTs (shared/idempotency.py), through roster's trainees on
SQLite and PostgreSQL: a replay answers the stored answer and creates nothing; another body
under the same key is a 422; keys are per caller; a key lives 24 hours; two requests with
one key at the same moment create one object."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from services.roster.models import IdempotencyKey
from shared.clock import utcnow
from shared.idempotency import purge_expired
from tests.conftest import CITY_ZONE, make_token
from tests.roster.helpers import API, BOTH_DATABASES, assert_problem

pytestmark = BOTH_DATABASES


def city(subject: str = "1") -> dict:
    return {"Authorization": f"Bearer {make_token('city', subject=subject)}"}


def post(roster, key: str | None, body: dict, headers: dict | None = None):
    sent = dict(headers or city())
    if key is not None:
        sent["Idempotency-Key"] = key
    return roster.client.post(f"{API}/trainees", json=body, headers=sent)


def body(roster, name: str = "幂等学员") -> dict:
    return {"name": name, "cohort": 2026, "unit_id": roster.unit_x}


def trainees(roster) -> int:
    return roster.count("trainee")


def test_the_same_key_and_body_answer_the_stored_answer_and_create_nothing(roster):
    key = str(uuid.uuid4())
    before = roster.counts("trainee", "outbox")
    first = post(roster, key, body(roster))
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    # the same JSON with its keys in another order is the same request
    again = post(roster, key, dict(reversed(list(body(roster).items()))))
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.mimetype == "application/json"
    assert roster.counts("trainee", "outbox") == {
        "trainee": before["trainee"] + 1,
        "outbox": before["outbox"] + 1,
    }
    # the answer was stored with the trainee, in the same commit
    with roster.db.engine.connect() as conn:
        row = conn.execute(sa.select(IdempotencyKey.__table__)).one()
    assert (row.caller, row.key, row.status) == ("city:1", key, 201)


def test_another_body_under_the_same_key_is_a_422_and_stores_nothing(roster):
    key = str(uuid.uuid4())
    assert post(roster, key, body(roster)).status_code == 201
    count = trainees(roster)
    other = post(roster, key, body(roster, "另一个学员"))
    problem = assert_problem(other, 422)
    assert "Idempotency-Key" in problem["errors"]
    assert "幂等键" in problem["detail"]
    # another path under the same key is another request too
    placed = roster.client.post(
        f"{API}/towns",
        json={"code": "TZ", "name": "新镇"},
        headers={**city(), "Idempotency-Key": key},
    )
    assert_problem(placed, 422)
    assert trainees(roster) == count


def test_keys_are_per_caller(roster):
    key = "same-key-for-both"
    mine = post(roster, key, body(roster), city("1"))
    theirs = post(roster, key, body(roster), city("2"))
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.get_json()["id"] != theirs.get_json()["id"]


def test_without_the_header_nothing_changes_and_a_bad_key_is_a_400(roster):
    count = trainees(roster)
    assert post(roster, None, body(roster)).status_code == 201
    assert post(roster, None, body(roster)).status_code == 201
    assert trainees(roster) == count + 2
    for bad in ("", "空格 key", "x" * 256, 'quoted"key'):
        problem = assert_problem(post(roster, bad, body(roster)), 400)
        assert "Idempotency-Key" in problem["errors"]
    assert trainees(roster) == count + 2


def test_a_failed_request_stores_nothing_and_the_key_may_be_used_again(roster):
    key = str(uuid.uuid4())
    refused = post(roster, key, {**body(roster), "unit_id": 999_999})
    assert refused.status_code in (404, 422), refused.get_json()
    town = {"Authorization": f"Bearer {make_token('town', 1)}"}
    forbidden = post(roster, key, body(roster), town)
    assert forbidden.status_code == 403
    fixed = post(roster, key, body(roster))
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed.headers


def test_a_key_lives_24_hours(roster, travel):
    key = str(uuid.uuid4())
    start = dt.datetime(2026, 12, 15, 9, 0, tzinfo=CITY_ZONE)
    travel(start)
    first = post(roster, key, body(roster))
    travel(start + dt.timedelta(hours=23, minutes=59))
    assert post(roster, key, body(roster)).headers.get("Idempotent-Replayed") == "true"
    travel(start + dt.timedelta(hours=24, minutes=1))
    count = trainees(roster)
    # expired: the key is free again, whatever the body
    fresh = post(roster, key, body(roster, "一天后的学员"))
    assert fresh.status_code == 201
    assert "Idempotent-Replayed" not in fresh.headers
    assert fresh.get_json()["id"] != first.get_json()["id"]
    assert trainees(roster) == count + 1
    # and the purge deletes what is older than 24 hours, nothing younger
    other = str(uuid.uuid4())
    travel(start + dt.timedelta(hours=30))
    assert post(roster, other, body(roster)).status_code == 201
    travel(start + dt.timedelta(hours=48, minutes=2))  # the retaken key has expired
    assert purge_expired(roster.db, IdempotencyKey) == 1
    with roster.db.engine.connect() as conn:
        assert conn.execute(sa.select(IdempotencyKey.key)).scalars().all() == [other]


def _wait_for_lock_waiters(roster, count: int, timeout: float = 20.0) -> None:
    """Wait until ``count`` backends of this database wait on a lock (PostgreSQL)."""
    deadline = time.monotonic() + timeout
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'"
    )
    with roster.db.engine.connect() as conn:
        while conn.execute(query).scalar() < count:
            assert time.monotonic() < deadline, "the requests never waited"
            time.sleep(0.05)
            conn.rollback()


def test_two_requests_with_one_key_at_once_create_one_object(roster, request):
    key = str(uuid.uuid4())
    count = trainees(roster)
    answers = []
    lock = threading.Lock()

    def send():
        response = post(roster, key, body(roster))
        with lock:
            answers.append(response)

    postgres = roster.db.is_postgres
    blocker = roster.db.engine.connect()
    if postgres:
        # hold the trainee table: the first request claims the key and then waits here,
        # the second waits for the first's claim; then both go on
        blocker.execute(sa.text("LOCK TABLE trainee IN EXCLUSIVE MODE"))
    threads = [threading.Thread(target=send) for _ in range(2)]
    threads[0].start()
    if postgres:
        _wait_for_lock_waiters(roster, 1)
    threads[1].start()
    if postgres:
        _wait_for_lock_waiters(roster, 2)
    blocker.rollback()
    blocker.close()
    for thread in threads:
        thread.join(30)
    assert [a.status_code for a in answers] == [201, 201], [a.get_json() for a in answers]
    assert answers[0].get_json() == answers[1].get_json()
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert trainees(roster) == count + 1


def test_a_second_request_waits_for_the_first_at_most_the_configured_time(roster):
    if not roster.db.is_postgres:
        pytest.skip("SQLite serialises writers: the second waits for the write lock")
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


def test_an_import_sent_twice_with_one_key_imports_once(roster):
    from tests.roster.test_import import TRAINEE_HEADER, clean_trainee_rows, csv_text, upload

    data = csv_text(TRAINEE_HEADER, clean_trainee_rows()).encode()
    url = f"{API}/imports/trainees"
    key = {**city(), "Idempotency-Key": str(uuid.uuid4())}
    # a dry run (its transaction rolled back) is answered again, too
    dry = upload(roster, url, data, "a.csv", key, query="?dry_run=true")
    assert dry.status_code == 200, dry.get_json()
    assert (
        upload(roster, url, data, "a.csv", key, "?dry_run=true").headers["Idempotent-Replayed"]
        == "true"
    )
    count = trainees(roster)
    key = {**city(), "Idempotency-Key": str(uuid.uuid4())}
    first = upload(roster, url, data, "a.csv", key)
    # the same fields and file are the same request, whatever the multipart boundary
    again = upload(roster, url, data, "a.csv", key)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert trainees(roster) == count + 3
    assert_problem(upload(roster, url, data + b"\n", "b.csv", key), 422)


def test_a_malformed_body_with_a_key_is_still_a_400(roster):
    response = roster.client.post(
        f"{API}/trainees",
        data=b'{"name": ',
        headers={**city(), "Idempotency-Key": "k1", "Content-Type": "application/json"},
    )
    assert_problem(response, 400)
    assert post(roster, "k1", body(roster)).status_code == 201
