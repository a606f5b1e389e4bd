"""The outbox relay, the bus and the idempotent consumer against the real PostgreSQL and
RabbitMQ (and the in-process broker): no event lost, none applied twice, poison parked."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from kombu import Connection, Queue, binding

from shared.bus import Bus, dumps
from shared.consumer import EventConsumer, Origin, parked_messages, replay_parked
from shared.events import build_event
from shared.outbox import relay_once, run_relay
from tests.conftest import wait_for
from tests.shared import harness

pytestmark = pytest.mark.integration


@pytest.fixture
def bus(amqp_url, names, rabbit_cleanup):
    bus = Bus(amqp_url, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"])
    yield bus
    bus.reset()


@pytest.fixture
def db(pg_url):
    db = harness.open_db(pg_url)
    yield db
    db.dispose()


class Probe:
    """A queue bound to every event on the exchange, to count what was published."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.conn = Connection(bus.url)
        self.queue = Queue(
            f"{bus.queue_prefix}.probe",
            durable=False,
            auto_delete=False,
            bindings=[binding(bus.exchange, routing_key="#")],
        )
        channel = self.conn.channel()
        bus.exchange(channel).declare()
        self.queue(channel).declare()
        self.channel = channel
        self.seen: list[str] = []

    def drain(self) -> list[str]:
        bound = self.queue(self.channel)
        while True:
            message = bound.get(no_ack=True)
            if message is None:
                return self.seen
            self.seen.append(json.loads(message.body)["id"])

    def close(self) -> None:
        self.conn.release()


@pytest.fixture
def probe(bus):
    probe = Probe(bus)
    yield probe
    probe.close()


def _drain_relay(db, bus):
    while relay_once(db, harness.Outbox, bus, batch_size=100):
        pass


def test_relay_publishes_every_outbox_row_once_and_marks_it_sent(db, bus, probe):
    harness.add_events(db, 250)
    _drain_relay(db, bus)
    ids = harness.outbox_ids(db)
    wait_for(lambda: len(probe.drain()) >= 250, message="events did not all arrive")
    assert Counter(probe.seen) == Counter(ids)
    with db.transaction() as session:
        unsent = session.scalar(
            sa.select(sa.func.count())
            .select_from(harness.Outbox)
            .where(harness.Outbox.sent_at.is_(None))
        )
    assert unsent == 0


def test_two_relays_at_once_never_publish_a_row_twice(db, bus, probe, amqp_url, names):
    stop = threading.Event()
    relays = [
        threading.Thread(
            target=run_relay,
            args=(
                db,
                harness.Outbox,
                Bus(amqp_url, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"]),
            ),
            kwargs={"stop": stop, "batch_size": 50, "idle_sleep": 0.005},
        )
        for _ in range(2)
    ]
    for relay in relays:
        relay.start()
    try:
        for start in range(1, 1501, 100):
            harness.add_events(db, 100, start=start)
        wait_for(lambda: len(probe.drain()) >= 1500, timeout=30)
        time.sleep(0.3)  # anything published twice would arrive now
        probe.drain()
    finally:
        stop.set()
        for relay in relays:
            relay.join(10)
    counts = Counter(probe.seen)
    assert len(counts) == 1500
    assert max(counts.values()) == 1, "a row was published by both relays"


def _claims(db) -> list[float]:
    """When the relay looked for unsent rows (each claiming SELECT)."""
    polls: list[float] = []
    sa.event.listen(
        db.engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *a: (
            "FROM outbox" in statement and "sent_at IS NULL" in statement
            and polls.append(time.monotonic())
        ),
    )  # fmt: skip
    return polls


def test_an_idle_relay_on_postgresql_waits_for_notify_without_a_query(db, bus, probe):
    polls = _claims(db)
    stop = threading.Event()
    relay = threading.Thread(
        target=run_relay, args=(db, harness.Outbox, bus), kwargs={"stop": stop}
    )
    relay.start()
    try:
        time.sleep(2.0)
        assert len(polls) == 1, "the idle relay queried the outbox again"
        for n in (1, 2):
            harness.add_events(db, 1, start=n)
            added = time.monotonic()
            wait_for(lambda n=n: len(probe.drain()) >= n, timeout=5, message="not sent")
            assert time.monotonic() - added < 1.0
    finally:
        stop.set()
        relay.join(10)


def test_an_idle_relay_on_sqlite_polls_less_and_still_publishes_a_new_row_soon(
    sqlite_url, bus, probe
):
    db = harness.open_db(sqlite_url)
    polls = _claims(db)
    stop = threading.Event()
    relay = threading.Thread(
        target=run_relay,
        args=(db, harness.Outbox, bus),
        kwargs={"stop": stop, "idle_sleep": 0.05, "max_idle_sleep": 0.25},
    )
    relay.start()
    try:
        time.sleep(2.0)
        idle_polls = len(polls)
        # 20 polls a second at a fixed 0.05 s; backing off to 0.25 s leaves about 4.
        assert 4 <= idle_polls <= 16, idle_polls
        harness.add_events(db, 1)
        added = time.monotonic()
        wait_for(lambda: len(probe.drain()) >= 1, timeout=5, message="the row was not sent")
        assert time.monotonic() - added < 1.0
        # After a row, fast polling again: the next row goes out within the short sleep.
        harness.add_events(db, 1, start=2)
        added = time.monotonic()
        wait_for(lambda: len(probe.drain()) >= 2, timeout=5, message="the row was not sent")
        assert time.monotonic() - added < 0.6
    finally:
        stop.set()
        relay.join(10)
        db.dispose()


def test_an_unroutable_event_is_not_marked_sent(db, amqp_url, names, rabbit_cleanup):
    # No queue is bound to this exchange: the broker returns the message.
    bus = Bus(amqp_url, names["EVENTS_EXCHANGE"] + ".nobody", names["QUEUE_PREFIX"])
    harness.add_events(db, 3)
    assert relay_once(db, harness.Outbox, bus) == 0
    with db.transaction() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(harness.Outbox)
                .where(harness.Outbox.sent_at.is_(None))
            )
            == 3
        )
    with Connection(amqp_url) as conn:
        conn.channel().exchange_delete(bus.exchange.name)


def test_a_row_committed_late_with_a_lower_id_is_not_skipped(db, bus, probe):
    slow = db.sessionmaker()
    slow.begin()
    from shared.outbox import record_event

    record_event(
        slow, harness.Outbox, "trainee.registered", harness.trainee_payload(1), producer="roster"
    )
    slow.flush()  # takes the lower id, not yet committed
    harness.add_events(db, 1, start=2)
    _drain_relay(db, bus)
    slow.commit()
    slow.close()
    _drain_relay(db, bus)
    wait_for(lambda: len(probe.drain()) >= 2)
    assert Counter(probe.seen) == Counter(harness.outbox_ids(db))


def _consumer(db, bus, delays=(50, 50)):
    return EventConsumer(
        "harness", db, bus, harness.Inbox, harness.HANDLERS, retry_delays_ms=list(delays)
    )


@pytest.fixture
def running_consumer(db, bus):
    consumer = _consumer(db, bus)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop, ready), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield consumer
    stop.set()
    thread.join(10)


def _envelopes(count, start=1, name=None):
    return [
        build_event("trainee.registered", harness.trainee_payload(n, name), producer="roster")
        for n in range(start, start + count)
    ]


def test_an_event_delivered_twice_is_applied_once(db, bus, running_consumer):
    events = _envelopes(20)
    assert len(bus.publish(events)) == 20
    assert len(bus.publish(events[:10])) == 10  # the same ids again
    wait_for(lambda: len(harness.applied_counts(db)) == 20)
    time.sleep(0.3)
    counts = harness.applied_counts(db)
    assert set(counts) == {e["id"] for e in events}
    assert set(counts.values()) == {1}


def test_a_failing_event_is_retried_then_parked_while_the_others_are_applied(
    db, bus, running_consumer, monkeypatch
):
    poison = _envelopes(1, start=999, name=harness.POISON_NAME)[0]
    good = _envelopes(30)
    bus.publish(good[:15] + [poison] + good[15:])
    wait_for(
        lambda: parked_messages(bus, "harness"),
        timeout=60,  # (three attempts with their delays; a loaded machine is slow)
        message="the poison event was not parked",
    )
    wait_for(lambda: len(harness.applied_counts(db)) == 30)
    parked = parked_messages(bus, "harness")
    assert [p["message_id"] for p in parked] == [poison["id"]]
    assert parked[0]["attempts"] == 3 and "cannot apply" in parked[0]["reason"]
    # Fixed, then replayed: applied exactly once, and the parking queue is empty.
    monkeypatch.setattr(harness, "POISON_NAME", "no longer poison")
    assert replay_parked(bus, "harness") == 1
    wait_for(lambda: poison["id"] in harness.applied_counts(db))
    assert harness.applied_counts(db)[poison["id"]] == 1
    assert parked_messages(bus, "harness") == []


def test_a_message_that_is_not_a_valid_event_is_parked_at_once(db, bus, running_consumer):
    bus.send_hop("harness", "main", b"{not json", {}, "garbage-1")
    event = _envelopes(1)[0]
    event["payload"]["status"] = "sleeping"  # fails the catalogue
    bus.send_hop("harness", "main", dumps(event), {}, event["id"])
    wait_for(lambda: len(parked_messages(bus, "harness")) == 2)
    reasons = [p["reason"] for p in parked_messages(bus, "harness")]
    assert all(r.startswith("invalid") for r in reasons)
    assert all(p["attempts"] == 1 for p in parked_messages(bus, "harness"))
    assert harness.applied_counts(db) == {}


def test_the_in_process_broker_behaves_the_same(tmp_path, names):
    db = harness.open_db(f"sqlite:///{tmp_path / 'h.db'}")
    bus = Bus("memory://", names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"])
    consumer = _consumer(db, bus, delays=(0, 0))
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop, ready), daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        harness.add_events(db, 10)
        harness.add_events(db, 1, start=50, name=harness.POISON_NAME)
        while relay_once(db, harness.Outbox, bus):
            pass
        events = _envelopes(1, start=60)
        bus.publish(events + events)
        wait_for(lambda: len(harness.applied_counts(db)) == 11)
        wait_for(lambda: parked_messages(bus, "harness"))
        assert len(parked_messages(bus, "harness")) == 1
        assert set(harness.applied_counts(db).values()) == {1}
    finally:
        stop.set()
        thread.join(10)


def test_a_consumer_waiting_for_its_database_stops_on_request_and_acks_nothing(bus):
    """Found by the fault-injection suite: a consumer holding a message while its database
    was away ignored SIGTERM, and lived on as an orphan holding its messages. Now a stop
    gives the message up unacked, for another consumer."""
    from shared.db import Database

    away = Database("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")  # nothing listens
    consumer = EventConsumer("harness", away, bus, harness.Inbox, harness.HANDLERS)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop, ready), daemon=True)
    thread.start()
    try:
        assert ready.wait(10)
        (event,) = _envelopes(1)
        assert bus.publish([event]) == {event["id"]}
        time.sleep(1.5)  # the consumer has it, and waits for the database
        stop.set()
        thread.join(10)
        assert not thread.is_alive(), "the consumer did not stop while waiting"
    finally:
        stop.set()
        away.dispose()
    with Connection(bus.url) as conn:  # the message is back on the queue, never acked
        message = conn.SimpleQueue(bus.queue_name("harness"), no_ack=True).get(timeout=5)
        assert json.loads(message.body)["id"] == event["id"]


# -- batches: many events, one commit --------------------------------------------------


def test_a_batch_keeps_every_event_but_the_failing_one_and_skips_the_repeated_one(db, bus):
    consumer = _consumer(db, bus)
    good = _envelopes(4)
    poison = _envelopes(1, start=999, name=harness.POISON_NAME)[0]
    assert consumer.apply(good[0])  # applied before: a redelivery in the batch
    results = consumer.apply_batch([good[1], poison, good[0], good[2], good[3]])
    assert results[0] is True and results[2] is False and results[3:] == [True, True]
    assert isinstance(results[1], RuntimeError)
    counts = harness.applied_counts(db)
    assert set(counts) == {e["id"] for e in good} and set(counts.values()) == {1}
    with db.transaction() as session:  # the failed one left no inbox row: it can retry
        inbox = set(session.scalars(sa.select(harness.Inbox.event_id)))
    assert inbox == {e["id"] for e in good}


def test_a_batch_whose_commit_fails_is_applied_one_by_one(db, bus, monkeypatch):
    consumer = _consumer(db, bus)
    events = _envelopes(6)

    def commit_fails(envelopes):
        raise sa.exc.IntegrityError("COMMIT", {}, Exception("deferred constraint"))

    monkeypatch.setattr(consumer, "apply_batch", commit_fails)
    origin = Origin(bus.user, bus.exchange.name)  # as the relay published them
    outcomes = consumer.handle_messages([(dumps(e), {}, origin) for e in events])
    assert outcomes == ["applied"] * 6
    assert set(harness.applied_counts(db).values()) == {1}
    assert len(harness.applied_counts(db)) == 6


def test_a_running_consumer_commits_many_events_at_once(db, bus, pg_url):
    """A backlog is applied in batches (one commit for many), and a lone event is not held
    back waiting for a batch to fill."""
    from shared.db import Database

    own = Database(pg_url)  # the consumer's own engine: only its commits are counted
    commits = []
    sa.event.listen(own.engine, "commit", lambda conn: commits.append(1))
    events = _envelopes(200)
    consumer = _consumer(own, bus)
    with bus.connect() as conn:  # the queue exists before the backlog is published
        bus.declare(conn, "harness", harness.HANDLERS)
    assert len(bus.publish(events)) == 200
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop, ready), daemon=True)
    thread.start()
    try:
        assert ready.wait(10)
        wait_for(lambda: len(harness.applied_counts(db)) == 200, timeout=30)
        assert set(harness.applied_counts(db).values()) == {1}
        assert len(commits) <= 200 // 10, f"{len(commits)} commits for 200 events"
        (lone,) = _envelopes(1, start=500)
        started = time.monotonic()
        bus.publish([lone])
        wait_for(lambda: lone["id"] in harness.applied_counts(db), timeout=5)
        assert time.monotonic() - started < 2
    finally:
        stop.set()
        thread.join(10)
        own.dispose()
