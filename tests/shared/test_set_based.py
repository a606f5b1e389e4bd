"""Set-based runs in the consumer (``shared.consumer.set_based``): a batch's consecutive
events of one type go to the handler's set-based version, and the rows come out exactly as
event by event — also with stale versions, repeats of one row, unknown trainees and
releases that overtook their assignments."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from services.welfare.models import PROJECTIONS, Inbox
from services.welfare.spec import SPEC
from shared.bus import Bus
from shared.consumer import EventConsumer, _runs, compose_handlers, payload_key, set_based
from shared.events import build_event, validate_event
from tests.conftest import migrated

pytestmark = pytest.mark.integration


def event(type_: str, payload: dict, producer: str = "roster") -> dict:
    return validate_event(build_event(type_, payload, producer=producer))


def registered(trainee_id: int, version: int, name: str | None = None, type_="registered"):
    return event(
        f"trainee.{type_}",
        {"id": trainee_id, "name": name or f"学员{trainee_id}v{version}", "cohort": 2025,
         "unit_id": 1 + trainee_id % 2, "status": "active", "version": version},
    )  # fmt: skip


def placed(trainee_id: int, version: int, village: int = 11):
    return event(
        "trainee.placed",
        {"trainee_id": trainee_id, "placement_id": 1000 * version + trainee_id, "unit_id": 1,
         "town_id": village // 10, "village_id": village, "start_date": dt.date(2025, 9, version),
         "previous_town_id": None, "previous_village_id": None, "first_in_village": True,
         "version": version},
    )  # fmt: skip


def assigned(assignment_id: int, trainee_id: int, role: str = "practical"):
    return event(
        "mentor.assigned",
        {"assignment_id": assignment_id, "trainee_id": trainee_id, "mentor_id": 105,
         "role": role, "start_date": "2025-09-01", "unit_id": 1, "town_id": 1, "village_id": 11},
        producer="mentorship",
    )  # fmt: skip


def released(assignment_id: int, trainee_id: int):
    return event(
        "mentor.released",
        {"assignment_id": assignment_id, "trainee_id": trainee_id, "mentor_id": 105,
         "role": "practical", "end_date": "2025-12-31", "reason": "manual", "vacated": True,
         "unit_id": 1, "town_id": 1, "village_id": 11},
        producer="mentorship",
    )  # fmt: skip


def test_runs_regroup_by_type_keeping_each_keys_and_each_types_order():
    def one(session, envelope):
        return True

    def plain(session, envelope):
        return True

    def many(session, envelopes):
        return [True] * len(envelopes)

    key = lambda e: e["k"]  # noqa: E731
    handlers = {
        "trainee.registered": set_based(one, many, key),
        "trainee.placed": set_based(lambda s, e: True, many, key),
        "mentor.released": plain,
    }

    def runs(events):
        return [
            [(LABEL[e["type"]], e["k"]) for e in run]
            for _, run in _runs(handlers, [{"type": t, "k": k} for t, k in events])
        ]

    reg, placed, released = "trainee.registered", "trainee.placed", "mentor.released"
    LABEL = {reg: "r", placed: "p", released: "m"}  # noqa: N806
    # A bulk import's interleaving becomes one run of each type.
    assert runs([(reg, 1), (placed, 1), (reg, 2), (placed, 2), (reg, 3)]) == [
        [("r", 1), ("r", 2), ("r", 3)],
        [("p", 1), ("p", 2)],
    ]
    # A key seen twice waits for the next run, and no later event of its type overtakes it.
    assert runs([(reg, 1), (reg, 2), (reg, 1), (reg, 3), (placed, 3)]) == [
        [("r", 1), ("r", 2)],
        [("r", 1), ("r", 3)],
        [("p", 3)],
    ]
    # An event waiting for its key's earlier event holds back its type's later ones.
    assert runs([(placed, 1), (reg, 2), (placed, 2), (placed, 4), (reg, 1)]) == [
        [("p", 1)],
        [("r", 2), ("r", 1)],
        [("p", 2), ("p", 4)],
    ]
    # Nothing moves across an event whose handler is not set-based.
    assert runs([(reg, 1), (placed, 1), (released, 9), (reg, 2), (placed, 2)]) == [
        [("r", 1)],
        [("p", 1)],
        [("m", 9)],
        [("r", 2)],
        [("p", 2)],
    ]


def test_a_type_with_no_projection_is_set_based_when_its_reactions_share_one_key():
    """Each reaction's ``many`` for the whole run, in turn; one by one otherwise."""
    calls = []

    def reaction(name, key=None):
        def react(session, envelope):
            calls.append((name, envelope["k"]))

        def many(session, envelopes):
            calls.append((name, [e["k"] for e in envelopes]))
            return [None] * len(envelopes)

        return react if key is None else set_based(react, many, key)

    talk = "talk.recorded"
    handler = compose_handlers(
        {},
        {talk: reaction("form", payload_key("talk_id"))},
        {talk: reaction("oversight", payload_key("talk_id"))},
    )[talk]
    assert handler.many_key is payload_key("talk_id")
    assert handler.many(None, [{"k": 1}, {"k": 2}]) == [True, True]
    assert calls == [("form", [1, 2]), ("oversight", [1, 2])]
    assert handler(None, {"k": 3}) is True and calls[-2:] == [("form", 3), ("oversight", 3)]
    # Keys that differ (even if they read the same field), or a reaction that is not
    # set-based: event by event.
    for other in (reaction("b", lambda e: e["payload"]["talk_id"]), reaction("b")):
        table = compose_handlers({}, {talk: reaction("a", payload_key("talk_id"))}, {talk: other})
        assert not hasattr(table[talk], "many")


def scenario() -> list[dict]:
    """Roster's and mentorship's events as a bulk load and the days after it bring them."""
    events = [registered(t, 1) for t in range(1, 121)]
    events += [placed(t, 2) for t in range(1, 121)]
    events += [e for t in range(200, 260) for e in (registered(t, 1), placed(t, 2))]
    # Updates, some stale (an older version arriving late), one trainee changed twice in
    # a row (the run is cut there), and a trainee the service has not heard of yet.
    events += [registered(t, 3, f"新名{t}", "updated") for t in range(1, 40)]
    events += [registered(5, 2, "stale", "updated"), registered(6, 3, "again", "updated")]
    events += [registered(7, 4, "𠀀第四", "updated"), registered(7, 5, "𠀀第五", "updated")]
    events += [placed(t, 4, 12) for t in range(30, 60)] + [placed(999, 2)]
    # Assignments: four per trainee, one twice (a new event, the same assignment), one
    # whose release overtook it.
    events += [released(5001, 1)]
    events += [assigned(5000 + 4 * (t - 1) + k, t) for t in range(1, 61) for k in range(4)]
    events += [assigned(5002, 1), released(5010, 3), assigned(5010, 3)]
    return events


def state(db) -> dict:
    with db.engine.connect() as conn:
        return {
            table: [
                tuple(row)
                for row in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))  # noqa: S608
            ]
            for table in ("trainee", "mentor_assignment")
        }


def consumer(db, handlers) -> EventConsumer:
    return EventConsumer("welfare", db, Bus("memory://", "x", "x"), Inbox, handlers)


def test_a_bulk_load_in_batches_leaves_the_projections_as_event_by_event(pg_url, other_pg_url):
    handlers = PROJECTIONS.handlers()  # the shared projections alone, not welfare's rules
    events = scenario()
    one_db = migrated(SPEC, pg_url)
    batch_db = migrated(SPEC, other_pg_url)
    statements = []
    sa.event.listen(batch_db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    try:
        one = consumer(one_db, handlers)
        one_each = []
        for envelope in events:
            try:
                one_each.append(one.apply(envelope))
            except Exception as exc:  # noqa: BLE001 - the unknown trainee's NotYetKnown
                one_each.append(type(exc).__name__)
        batched = consumer(batch_db, handlers)
        in_batches = []
        for start in range(0, len(events), 50):
            for result in batched.apply_batch(events[start : start + 50]):
                in_batches.append(
                    type(result).__name__ if isinstance(result, Exception) else result
                )
        assert in_batches == one_each
        assert one_each.count("NotYetKnown") == 1
        assert state(batch_db) == state(one_db)
        trainees = {row[0]: row for row in state(one_db)["trainee"]}
        assert trainees[7][1] == "𠀀第五" and trainees[5][1] == "新名5"
        assert len(state(one_db)["mentor_assignment"]) == 240

        # A bulk import's events, each trainee registered then placed (interleaved), in two
        # batches of 50: a handful of statements, not hundreds.
        statements.clear()
        fresh = [e for t in range(2001, 2051) for e in (registered(t, 1), placed(t, 2))]
        assert batched.apply_batch(fresh[:50]) == [True] * 50
        assert batched.apply_batch(fresh[50:]) == [True] * 50
        assert len(statements) <= 12, statements
    finally:
        one_db.dispose()
        batch_db.dispose()
