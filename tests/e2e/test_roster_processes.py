"""Roster's real processes (gunicorn web and outbox relay, started from the Procfile)
against the local PostgreSQL and RabbitMQ: each change over HTTP arrives on the bus once,
and a relay killed between publishing and marking sent changes nothing downstream."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest
from kombu import Connection, Queue, binding

from services.roster.domain.auth import PASSWORD_METHOD
from services.roster.domain.places import create_place
from services.roster.domain.trainees import register_trainee
from services.roster.spec import SPEC
from shared.bus import Bus
from shared.consumer import EventConsumer
from tests.conftest import migrated, wait_for
from tests.e2e.processes import Processes, free_port, http_json, service_env, wait_ready
from tests.shared import harness

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


@pytest.fixture
def procs(pg_url, amqp_url, names, rabbit_cleanup, tmp_path):
    env = service_env(
        {
            "ROSTER_DATABASE_URL": pg_url,
            "BROKER_URL": amqp_url,
            "GRASSROOTS_VAR_DIR": tmp_path / "var",
            **names,
        }
    )
    processes = Processes(env, tmp_path)
    yield processes
    processes.stop()


class Probe:
    """A queue bound to every routing key of the test exchange."""

    def __init__(self, amqp_url, names):
        self.bus = Bus(amqp_url, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"])
        self.conn = Connection(amqp_url)
        self.channel = self.conn.channel()
        self.bus.exchange(self.channel).declare()
        self.queue = Queue(
            f"{names['QUEUE_PREFIX']}.probe", bindings=[binding(self.bus.exchange, routing_key="#")]
        )(self.channel)
        self.queue.declare()
        self.events: list[dict] = []

    def drain(self) -> list[dict]:
        while (message := self.queue.get(no_ack=True)) is not None:
            self.events.append(json.loads(message.body))
        return self.events

    def close(self):
        self.conn.release()


def test_each_change_made_over_http_arrives_on_the_bus_exactly_once(procs, amqp_url, names):
    probe = Probe(amqp_url, names)
    try:
        procs.run("-m", "services.roster.manage", "migrate")
        procs.run(
            "-m",
            "services.roster.manage",
            "create-account",
            "--username",
            "clerk",
            "--role",
            "city",
            "--password",
            "s3cret-口令",
        )
        port = free_port()
        procs.start("roster-web", port=port)
        procs.start("roster-relay")
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        api = f"{base}/api/v1/roster"
        status, token = http_json(
            "POST",
            f"{api}/auth/token",
            {"grant_type": "password", "username": "clerk", "password": "s3cret-口令"},
        )
        assert status == 200, token
        token = token["access_token"]
        _, town = http_json("POST", f"{api}/towns", {"code": "T9", "name": "石𬌗镇"}, token)
        _, village = http_json(
            "POST", f"{api}/villages", {"code": "V9", "name": "龘村", "town_id": town["id"]}, token
        )
        _, unit = http_json("POST", f"{api}/units", {"code": "U9", "name": "区委办"}, token)
        status, trainee = http_json(
            "POST",
            f"{api}/trainees",
            {"name": "张𠀾", "cohort": 2025, "unit_id": unit["id"]},
            token,
        )
        assert status == 201, trainee
        status, placement = http_json(
            "POST",
            f"{api}/trainees/{trainee['id']}/placements",
            {"village_id": village["id"], "start_date": "2026-09-01"},
            token,
        )
        assert status == 201, placement

        expected = [
            "account.created",
            "town.created",
            "village.created",
            "unit.created",
            "trainee.registered",
            "trainee.placed",
        ]
        wait_for(
            lambda: len(probe.drain()) >= len(expected),
            timeout=15,
            message=f"events missing; relay log:\n{procs.log('roster-relay')[-2000:]}",
        )
        time.sleep(0.5)  # a duplicate, if any, would arrive by now
        probe.drain()
        assert sorted(e["type"] for e in probe.events) == sorted(expected)
        assert max(Counter(e["id"] for e in probe.events).values()) == 1
        by_type = {e["type"]: e for e in probe.events}
        placed = by_type["trainee.placed"]["payload"]
        assert placed["trainee_id"] == trainee["id"] and placed["village_id"] == village["id"]
        assert placed["first_in_village"] is True
        assert by_type["trainee.registered"]["payload"]["name"] == "张𠀾"
        assert all(e["producer"] == "roster" for e in probe.events)
        # The request id of the HTTP call travels as the event's correlation id.
        assert by_type["trainee.placed"]["correlation_id"]
    finally:
        probe.close()


def test_a_relay_killed_after_publishing_and_before_marking_sent_changes_nothing_downstream(
    procs, pg_url, amqp_url, names, tmp_path, pg_admin_url
):
    roster_db = migrated(SPEC, pg_url)
    PASSWORD_METHOD["value"] = "pbkdf2:sha256:1000"
    with roster_db.transaction() as session:
        from services.roster.models import Unit

        unit = create_place(session, Unit, {"code": "U1", "name": "区财政局"})
        for n in range(25):
            register_trainee(session, {"name": f"学员{n}", "cohort": 2025, "unit_id": unit.id})
    # A downstream service with an inbox (its own database) consumes trainee.registered.
    import sqlalchemy as sa

    downstream_name = pg_url.rsplit("/", 1)[1] + "_down"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{downstream_name}"'))
    downstream = harness.open_db(pg_url.rsplit("/", 1)[0] + "/" + downstream_name)
    bus = Bus(amqp_url, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"])
    consumer = EventConsumer(
        "downstream", downstream, bus, harness.Inbox, harness.HANDLERS, retry_delays_ms=[50]
    )
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop, ready), daemon=True)
    thread.start()
    probe = Probe(amqp_url, names)
    try:
        assert ready.wait(10)
        crashing = procs.start("roster-relay", GRASSROOTS_FAULT="relay.after_publish")
        assert crashing.wait(30) in (-9, 137), "the relay should have died by SIGKILL"
        procs.procs.pop("roster-relay")
        # It published, but marked nothing sent.
        with roster_db.transaction() as session:
            from services.roster.models import Outbox

            assert (
                session.scalar(
                    sa.select(sa.func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))
                )
                == 26
            )
        procs.start("roster-relay")
        wait_for(
            lambda: len(probe.drain()) >= 52,
            timeout=20,
            message="the second relay did not republish",
        )
        counts = Counter(e["id"] for e in probe.events)
        assert set(counts.values()) == {2}, "every event was published twice"
        trainee_ids = {e["id"] for e in probe.events if e["type"] == "trainee.registered"}
        wait_for(lambda: set(harness.applied_counts(downstream)) == trainee_ids, timeout=15)
        time.sleep(0.5)
        assert set(harness.applied_counts(downstream).values()) == {1}, "an effect doubled"
    finally:
        probe.close()
        stop.set()
        thread.join(10)
        downstream.dispose()
        roster_db.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{downstream_name}" WITH (FORCE)'))
        admin.dispose()
