"""Issue 22: one relay process serves several services' outboxes
(``python -m shared.relay``), each with its own database and its own broker login: each
event goes out exactly once, under its own service's user."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from kombu import Connection, Exchange, Queue

from deploy import broker
from services.mentorship.spec import SPEC as MENTORSHIP
from services.roster.spec import SPEC as ROSTER
from shared import relay
from shared.db import utcnow
from shared.events.envelope import build_event
from tests.conftest import migrated

pytestmark = pytest.mark.integration

TRAINEE = {"id": 7, "name": "张𠀾", "cohort": 2026, "unit_id": 1, "status": "active",
           "version": 1}  # fmt: skip


@pytest.fixture
def logins(amqp_url, names, rabbit_cleanup):
    """Roster's and mentorship's own broker users for this test's names: their URLs."""
    prefix = f"gt{uuid.uuid4().hex[:8]}"
    services = ("roster", "mentorship")
    passwords = {s: f"pw-{s}-{prefix}" for s in services}
    broker.setup(passwords, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"],
                 user_prefix=prefix)  # fmt: skip
    host = amqp_url.split("@", 1)[1]
    users = {s: broker.username(s, prefix) for s in services}
    yield {s: (users[s], f"amqp://{users[s]}:{passwords[s]}@{host}") for s in services}
    broker.remove(services, prefix)


def insert(db, envelopes: list[dict]) -> None:
    """Outbox rows as a service's request would commit them."""
    table = relay.outbox_model("any").__table__
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(table),
            [{"event_id": e["id"], "type": e["type"], "envelope": e,
              "created_at": utcnow()} for e in envelopes],
        )  # fmt: skip


def test_one_relay_process_publishes_each_services_events_once_as_that_service(
    pg_url, other_pg_url, amqp_url, names, logins, monkeypatch
):
    roster_db, mentorship_db = migrated(ROSTER, pg_url), migrated(MENTORSHIP, other_pg_url)
    for key, value in names.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ROSTER_DATABASE_URL", pg_url)
    monkeypatch.setenv("MENTORSHIP_DATABASE_URL", other_pg_url)
    monkeypatch.setenv("ROSTER_BROKER_URL", logins["roster"][1])
    monkeypatch.setenv("MENTORSHIP_BROKER_URL", logins["mentorship"][1])
    monkeypatch.setenv("RELAY_POLL_SECONDS", "30")
    exchange = Exchange(names["EVENTS_EXCHANGE"], type="topic", durable=True)
    probe = Queue(f"{names['QUEUE_PREFIX']}.probe", exchange, routing_key="#", durable=False)
    roster_events = [build_event("trainee.registered", {**TRAINEE, "id": i}, producer="roster")
                     for i in range(1, 4)]  # fmt: skip
    # a mentorship envelope as its outbox holds it (the broker checks the type, not the body)
    mentorship_events = [
        {"id": str(uuid.uuid4()), "type": "mentor.assigned", "version": 1,
         "producer": "mentorship", "payload": {"n": i}} for i in range(2)
    ]  # fmt: skip
    insert(roster_db, roster_events[:1])  # a backlog before the relay starts
    stop = threading.Event()
    with Connection(amqp_url) as conn:
        probe(conn.channel()).declare()
        thread = threading.Thread(target=relay.run, args=(["roster", "mentorship"], stop),
                                  daemon=True)  # fmt: skip
        thread.start()
        try:
            time.sleep(1)
            insert(roster_db, roster_events[1:])
            insert(mentorship_db, mentorship_events)
            seen: dict[str, list[str]] = {}
            channel = conn.channel()
            deadline = time.monotonic() + 15
            while len(seen) < 5 and time.monotonic() < deadline:
                message = channel.basic_get(probe.name, no_ack=True)
                if message is None:
                    time.sleep(0.05)
                    continue
                seen.setdefault(message.properties["message_id"], []).append(
                    message.properties.get("user_id")
                )
            time.sleep(0.5)  # nothing more comes: each once
            while (message := channel.basic_get(probe.name, no_ack=True)) is not None:
                seen.setdefault(message.properties["message_id"], []).append(
                    message.properties.get("user_id")
                )
        finally:
            stop.set()
            thread.join(30)
    assert seen == {
        **{e["id"]: [logins["roster"][0]] for e in roster_events},
        **{e["id"]: [logins["mentorship"][0]] for e in mentorship_events},
    }
    for db in (roster_db, mentorship_db):
        with db.engine.connect() as c:
            assert c.scalar(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")) == 0
        db.dispose()
