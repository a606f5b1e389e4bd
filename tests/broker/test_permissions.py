"""Issue 9, point 16: each service connects to RabbitMQ as its own user
(``deploy/broker.py``), which may publish only its own events and read only its own
queues; what it must do (publish, declare and consume its queue, retry and park through
the default exchange) still works."""

from __future__ import annotations

import threading
import time
import uuid

import amqp
import pytest

from deploy import broker
from services.reporting.models import Inbox
from services.reporting.spec import SPEC as REPORTING
from shared.bus import Bus, BusError
from shared.consumer import EventConsumer, parked_messages
from shared.events import catalogue
from shared.events.envelope import build_event
from tests.conftest import migrated

pytestmark = pytest.mark.integration


def test_the_table_of_publishers_covers_the_event_catalogue_exactly_once():
    kinds = {t.split(".")[0] for t, _version in catalogue.CATALOGUE}
    owners = [k for service in broker.PUBLISHES.values() for k in service]
    assert sorted(owners) == sorted(set(owners)), "a kind of event with two publishers"
    assert set(owners) == kinds


@pytest.fixture(scope="module")
def names():
    """Exchange and queue prefix of this module (its users are made once: rabbitmqctl is
    slow), deleted afterwards."""
    from deploy.stack import delete_broker_names
    from tests.conftest import AMQP_URL

    tag = uuid.uuid4().hex[:10]
    made = {"EVENTS_EXCHANGE": f"test.{tag}.events", "QUEUE_PREFIX": f"test.{tag}"}
    yield made
    delete_broker_names(AMQP_URL, made["EVENTS_EXCHANGE"], made["QUEUE_PREFIX"])


SERVICES = ("roster", "reporting", "notifier")


@pytest.fixture(scope="module")
def users(amqp_url, names):
    """The users of roster, reporting and the notifier, for this module's names."""
    prefix = f"gt{uuid.uuid4().hex[:8]}"
    passwords = {s: f"pw-{s}-{prefix}" for s in SERVICES}
    broker.setup(passwords, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"],
                 user_prefix=prefix)  # fmt: skip
    host = amqp_url.split("@", 1)[1]

    def bus(service: str) -> Bus:
        url = f"amqp://{broker.username(service, prefix)}:{passwords[service]}@{host}"
        return Bus(url, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"])

    yield bus
    broker.remove(SERVICES, prefix)


def event(type_: str, payload: dict, producer: str) -> dict:
    return build_event(type_, payload, producer=producer)


TRAINEE = {"id": 7, "name": "张𠀾", "cohort": 2026, "unit_id": 1, "status": "active",
           "version": 1}  # fmt: skip


def test_a_service_publishes_its_own_events_and_no_one_elses(users):
    roster = users("roster")
    own = event("trainee.registered", TRAINEE, "roster")
    # routed nowhere yet (no queue bound), so not confirmed as routed, but not refused
    assert roster.publish([own]) == set()
    forged = {**own, "id": str(uuid.uuid4()), "type": "report.submitted"}  # not roster's
    with pytest.raises((BusError, amqp.exceptions.AccessRefused)):
        users("roster").publish([forged])
    with pytest.raises((BusError, amqp.exceptions.AccessRefused)):
        users("notifier").publish([own])


def test_a_service_cannot_read_or_declare_another_services_queue(users, names):
    reporting, roster = users("reporting"), users("roster")
    conn = reporting.connect()
    try:
        reporting.declare(conn, "reporting", REPORTING.handlers)
    finally:
        conn.release()
    conn = roster.connect()
    try:
        channel = conn.channel()
        with pytest.raises(amqp.exceptions.AccessRefused):
            channel.basic_get(f"{names['QUEUE_PREFIX']}.reporting")
        channel = conn.channel()
        with pytest.raises(amqp.exceptions.AccessRefused):
            channel.queue_declare(f"{names['QUEUE_PREFIX']}.roster-spy", auto_delete=True)
    finally:
        conn.release()


def test_a_consumer_under_its_own_user_applies_retries_and_parks(users, sqlite_url):
    """Reporting's consumer, logged in as grassroots-reporting: a failing handler goes
    through the retry queue (default exchange, TTL, dead-letter back) and is parked."""
    db = migrated(REPORTING, sqlite_url)
    calls = []

    def flaky(session, envelope):
        calls.append(str(envelope["id"]))
        if envelope["payload"]["name"] == "总是失败":
            raise RuntimeError("poison")
        if len(calls) == 1:
            raise RuntimeError("first attempt fails")

    bus = users("reporting")
    consumer = EventConsumer("reporting", db, bus, Inbox, {"trainee.registered": flaky},
                             retry_delays_ms=[100, 100])  # fmt: skip
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop, ready), daemon=True)
    thread.start()
    try:
        assert ready.wait(15)
        good = event("trainee.registered", TRAINEE, "roster")
        bad = event("trainee.registered", {**TRAINEE, "id": 8, "name": "总是失败"}, "roster")
        assert users("roster").publish([good, bad]) == {good["id"], bad["id"]}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with db.transaction() as session:
                applied = session.get(Inbox, good["id"]) is not None
            parked = parked_messages(bus, "reporting")
            if applied and parked:
                break
            time.sleep(0.2)
        assert applied, calls
        assert [m["message_id"] for m in parked] == [bad["id"]]
        assert calls.count(good["id"]) == 2 and calls.count(bad["id"]) == 3
    finally:
        stop.set()
        thread.join(10)
        db.dispose()
