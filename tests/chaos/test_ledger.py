"""Issue 19: the fault-injection ledger's "duplicated" column counted inbox rows, whose
event id is the primary key, so it could never fail. It now counts the effects in the read
models and notifications (``EFFECTS``); here, on welfare's real schema and handlers, an
effect applied twice makes it 1. (Fast: one SQLite database, no processes.)"""

from __future__ import annotations

import sqlalchemy as sa

from services.welfare.domain import fees, ledger
from services.welfare.models import PlacementFee
from tests.chaos.harness import EFFECTS, duplicate_effects
from tests.worlds import build_world

PLACED = {
    "trainee_id": 60,
    "placement_id": 6000,
    "unit_id": 1,
    "town_id": 1,
    "village_id": 11,
    "start_date": "2026-11-02",
    "previous_town_id": None,
    "previous_village_id": None,
    "first_in_village": True,
    "version": 2,
}


def entitle_trusting_the_inbox(session, envelope) -> None:
    """Welfare's entitlement reaction as it would be if it relied on the inbox alone: it
    audits the entitlement whether or not its INSERT made one (the real ``on_placed``
    audits only a fee its ``INSERT … ON CONFLICT DO NOTHING RETURNING`` made)."""
    trainee_id = envelope["payload"]["trainee_id"]
    fee = session.scalar(sa.select(PlacementFee).where(PlacementFee.trainee_id == trainee_id))
    ledger.audit(session, *fees.ENTITLED, fee.id, None, {"trainee_id": trainee_id})


def test_an_effect_applied_twice_is_counted_as_duplicated(sqlite_url):
    world = build_world("welfare", sqlite_url)
    world.trainee(60, 1)
    envelope = world.feed("trainee.placed", PLACED)
    engines = {"welfare": world.db.engine}
    trainees, events = [1, 2, 60], [str(envelope["id"])]
    counted = duplicate_effects(engines, trainees, events)
    assert set(counted) == {what for service, what, _ in EFFECTS if service == "welfare"}
    assert sum(counted.values()) == 0, counted

    # welfare's own handler applied again, bypassing the inbox: its keys hold
    with world.db.transaction() as session:
        world.spec.handlers["trainee.placed"](session, envelope)
    assert sum(duplicate_effects(engines, trainees, events).values()) == 0

    # the same event's entitlement again, by a reaction that trusts the inbox alone and so
    # does its work a second time when the inbox is bypassed: one effect twice
    with world.db.transaction() as session:
        entitle_trusting_the_inbox(session, envelope)
    counted = duplicate_effects(engines, trainees, events)
    assert counted["entitlement audit rows per fee (no unique key)"] == 1, counted
    assert sum(counted.values()) == 1
    world.db.dispose()


def test_every_effect_is_counted_on_its_services_schema(tmp_path):
    """Each of ``EFFECTS`` runs on its service's migrated schema (an empty one: 0)."""
    import importlib

    from tests.conftest import migrated

    engines = {}
    for service in sorted({service for service, _, _ in EFFECTS}):
        spec = importlib.import_module(f"services.{service}.spec").SPEC
        engines[service] = migrated(spec, f"sqlite:///{tmp_path / service}.db").engine
    counted = duplicate_effects(engines, [1], ["00000000-0000-0000-0000-000000000000"])
    assert counted == {what: 0 for _, what, _ in EFFECTS}
    for engine in engines.values():
        engine.dispose()
