"""Placements applied set-based (a run of ``trainee.placed`` in one batch) end and fill the
same seats, and write the same events and audit rows, as applied one by one; and a run of
first placements costs a few statements, not a few per event."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.mentorship.models import Assignment, Audit, Inbox, Outbox, Trainee
from shared.bus import Bus
from shared.consumer import EventConsumer
from shared.events import build_event, validate_event
from tests.mentorship.test_assignments import assigned
from tests.worlds import build_world, counted_statements

pytestmark = pytest.mark.integration

ROLE_MENTORS = {"integrity": 101, "business": 102}
TOWN_MENTORS = {1: 104, 2: 107}
VILLAGE_MENTORS = {11: 105, 12: 106, 21: 108}
TOWN_OF = {11: 1, 12: 1, 21: 2}


def event(type_: str, payload: dict) -> dict:
    return validate_event(build_event(type_, payload, producer="roster"))


def registered(trainee_id: int, version: int = 1) -> dict:
    return event(
        "trainee.registered",
        {
            "id": trainee_id,
            "name": f"学员{trainee_id}",
            "cohort": 2025,
            "unit_id": 1,
            "status": "active",
            "version": version,
        },
    )


def placed(trainee_id: int, village_id: int, version: int, previous=None) -> dict:
    """A placement in ``village_id``; ``previous``: the village left (None: a first one)."""
    return event(
        "trainee.placed",
        {
            "trainee_id": trainee_id,
            "placement_id": 5000 + 100 * trainee_id + version,
            "unit_id": 1,
            "town_id": TOWN_OF[village_id],
            "village_id": village_id,
            "start_date": "2026-11-01",
            "previous_town_id": TOWN_OF[previous] if previous else None,
            "previous_village_id": previous,
            "first_in_village": previous is None,
            "version": version,
        },
    )


def seeded(url: str):
    """The seeded world plus trainees 10-39 of unit X: 20-34 placed (version 2), of whom
    20-23 hold the town and village seats of village 11 (its secretary 105 is then at
    capacity, with trainee 1) and 30-32 those of village 21; 1 holds all four seats."""
    world = build_world("mentorship", url)
    for trainee_id in range(10, 40):
        world.trainee(trainee_id, 1)
    for trainee_id in range(20, 35):
        village = 11 if trainee_id < 25 else 12 if trainee_id < 30 else 21
        world.place(trainee_id, 1, TOWN_OF[village], village)
    for role, mentor in ROLE_MENTORS.items():
        assigned(world, 1, mentor, role, start_date="2026-01-01")
    for trainee_id in (1, 20, 21, 22, 23, 30, 31, 32):
        village = 21 if trainee_id >= 30 else 11
        for role, mentor in (
            ("responsible", TOWN_MENTORS[TOWN_OF[village]]),
            ("practical", VILLAGE_MENTORS[village]),
        ):
            assigned(world, trainee_id, mentor, role, start_date="2026-01-01")
    return world


def the_events() -> list[dict]:
    """Placements of every kind, in runs cut by other types and by repeated trainees."""
    again = placed(22, 21, 10, previous=11)
    return [
        *(registered(t) for t in range(40, 60)),
        # first placements of trainees without seats: nothing to end
        *(placed(t, 11 if t % 2 else 21, 2) for t in range(40, 60)),
        *(placed(t, 12, 2) for t in range(10, 20)),
        # moves of seated trainees out of village 11 into village 21: both seats end, the
        # new ones fill while 108 has room, in order; 30 leaving 21 makes room for one more
        placed(20, 21, 10, previous=11),
        placed(21, 21, 10, previous=11),
        placed(30, 11, 10, previous=21),
        again,
        placed(23, 12, 10, previous=11),  # within town A: the town mentor stays
        # a move of a trainee without seats fills them (105 has room again)
        placed(25, 11, 10, previous=12),
        # a "first" placement of a seated trainee: seats its holder cannot keep end
        placed(1, 12, 10),
        # stale and repeated: nothing changes
        placed(2, 21, 2, previous=11),
        placed(26, 11, 1),
        again,
        registered(60),
        # the same trainee twice in a row: the run is cut between them
        placed(31, 11, 10, previous=21),
        placed(31, 12, 11, previous=11),
        placed(32, 21, 10, previous=21),  # to the same place: nothing ends, nothing fills
        placed(27, 21, 10, previous=12),
        placed(28, 21, 10, previous=12),
        placed(24, 21, 10, previous=11),
        registered(61),
        placed(60, 11, 2),
        placed(61, 11, 2),
    ]


def state(world, events: list[dict]) -> dict:
    """Every row the handlers write (ids and timestamps of the outbox and audit left out),
    and which of ``events`` the inbox holds."""
    ids = [str(e["id"]) for e in events]
    with world.db.transaction() as session:
        trainees = session.execute(sa.select(Trainee.__table__).order_by(Trainee.id)).all()
        seats = session.execute(sa.select(Assignment.__table__).order_by(Assignment.id)).mappings()
        outbox = session.scalars(sa.select(Outbox).order_by(Outbox.id))
        audit = session.scalars(sa.select(Audit).order_by(Audit.id))
        return {
            "trainees": [tuple(row) for row in trainees],
            "assignments": [{k: v for k, v in row.items() if k != "created_at"} for row in seats],
            "outbox": [(row.type, row.envelope["payload"]) for row in outbox],
            "audit": [
                (row.actor, row.action, row.entity, row.entity_id, row.before, row.after)
                for row in audit
            ],
            "inbox": sorted(
                session.scalars(sa.select(Inbox.event_id).where(Inbox.event_id.in_(ids)))
            ),
        }


def consumer_of(world) -> EventConsumer:
    return world.spec.consumer(world.config, world.db, Bus("memory://", "x", "x"))


def test_placements_in_batches_do_what_they_do_one_by_one(pg_url, other_pg_url, monkeypatch):
    events = the_events()
    one_by_one, batched = seeded(pg_url), seeded(other_pg_url)
    try:
        assert state(one_by_one, events) == state(batched, events)
        consumer = consumer_of(one_by_one)
        expected = [consumer.apply(envelope) for envelope in events]

        def isolated(self, envelopes):  # the set-based path must not have raised
            raise AssertionError("a batch was applied again event by event")

        monkeypatch.setattr(EventConsumer, "_apply_batch_isolated", isolated)
        consumer = consumer_of(batched)
        results = []
        for start in range(0, len(events), 25):  # runs cross batches, too
            results += consumer.apply_batch(events[start : start + 25])
        assert results == expected

        after = state(batched, events)
        assert after == state(one_by_one, events)
        # the sequence did what it is meant to: seats ended, filled and left empty
        reasons = [p["reason"] for t, p in after["outbox"] if t == "mentor.released"]
        assert reasons.count("trainee_moved") >= 8
        filled = [a for a in after["assignments"] if a["assigned_by"] == "system"]
        assert {a["role"] for a in filled} == {"responsible", "practical"}
        assert len(filled) >= 6
    finally:
        one_by_one.db.dispose()
        batched.db.dispose()


def test_a_run_of_first_placements_takes_a_few_statements(world_pg):
    consumer = consumer_of(world_pg)
    assert all(consumer.apply_batch([registered(t) for t in range(100, 150)]))
    run = [placed(t, 11, 2) for t in range(100, 150)]
    with counted_statements(world_pg.db.engine) as statements:
        assert consumer.apply_batch(run) == [True] * 50
    assert len(statements) < 15, [s[:60] for s in statements]
    with world_pg.db.transaction() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count()).where(Trainee.village_id == 11, Trainee.id >= 100)
            )
            == 50
        )
