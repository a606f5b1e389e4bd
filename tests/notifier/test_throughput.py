"""How many notifications a second reach the in-app inbox: events fed through the
consumer's ``apply`` (inbox table, projections, rules, rows) on PostgreSQL."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from services.notifier.models import Trainee
from services.notifier.models_notify import Notification
from shared.bus import Bus
from shared.events import build_event, validate_event
from tests.notifier.conftest import notifier_world
from tests.notifier.test_rules import where

pytestmark = pytest.mark.integration

EVENTS = 200
TRAINEES = 2000


def inbox_rows(world) -> int:
    with world.db.transaction() as s:
        return s.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.channel == "inbox")
        )


def test_inbox_notifications_per_second_on_postgresql(pg_url, capsys):
    world = notifier_world(pg_url)
    try:
        consumer = world.spec.consumer(world.config, world.db, Bus("memory://", "x", "x"))
        talks = [
            validate_event(
                build_event(
                    "talk.recorded",
                    {
                        "talk_id": i,
                        "trainee_id": 1,
                        "mentor_id": 105,
                        "mentor_role": "practical",
                        "talk_date": "2026-01-10",
                        "mode": "phone",
                        "aspects": ["care"],
                        **where(1),
                    },
                    producer="mentorship",
                )
            )
            for i in range(1, EVENTS + 1)
        ]
        started = time.perf_counter()
        for envelope in talks:
            assert consumer.apply(envelope)
        one_each = EVENTS / (time.perf_counter() - started)
        assert inbox_rows(world) == EVENTS

        # The same again as the running consumer takes a backlog: batches of 50.
        again = [
            validate_event(
                build_event(
                    "talk.recorded",
                    dict(t["payload"], talk_id=t["payload"]["talk_id"] + EVENTS),
                    producer="mentorship",
                )
            )
            for t in talks
        ]
        started = time.perf_counter()
        for start in range(0, EVENTS, 50):
            assert all(r is True for r in consumer.apply_batch(again[start : start + 50]))
        batched = EVENTS / (time.perf_counter() - started)
        assert inbox_rows(world) == 2 * EVENTS

        # One event, many recipients: a period opened for every active trainee.
        with world.db.transaction() as session:
            session.execute(
                sa.insert(Trainee),
                [
                    {
                        "id": i,
                        "name": f"学员{i}",
                        "cohort": 2025,
                        "unit_id": 1,
                        "status": "active",
                        "version": 1,
                    }
                    for i in range(10, 10 + TRAINEES)
                ],
            )
        opened = validate_event(
            build_event(
                "period.opened",
                {
                    "period_id": 1,
                    "code": "2026-02",
                    "kind": "month",
                    "starts_on": "2026-02-01",
                    "ends_on": "2026-02-28",
                    "deadline": "2026-03-05",
                },
                producer="reporting",
            )
        )
        started = time.perf_counter()
        assert consumer.apply(opened)
        fan_out = (TRAINEES + 3) / (time.perf_counter() - started)
        assert inbox_rows(world) == 2 * EVENTS + TRAINEES + 3
        with capsys.disabled():
            print(
                f"\ninbox notifications/s on PostgreSQL: {one_each:.0f} (one event each, "
                f"{EVENTS} events, a commit each), {batched:.0f} (batches of 50); "
                f"{fan_out:.0f} (one period.opened to {TRAINEES + 3} trainees)"
            )
        # A floor far below what this machine does even when loaded, so that a regression
        # by an order of magnitude fails.
        assert one_each > 10 and fan_out > 200
        # Batches must pay: one commit and a handful of queries for fifty events.
        assert batched > 2 * one_each, f"batches {batched:.0f}/s, one by one {one_each:.0f}/s"
    finally:
        world.db.dispose()
