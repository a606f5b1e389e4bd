"""How many notifications a second reach the in-app inbox: events fed through the
consumer's ``apply`` (inbox table, projections, rules, rows) on PostgreSQL. The rates are
reported, not asserted (this machine's load decides them); what is asserted is the work
per event: the statements sent to PostgreSQL one by one, in batches and for a fan-out."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from services.notifier.models import Notification, Trainee
from shared.bus import Bus
from shared.events import build_event, validate_event
from tests.notifier.conftest import notifier_world
from tests.notifier.test_rules import where

pytestmark = pytest.mark.integration

EVENTS = 200
TRAINEES = 2000


class count_statements:  # noqa: N801 - used as a function
    """Counts the statements an engine sends; ``pop()`` answers those since the last."""

    def __init__(self, engine) -> None:
        self.n = 0
        sa.event.listen(engine, "before_cursor_execute", self._one)

    def _one(self, *args) -> None:
        self.n += 1

    def pop(self) -> int:
        n, self.n = self.n, 0
        return n


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
        statements = count_statements(world.db.engine)
        started = time.perf_counter()
        for envelope in talks:
            assert consumer.apply(envelope)
        one_each = EVENTS / (time.perf_counter() - started)
        one_each_statements = statements.pop()
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
        batched_statements = statements.pop()
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
        statements.pop()
        started = time.perf_counter()
        assert consumer.apply(opened)
        fan_out = (TRAINEES + 3) / (time.perf_counter() - started)
        fan_out_statements = statements.pop()
        assert inbox_rows(world) == 2 * EVENTS + TRAINEES + 3
        with capsys.disabled():
            print(
                f"\ninbox notifications/s on PostgreSQL: {one_each:.0f} (one event each, "
                f"{EVENTS} events, a commit each), {batched:.0f} (batches of 50); "
                f"{fan_out:.0f} (one period.opened to {TRAINEES + 3} trainees); statements "
                f"per event {one_each_statements / EVENTS:.1f} one by one, "
                f"{batched_statements / EVENTS:.2f} in batches, {fan_out_statements} for the "
                "fan-out"
            )
        # Batches must pay: one commit and a handful of statements for fifty events ...
        assert batched_statements * 3 < one_each_statements, (
            batched_statements,
            one_each_statements,
        )
        # ... and a fan-out to 2,003 trainees is set-based, not a statement per recipient.
        assert fan_out_statements < 50, fan_out_statements
    finally:
        world.db.dispose()
