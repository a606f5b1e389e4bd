"""The placement fee exactly once through RabbitMQ: welfare's consumer on PostgreSQL
receives the same ``trainee.placed`` twice, then a replay of the fact under a new id for
another village; one entitlement exists, for the first village."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from services.welfare.config import Config
from services.welfare.domain import calendar, policy
from services.welfare.models import Inbox, PlacementFee, Trainee
from services.welfare.spec import SPEC
from shared.bus import Bus
from shared.events import build_event
from tests.conftest import migrated, wait_for

pytestmark = pytest.mark.integration


def roster_event(type_: str, payload: dict) -> dict:
    return build_event(type_, payload, producer="roster")


@pytest.fixture
def consumer_on_rabbitmq(pg_url, amqp_url, names, rabbit_cleanup):
    db = migrated(SPEC, pg_url)
    config = Config(DATABASE_URL=pg_url, BROKER_URL=amqp_url, **names)
    bus = Bus(amqp_url, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"])
    consumer = SPEC.consumer(config, db, bus)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop, ready), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield db, bus
    stop.set()
    thread.join(10)
    bus.reset()
    db.dispose()


def applied(db, event_id: str) -> bool:
    with db.transaction() as s:
        return s.get(Inbox, event_id) is not None


def test_the_placement_fee_is_created_exactly_once_under_duplicated_and_replayed_events(
    consumer_on_rabbitmq,
):
    db, bus = consumer_on_rabbitmq
    with db.transaction() as s:
        policy.create_policy(
            s,
            {
                "effective_from": dt.date(2026, 1, 1),
                "monthly_amount_fen": 100_000,
                "placement_fee_fen": 300_000,
            },
            "test",
            30,
        )
    seed = [
        roster_event("town.created", {"id": 1, "code": "T1", "name": "石龙镇"}),
        roster_event("town.created", {"id": 2, "code": "T2", "name": "新塘镇"}),
        roster_event("village.created", {"id": 11, "code": "V11", "name": "村11", "town_id": 1}),
        roster_event("village.created", {"id": 21, "code": "V21", "name": "村21", "town_id": 2}),
        roster_event("unit.created", {"id": 1, "code": "U1", "name": "区财政局"}),
        roster_event(
            "trainee.registered",
            {
                "id": 7,
                "name": "学员七",
                "cohort": 2025,
                "unit_id": 1,
                "status": "active",
                "version": 1,
            },
        ),
    ]
    assert len(bus.publish(seed)) == len(seed)
    wait_for(lambda: applied(db, seed[-1]["id"]), message="the seed was not applied")

    first = roster_event(
        "trainee.placed",
        {
            "trainee_id": 7,
            "placement_id": 70,
            "unit_id": 1,
            "town_id": 1,
            "village_id": 11,
            "start_date": "2026-03-02",
            "first_in_village": True,
            "version": 2,
        },
    )
    # The same fact again under a new id, for another village and a newer version, with
    # the flag still claiming a first placement.
    replay = roster_event(
        "trainee.placed",
        {
            "trainee_id": 7,
            "placement_id": 71,
            "unit_id": 1,
            "town_id": 2,
            "village_id": 21,
            "start_date": "2026-04-01",
            "first_in_village": True,
            "version": 3,
        },
    )
    marker = roster_event("town.updated", {"id": 1, "code": "T1", "name": "石龙镇"})
    for _ in range(2):
        assert bus.publish([first]) == {first["id"]}
    wait_for(lambda: applied(db, first["id"]), message="trainee.placed not applied")
    assert bus.publish([replay, first, marker]) == {replay["id"], first["id"], marker["id"]}
    wait_for(lambda: applied(db, marker["id"]), message="the marker was not applied")
    assert applied(db, replay["id"])

    with db.transaction() as s:
        rows = s.scalars(sa.select(PlacementFee).where(PlacementFee.trainee_id == 7)).all()
        assert len(rows) == 1
        assert (rows[0].village_id, rows[0].amount_fen, rows[0].due_on) == (
            11,
            300_000,
            dt.date(2026, 4, 1),
        )
        assert rows[0].source_event_id == first["id"]
        # The replay was applied (the projection moved): the database said no to a second fee.
        assert s.get(Trainee, 7).village_id == 21


def test_reportings_calendar_update_reaches_welfare_and_moves_a_new_due_date(
    consumer_on_rabbitmq,
):
    db, bus = consumer_on_rabbitmq
    days = [{"date": "2026-08-17", "kind": "holiday", "name": "市假日"}]
    update = build_event(
        "calendar.updated", {"year": 2026, "revision": 1, "days": days}, producer="reporting"
    )
    assert bus.publish([update]) == {update["id"]}
    wait_for(lambda: applied(db, update["id"]), message="calendar.updated not applied")
    with db.transaction() as s:
        # Saturday 15 August 2026; Monday 17th is now a holiday.
        assert calendar.next_working_day(s, dt.date(2026, 8, 15)) == dt.date(2026, 8, 18)
