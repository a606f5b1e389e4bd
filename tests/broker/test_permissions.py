"""Issue 9, point 16, and issue 19: each service connects to RabbitMQ as its own user
(``deploy/broker.py``), which may publish only its own events and read only its own
queues; what it must do (publish, declare and consume its queue, retry, park and replay
through its own exchange) still works, and no service can put another's event into any
queue: a forged event sent by every route is refused by the broker or parked by the
consumer, never applied."""

from __future__ import annotations

import threading
import time
import uuid

import amqp
import pytest
import sqlalchemy as sa

from deploy import broker
from services.reporting.models import Inbox
from services.reporting.spec import SPEC as REPORTING
from shared.bus import Bus, BusError, dumps
from shared.consumer import VERIFIED, EventConsumer, parked_messages, replay_parked
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


SERVICES = broker.SERVICES


@pytest.fixture(scope="module")
def users(amqp_url, names):
    """Every service's user, for this module's names."""
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


def test_a_consumer_under_its_own_user_applies_retries_parks_and_replays(users, sqlite_url):
    """Reporting's consumer, logged in as its own user: a failing handler goes through the
    retry queue (its own exchange, TTL, dead-letter back) and is parked; once fixed, a
    replay (``manage parked replay``, as the same user) applies it."""
    db = migrated(REPORTING, sqlite_url)
    calls = []
    fixed = threading.Event()

    def flaky(session, envelope):
        calls.append(str(envelope["id"]))
        if envelope["payload"]["name"] == "总是失败" and not fixed.is_set():
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
        assert wait(lambda: applied(db, good["id"]) and parked_messages(bus, "reporting"))
        parked = parked_messages(bus, "reporting")
        assert [m["message_id"] for m in parked] == [bad["id"]]
        assert parked[0]["verified_producer"] == bus.user.replace("-reporting", "-roster")
        assert calls.count(good["id"]) == 2 and calls.count(bad["id"]) == 3
        fixed.set()
        assert replay_parked(bus, "reporting", bad["id"]) == 1  # manage parked replay --id
        assert wait(lambda: applied(db, bad["id"]))
        assert parked_messages(bus, "reporting") == []
    finally:
        stop.set()
        thread.join(10)
        db.dispose()


def wait(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return result


def applied(db, event_id: str) -> bool:
    with db.transaction() as session:
        return session.get(Inbox, event_id) is not None


def publish_as(bus: Bus, exchange: str, routing_key: str, body: bytes, headers=None,
               **properties):  # fmt: skip
    """Publish one message as ``bus``'s user, exactly as given (``user_id`` only if
    passed), and wait for the broker's answer: None when it took the message, else the
    error it closed the channel with."""
    conn = bus.connect()
    try:
        channel = conn.channel()
        message = amqp.Message(body, content_type="application/json",
                               application_headers=headers or {}, **properties)  # fmt: skip
        channel.basic_publish_confirm(message, exchange=exchange, routing_key=routing_key,
                                      confirm_timeout=10)  # fmt: skip
        return None
    except amqp.exceptions.AMQPError as exc:
        return exc
    finally:
        conn.release()


def test_each_user_writes_only_to_the_events_exchange_and_its_own(users, names):
    """No user may write to the default exchange (not even into its own queues), nor to
    another service's exchange; each may write to its own."""
    prefix = names["QUEUE_PREFIX"]
    reporting = users("reporting")
    conn = reporting.connect()
    try:
        reporting.declare(conn, "reporting", REPORTING.handlers)
    finally:
        conn.release()
    body = dumps(event("trainee.registered", TRAINEE, "roster"))
    for service in SERVICES:
        bus = users(service)
        for queue in (f"{prefix}.reporting", f"{prefix}.{service}", f"{prefix}.{service}.retry"):
            refused = publish_as(bus, "", queue, body)
            assert isinstance(refused, amqp.exceptions.AccessRefused), (service, queue)
        if service != "reporting":
            for key in ("main", "retry", "parked"):
                refused = publish_as(bus, f"{prefix}.reporting", key, body)
                assert isinstance(refused, amqp.exceptions.AccessRefused), (service, key)
    assert publish_as(reporting, f"{prefix}.reporting", "parked", body) is None
    assert len(parked_messages(reporting, "reporting")) == 1
    conn = reporting.connect()
    try:
        conn.channel().queue_purge(f"{prefix}.reporting.parked")
    finally:
        conn.release()


def snapshot(db) -> dict[str, int]:
    """Rows of every table of a database."""
    with db.engine.connect() as conn:
        return {
            table: conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar()
            for table in sa.inspect(conn).get_table_names()
        }


def test_a_forged_event_is_refused_or_parked_by_every_route_never_applied(users, names, sqlite_url):
    """Issue 19: the notifier's user once published a ``trainee.registered`` straight into
    welfare's queue, and welfare applied it. Welfare's consumer runs here under its own user;
    a forged ``trainee.registered`` goes by every route there is."""
    from services.welfare.spec import SPEC as WELFARE

    prefix = names["QUEUE_PREFIX"]
    db = migrated(WELFARE, sqlite_url)
    welfare = users("welfare")
    roster_login = users("roster").user
    consumer = WELFARE.consumer(WELFARE.config(RETRY_DELAYS_MS=[100]), db, welfare)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop, ready), daemon=True)
    thread.start()
    try:
        assert ready.wait(15)
        before = snapshot(db)
        forged = event("trainee.registered", {**TRAINEE, "id": 77, "name": "冒名"}, "roster")
        body = dumps(forged)
        notifier, mentorship, roster = users("notifier"), users("mentorship"), users("roster")

        # refused by the broker
        refusals = {
            "another's type to the events exchange (topic permission)": publish_as(
                notifier, names["EVENTS_EXCHANGE"], "trainee.registered", body,
                user_id=notifier.user),
            "the default exchange, straight into welfare's queue": publish_as(
                notifier, "", f"{prefix}.welfare", body, user_id=notifier.user),
            "the default exchange, into welfare's retry queue": publish_as(
                mentorship, "", f"{prefix}.welfare.retry", body, user_id=mentorship.user),
            **{
                f"welfare's own exchange ({key})": publish_as(
                    notifier, f"{prefix}.welfare", key, body, user_id=notifier.user)
                for key in ("main", "retry", "parked")
            },
            "welfare's own exchange, by the type's owner with a verified producer": publish_as(
                roster, f"{prefix}.welfare", "main", body, {VERIFIED: roster_login},
                user_id=roster.user),
            "a forged user_id": publish_as(
                mentorship, names["EVENTS_EXCHANGE"], "mentor.assigned", body,
                user_id=roster_login),
        }  # fmt: skip
        for route, refused in refusals.items():
            expected = (
                amqp.exceptions.PreconditionFailed
                if "user_id" in route
                else amqp.exceptions.AccessRefused
            )
            assert isinstance(refused, expected), (route, refused)

        # taken by the broker (mentorship may publish mentor.*, which welfare receives),
        # parked by the consumer
        assigned = event("mentor.assigned", {"assignment_id": 5, "trainee_id": 77,
                                             "mentor_id": 101, "role": "integrity",
                                             "start_date": "2026-11-02", "unit_id": 1},
                         "roster")  # fmt: skip
        deliveries = {
            "another's type under its own routing key": (body, {}, mentorship.user),
            "the same without user_id": (body, {}, None),
            "the same claiming a verified producer": (body, {VERIFIED: roster_login},
                                                      mentorship.user),
            "its own type with a forged producer field": (dumps(assigned), {},
                                                          mentorship.user),
        }  # fmt: skip
        for route, (message, headers, user_id) in deliveries.items():
            extra = {"user_id": user_id} if user_id else {}
            taken = publish_as(mentorship, names["EVENTS_EXCHANGE"], "mentor.assigned",
                               message, headers, **extra)  # fmt: skip
            assert taken is None, (route, taken)
        assert wait(lambda: len(parked_messages(welfare, "welfare")) == len(deliveries))
        parked = parked_messages(welfare, "welfare")
        assert all(m["reason"].startswith("refused: ") for m in parked), parked
        assert all(m["verified_producer"] is None for m in parked), parked
        assert snapshot(db) == before

        # a replay does not launder them: back through welfare's own exchange, unverified
        assert replay_parked(welfare, "welfare") == len(deliveries)

        def parked_again():
            reasons = [m["reason"] for m in parked_messages(welfare, "welfare")]
            hops = sum("a hop without the verified producer" in r for r in reasons)
            return len(reasons) == len(deliveries) and hops == len(deliveries) - 1

        assert wait(parked_again), parked_messages(welfare, "welfare")
        assert snapshot(db) == before

        # and the real thing, from roster, is applied
        genuine = event("trainee.registered", {**TRAINEE, "id": 78}, "roster")
        assert roster.publish([genuine]) == {genuine["id"]}
        assert wait(lambda: snapshot(db)["inbox"] == before["inbox"] + 1)
        with db.transaction() as session:
            ids = set(session.scalars(sa.text("SELECT id FROM trainee")))
        assert ids == {78}
    finally:
        stop.set()
        thread.join(10)
        db.dispose()
