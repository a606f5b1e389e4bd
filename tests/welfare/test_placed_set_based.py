"""Welfare's reactions to ``trainee.placed`` taken set-based (a consumer batch hands a run
of placements to ``subsidies.record_placements``, ``fees.on_placed_many`` and
``housing.on_placed_many``): the placement history, the placement fees, their audit rows, the
beds flagged for release, and the subsidies generated from that history (moves in the
middle of a month, back-dated ones) are exactly what the events applied one by one give,
and a run of 50 placements takes a handful of statements, not a few for each event."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import uuid

import pytest
import sqlalchemy as sa

from services.welfare.domain import policy, subsidies
from services.welfare.models import (
    Base,
    Housing,
    HousingAllocation,
    MoneyAudit,
    PlacementFee,
    Subsidy,
)
from shared.bus import Bus
from shared.db import Database
from shared.events import build_event, validate_event
from tests.worlds import World, build_world, counted_statements

pytestmark = pytest.mark.integration

#: (effective_from, placement fee, fee due days): the second starts mid-year.
POLICIES = ((dt.date(2026, 1, 1), 300_000, 20), (dt.date(2026, 6, 1), 360_000, 45))
#: Start dates around the policies: before any, on each first day, and between.
STARTS = (
    dt.date(2025, 12, 15),
    dt.date(2026, 1, 1),
    dt.date(2026, 3, 1),
    dt.date(2026, 6, 1),
    dt.date(2026, 7, 1),
)
TRAINEES = range(1000, 1120)
HOUSED = [*range(1000, 1060), *range(1100, 1105)]  # an active bed in town 1
ALREADY_FLAGGED = HOUSED[::7]


@pytest.fixture
def two_worlds(pg_url, pg_admin_url):
    """The seeded world with the test's beds, and an exact copy of it (a PostgreSQL
    template: the same rows, the same event ids), dropped afterwards."""
    world = build_world("welfare", pg_url)
    prepare(world)
    world.db.dispose()
    url = sa.engine.make_url(pg_url)
    copy = f"gr_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{copy}" TEMPLATE "{url.database}"'))
    worlds = [
        reopen(u.render_as_string(hide_password=False)) for u in (url, url.set(database=copy))
    ]
    yield worlds
    for world in worlds:
        world.db.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
    admin.dispose()


def reopen(url: str) -> World:
    """The welfare world on a database that holds one already."""
    spec = importlib.import_module("services.welfare.spec").SPEC
    create_app = importlib.import_module("services.welfare.app").create_app
    db = Database(url)
    config = spec.config(DATABASE_URL=url, BROKER_URL="memory://")
    return World(create_app(config, db), db, config, spec)


def event(type_: str, payload: dict, producer: str = "roster") -> dict:
    return validate_event(build_event(type_, payload, producer=producer))


class Stream:
    """Roster's (and mentorship's) events for the test trainees, with versions as roster
    would number them."""

    def __init__(self) -> None:
        self.versions: dict[int, int] = {}
        self.placements = 0

    def version(self, trainee_id: int) -> int:
        self.versions[trainee_id] = self.versions.get(trainee_id, 0) + 1
        return self.versions[trainee_id]

    def registered(self, trainee_id: int) -> dict:
        return event(
            "trainee.registered",
            {
                "id": trainee_id,
                "name": f"学员{trainee_id}",
                "cohort": 2025,
                "unit_id": 1,
                "status": "active",
                "version": self.version(trainee_id),
            },
        )

    def placed(
        self,
        trainee_id: int,
        town_id: int,
        village_id: int,
        start: dt.date,
        *,
        previous: int | None = None,
        first: bool | None = None,
        version: int | None = None,
    ) -> dict:
        self.placements += 1
        return event(
            "trainee.placed",
            {
                "trainee_id": trainee_id,
                "placement_id": 5000 + self.placements,
                "unit_id": 1,
                "town_id": town_id,
                "village_id": village_id,
                "start_date": start,
                "previous_town_id": previous,
                "previous_village_id": None if previous is None else previous * 10 + 1,
                "first_in_village": previous is None if first is None else first,
                "version": self.version(trainee_id) if version is None else version,
            },
        )

    def withdrawn(self, trainee_id: int) -> dict:
        return event(
            "trainee.status_changed",
            {
                "trainee_id": trainee_id,
                "from_status": "active",
                "to_status": "withdrawn",
                "effective_date": dt.date(2026, 2, 1),
                "unit_id": 1,
                "version": self.version(trainee_id),
            },
        )

    @staticmethod
    def assigned(assignment_id: int, trainee_id: int) -> dict:
        return event(
            "mentor.assigned",
            {
                "assignment_id": assignment_id,
                "trainee_id": trainee_id,
                "mentor_id": 105,
                "role": "practical",
                "start_date": "2026-01-01",
                "unit_id": 1,
                "town_id": 1,
                "village_id": 11,
            },
            producer="mentorship",
        )


def before_any_policy(stream: Stream) -> list[dict]:
    """Registrations, then first placements while no policy exists, with a redelivery,
    a stale placement, a key repeated in one run and other types cutting the runs."""
    out = [stream.registered(t) for t in TRAINEES]
    firsts = [stream.placed(t, 1, 11, dt.date(2025, 9, 1)) for t in range(1000, 1040)]
    out += firsts[:20]
    out.append(firsts[5])  # redelivered: the inbox drops it
    out.append(stream.placed(1110, 1, 11, dt.date(2025, 9, 1), version=1))  # stale: no fee
    out.append(stream.withdrawn(1001))  # flags 1001's bed (leaving)
    out += firsts[20:]
    out.append(stream.placed(1020, 1, 12, dt.date(2025, 9, 2)))  # 1020 again: the run is cut
    out += [stream.assigned(900 + i, t) for i, t in enumerate(range(1000, 1010))]
    return out


def after_the_policies(stream: Stream) -> list[dict]:
    """First placements on dates around the policies; replays of first placements
    (no second fee); moves to another town (beds flagged, some already) or within the
    town (nothing); first placements that are also moves (a fee and a flag)."""
    out = [
        stream.placed(t, 1, 11, STARTS[i % len(STARTS)]) for i, t in enumerate(range(1040, 1100))
    ]
    out += [stream.placed(t, 1, 12, dt.date(2026, 2, 1), first=True) for t in range(1000, 1010)]
    out.append(stream.registered(1119))  # cuts the run (trainee.registered, a newer version)
    out += [
        stream.placed(t, 2, 21, dt.date(2026, 4, 1), previous=1)
        if t % 2 == 0
        else stream.placed(t, 1, 12, dt.date(2026, 4, 1), previous=1)
        for t in range(1010, 1060)
    ]
    out += [stream.placed(t, 2, 21, dt.date(2026, 4, 1), previous=1) for t in range(1060, 1080)]
    out += [
        stream.placed(t, 2, 21, STARTS[t % len(STARTS)], previous=1, first=True)
        for t in range(1100, 1105)
    ]
    out.append(stream.withdrawn(1012))  # moved to town 2 just before: flagged already
    out += [stream.placed(t, 2, 21, dt.date(2026, 5, 1), previous=2) for t in range(1040, 1050)]
    return out


def mid_month_moves(stream: Stream) -> list[dict]:
    """After June was generated: moves on 11 July to town 2; two moves in July whose
    events come newest first (the older one a retry); a first placement back-dated into
    June (June is run again by the tick)."""
    out = [stream.placed(t, 2, 21, dt.date(2026, 7, 11), previous=1) for t in range(1080, 1090)]
    for t in range(1090, 1095):
        older, newer = stream.version(t), stream.version(t)
        out.append(stream.placed(t, 2, 21, dt.date(2026, 7, 20), previous=1, version=newer))
        out.append(
            stream.placed(t, 1, 12, dt.date(2026, 7, 5), previous=1, first=False, version=older)
        )
    out.append(stream.placed(1111, 1, 12, dt.date(2026, 6, 15)))
    return out


def prepare(world) -> None:
    """Beds in town 1 for the housed trainees (some flagged for release already)."""
    with world.db.transaction() as s:
        housing = Housing(town_id=1, address="石龙镇周转房", rooms=40, beds=200, source="new_build")
        s.add(housing)
        s.flush()
        s.add_all(
            HousingAllocation(
                housing_id=housing.id,
                trainee_id=t,
                active_trainee_id=t,
                active=True,
                start_date=dt.date(2025, 8, 1),
                flagged_for_release=t in ALREADY_FLAGGED,
                flag_reason="clerk's note" if t in ALREADY_FLAGGED else "",
            )
            for t in HOUSED
        )


def add_policies(world) -> None:
    with world.db.transaction() as s:
        for effective_from, fee, due_days in POLICIES:
            data = {
                "effective_from": effective_from,
                "monthly_amount_fen": 100_000,
                "placement_fee_fen": fee,
                "fee_due_days": due_days,
            }
            policy.create_policy(s, data, "city", 30)


def _stamp(column: sa.Column) -> bool:
    """A timestamp (when, not what) or a surrogate id: differs between two runs."""
    kind = getattr(column.type, "impl", column.type)
    return isinstance(kind, sa.DateTime) or column is column.table.autoincrement_column


def snapshot(world) -> dict[str, list]:
    """Every table's rows without ids and timestamps, sorted; JSON as the database holds
    it (text: key order, and JSON null apart from SQL NULL); an audit row names the
    entitlement by its trainee (its fee's id may differ)."""
    out = {}
    with world.db.transaction() as s:
        fee_trainee = dict(s.execute(sa.select(PlacementFee.id, PlacementFee.trainee_id)).all())
        for table in Base.metadata.sorted_tables:
            columns = [
                sa.cast(c, sa.Text).label(c.name) if isinstance(c.type, sa.JSON) else c
                for c in table.columns
                if not _stamp(c)
            ]
            rows = []
            for row in s.execute(sa.select(*columns)).mappings():
                row = dict(row)
                if table.name == MoneyAudit.__tablename__ and row["entity"] == "placement_fee":
                    row["entity_id"] = ("trainee", fee_trainee[row["entity_id"]])
                rows.append(json.dumps(row, default=str, ensure_ascii=False))
            out[table.name] = sorted(rows)
    return out


def consumer_of(world):
    return world.spec.consumer(world.config, world.db, Bus("memory://", "x", "x"))


def test_placements_in_batches_write_what_one_by_one_writes(two_worlds, monkeypatch):
    batched, single = two_worlds
    stream = Stream()
    phases = [before_any_policy(stream), after_the_policies(stream)]
    batch_consumer, single_consumer = consumer_of(batched), consumer_of(single)

    def fallback(envelopes):
        raise AssertionError("a batch was applied again event by event: a set-based run raised")

    monkeypatch.setattr(batch_consumer, "_apply_batch_isolated", fallback)
    for number, events in enumerate(phases):
        if number == 1:
            for world in (batched, single):
                add_policies(world)
        one_by_one = [single_consumer.apply(e) for e in events]
        in_batches = []
        for start in range(0, len(events), 50):
            in_batches += batch_consumer.apply_batch(events[start : start + 50])
        assert in_batches == one_by_one

    expected = snapshot(single)
    assert snapshot(batched) == expected

    # Subsidies from the history: June generated, then moves in the middle of July and a
    # placement back-dated into June, then the tick after July.
    for world in (batched, single):
        with world.db.transaction() as s:
            subsidies.generate(s, "2026-06", "city", dt.date(2026, 7, 1))
    events = mid_month_moves(stream)
    one_by_one = [single_consumer.apply(e) for e in events]
    assert batch_consumer.apply_batch(events) == one_by_one
    done = [
        subsidies.tick(world.db.sessionmaker, dt.date(2026, 8, 1)) for world in (batched, single)
    ]
    assert done[0] == done[1] and done[0]["generated"]["2026-06"] == 1
    assert snapshot(batched) == snapshot(single)
    with single.db.transaction() as s:
        july = {
            (row.trainee_id, row.town_id): row.days_stationed
            for row in s.scalars(sa.select(Subsidy).where(Subsidy.month == "2026-07"))
        }
    assert (july[(1080, 1)], july[(1080, 2)]) == (10, 21)
    assert (july[(1090, 1)], july[(1090, 2)]) == (19, 12)  # 1–4 village 11, 5–19 village 12

    # The scenario covers what it means to.
    with single.db.transaction() as s:
        fees = {f.trainee_id: f for f in s.scalars(sa.select(PlacementFee))}
        seeded = [t for t in fees if t not in TRAINEES]  # the seeded world's trainees
        flagged = {
            a.trainee_id: a.flag_reason
            for a in s.scalars(
                sa.select(HousingAllocation).where(HousingAllocation.flagged_for_release)
            )
        }
        entitled = s.scalar(
            sa.select(sa.func.count()).where(
                MoneyAudit.action == "entitle", MoneyAudit.entity == "placement_fee"
            )
        )
    assert 1110 not in fees  # the stale placement
    assert fees[1000].amount_fen is None and fees[1000].placement_start == dt.date(2025, 9, 1)
    assert fees[1000].due_on == dt.date(2025, 10, 1)  # no policy: the default limit
    by_start = {
        f.placement_start: (f.amount_fen, f.due_on)
        for f in fees.values()
        if f.trainee_id in TRAINEES
    }
    assert by_start[dt.date(2025, 12, 15)] == (None, dt.date(2026, 1, 14))
    assert by_start[dt.date(2026, 1, 1)] == (300_000, dt.date(2026, 1, 21))
    # Limits on a Saturday (21 March, 15 August 2026) move to the Monday.
    assert by_start[dt.date(2026, 3, 1)] == (300_000, dt.date(2026, 3, 23))
    assert by_start[dt.date(2026, 6, 1)] == (360_000, dt.date(2026, 7, 16))
    assert by_start[dt.date(2026, 7, 1)] == (360_000, dt.date(2026, 8, 17))
    assert all(t in fees for t in range(1100, 1105))
    assert seeded and entitled == len(fees)  # one audit row for each entitlement
    assert flagged[1001].startswith("退出") and flagged[1007] == "clerk's note"
    assert flagged[1010].startswith("调往其他镇") and 1011 not in flagged
    assert all(t in flagged for t in range(1100, 1105))


def test_a_run_of_50_placements_takes_a_few_statements(pg_url):
    world = build_world("welfare", pg_url)
    try:
        stream = Stream()
        consumer = consumer_of(world)
        prepare(world)
        add_policies(world)
        consumer.apply_batch([stream.registered(t) for t in range(1000, 1050)])
        consumer.apply_batch(
            [stream.placed(t, 1, 11, dt.date(2026, 1, 1)) for t in range(1000, 1025)]
        )
        # Half move to another town (beds flagged), half are first placements (fees).
        run = [stream.placed(t, 2, 21, dt.date(2026, 3, 1), previous=1) for t in range(1000, 1025)]
        run += [stream.placed(t, 1, 11, dt.date(2026, 3, 1)) for t in range(1025, 1050)]
        with counted_statements(world.db.engine) as statements:
            assert consumer.apply_batch(run) == [True] * 50
        # Inbox, projection (read, update), policies, fees, audit, beds (read, update):
        # one by one it is several statements for each of the 50 events.
        assert len(statements) < 15, statements
        with world.db.transaction() as s:
            fees = s.scalar(
                sa.select(sa.func.count()).where(PlacementFee.trainee_id.between(1000, 1049))
            )
            flagged = s.scalar(
                sa.select(sa.func.count()).where(
                    HousingAllocation.flagged_for_release,
                    HousingAllocation.flag_reason.startswith("调往其他镇"),
                )
            )
        assert (fees, flagged) == (50, 25 - len([t for t in ALREADY_FLAGGED if t < 1025]))
    finally:
        world.db.dispose()
