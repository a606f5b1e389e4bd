"""Reassignment driven by a real ``trainee.placed`` from roster through RabbitMQ: roster's
domain writes the event to its outbox, its relay publishes it, mentorship's consumer
applies it on PostgreSQL; delivered twice, it is applied once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from services.mentorship.app import create_app
from services.mentorship.config import Config
from services.mentorship.models import Assignment, Inbox
from services.mentorship.spec import SPEC as MENTORSHIP
from services.roster.domain.people import create_person
from services.roster.domain.places import create_place
from services.roster.domain.trainees import place_trainee, register_trainee
from services.roster.models import Outbox as RosterOutbox
from services.roster.models import Town, Trainee, Unit, Village
from services.roster.spec import SPEC as ROSTER
from shared.bus import Bus
from shared.events import build_event
from shared.outbox import relay_once
from tests.conftest import migrated, wait_for
from tests.mentorship.test_assignments import API, CITY, counts

pytestmark = pytest.mark.integration


def seed_roster(db) -> dict[str, int]:
    """Towns A and B with a village each, a unit, the cadres of each mentor role, and a
    trainee placed in A's village."""
    ids: dict[str, int] = {}
    with db.transaction() as s:
        for key, model, data in (
            ("town_a", Town, {"code": "TA", "name": "石龙镇"}),
            ("town_b", Town, {"code": "TB", "name": "新塘镇"}),
            ("unit", Unit, {"code": "UX", "name": "区财政局"}),
        ):
            ids[key] = create_place(s, model, data).id
        for key, town in (("village_a", "town_a"), ("village_b", "town_b")):
            data = {"code": key.upper(), "name": f"{key}村", "town_id": ids[town]}
            ids[key] = create_place(s, Village, data).id
        for key, kind, place in (
            ("leader", "unit_leadership", {"unit_id": ids["unit"]}),
            ("cadre", "unit_middle_cadre", {"unit_id": ids["unit"]}),
            ("deputy_a", "town_party_deputy", {"town_id": ids["town_a"]}),
            ("secretary_a", "village_party_secretary", {"village_id": ids["village_a"]}),
            ("deputy_b", "town_party_deputy", {"town_id": ids["town_b"]}),
            ("secretary_b", "village_party_secretary", {"village_id": ids["village_b"]}),
        ):
            person = create_person(
                s, {"name": f"干部{key}", "positions": [{"kind": kind, **place}]}
            )
            ids[key] = person.id
        trainee = register_trainee(
            s,
            {
                "name": "学员甲",
                "cohort": 2025,
                "unit_id": ids["unit"],
                "placement": {"village_id": ids["village_a"], "start_date": dt.date(2026, 3, 1)},
            },
        )
        ids["trainee"] = trainee.id
    return ids


def relay_all(db, bus) -> None:
    while relay_once(db, RosterOutbox, bus):
        pass


def inbox_has(db, event_id: str) -> bool:
    with db.transaction() as session:
        return session.get(Inbox, event_id) is not None


@pytest.fixture
def system(sqlite_url, pg_url, amqp_url, names, rabbit_cleanup):
    """Roster on SQLite, mentorship on PostgreSQL with its consumer running on RabbitMQ."""
    roster_db = migrated(ROSTER, sqlite_url)
    mentorship_db = migrated(MENTORSHIP, pg_url)
    config = Config(DATABASE_URL=pg_url, BROKER_URL=amqp_url, **names)
    bus = Bus(amqp_url, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"])
    consumer = MENTORSHIP.consumer(config, mentorship_db, bus)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop, ready), daemon=True)
    thread.start()
    assert ready.wait(10)
    app = create_app(config, mentorship_db)
    yield {"roster": roster_db, "db": mentorship_db, "bus": bus, "app": app}
    stop.set()
    thread.join(10)
    bus.reset()
    roster_db.dispose()
    mentorship_db.dispose()


class _World:
    """Enough of the fixtures' World for the shared helpers (``counts``)."""

    def __init__(self, db) -> None:
        self.db = db


def test_a_placement_in_another_town_moves_the_mentors_once_even_if_delivered_twice(system):
    roster_db, db, bus, app = system["roster"], system["db"], system["bus"], system["app"]
    ids = seed_roster(roster_db)
    relay_all(roster_db, bus)
    with roster_db.transaction() as s:
        last = s.scalars(sa.select(RosterOutbox).order_by(RosterOutbox.id.desc())).first()
    wait_for(lambda: inbox_has(db, last.event_id), message="roster's world not projected")

    client = app.test_client()
    for role, key in (
        ("integrity", "leader"),
        ("business", "cadre"),
        ("responsible", "deputy_a"),
        ("practical", "secretary_a"),
    ):
        body = {"trainee_id": ids["trainee"], "mentor_id": ids[key], "role": role}
        response = client.post(f"{API}/assignments", json=body, headers=CITY)
        assert response.status_code == 201, response.get_data(as_text=True)

    with roster_db.transaction() as s:
        trainee = s.get(Trainee, ids["trainee"])
        place_trainee(s, trainee, ids["village_b"], dt.date(2026, 11, 1))
    with roster_db.transaction() as s:
        placed = (
            s.scalars(
                sa.select(RosterOutbox)
                .where(RosterOutbox.type == "trainee.placed")
                .order_by(RosterOutbox.id.desc())
            )
            .first()
            .envelope
        )
    relay_all(roster_db, bus)
    wait_for(lambda: inbox_has(db, placed["id"]), message="trainee.placed not applied")

    def seats():
        with db.transaction() as session:
            rows = session.scalars(
                sa.select(Assignment).where(
                    Assignment.trainee_id == ids["trainee"], Assignment.active.is_(True)
                )
            )
            return {a.role: a.mentor_id for a in rows}

    assert seats() == {
        "integrity": ids["leader"],
        "business": ids["cadre"],
        "responsible": ids["deputy_b"],
        "practical": ids["secretary_b"],
    }
    before = counts(_World(db))

    # The same envelope again, then a marker behind it on the same queue: once the marker
    # is applied, the duplicate has been dealt with.
    marker = build_event(
        "town.updated", {"id": ids["town_a"], "code": "TA", "name": "石龙镇"}, producer="roster"
    )
    assert len(bus.publish([placed, marker])) == 2
    wait_for(lambda: inbox_has(db, marker["id"]), message="the marker was not applied")
    assert counts(_World(db)) == before
    assert seats()["practical"] == ids["secretary_b"]
