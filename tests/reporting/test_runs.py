"""Reporting's reactions to runs of events, set-based: the consumer hands consecutive
trainee and assignment events of one type to the reactions' set-based versions, which must
leave exactly the rows that applying the events one by one leaves (tenures, obligations,
the dashboard's ``report_month``, spans), in a few statements for a run of fifty instead
of a few for each event."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from services.reporting.domain import periods
from services.reporting.models import (
    KINDS_BY_PERIOD,
    Base,
    Obligation,
    Period,
    ReportMonth,
    TraineeTenure,
)
from shared.bus import Bus
from shared.clock import city_today
from shared.db import UTCDateTime
from shared.events import build_event, validate_event
from tests.worlds import build_world, counted_statements

pytestmark = pytest.mark.integration

ROLES = ("integrity", "business", "responsible", "practical")


def opened(world, today: dt.date) -> None:
    """Periods whose deadline is ahead (this month, this quarter) and past (months ago)."""
    first = today.replace(day=1)
    codes = [
        periods.month_code(first - dt.timedelta(days=100)),
        periods.month_code(first - dt.timedelta(days=1)),
        periods.month_code(today),
        periods.quarter_code(today),
    ]
    with world.db.transaction() as session:
        for code in codes:
            periods.open_period(session, code, world.config, today=today)


def consumer_of(world, monkeypatch):
    """The service's consumer, failing the test if a batch falls back to event by event
    (a set-based version that raised)."""
    consumer = world.spec.consumer(world.config, world.db, Bus("memory://", "x", "x"))

    def fell_back(envelopes):
        raise AssertionError("a batch was applied again event by event")

    monkeypatch.setattr(consumer, "_apply_batch_isolated", fell_back)
    return consumer


class Events:
    """Envelopes as roster and mentorship would send them, each trainee's versions rising."""

    def __init__(self) -> None:
        self.versions: dict[int, int] = {}
        self.out: list[dict] = []

    def add(self, type_: str, payload: dict, at: dt.date | None = None) -> dict:
        moment = None if at is None else dt.datetime.combine(at, dt.time(4), dt.UTC)
        envelope = validate_event(build_event(type_, payload, producer="x", occurred_at=moment))
        self.out.append(envelope)
        return envelope

    def version(self, trainee_id: int, stale: bool = False) -> int:
        if stale:
            return max(1, self.versions.get(trainee_id, 1) - 1)
        self.versions[trainee_id] = self.versions.get(trainee_id, 0) + 1
        return self.versions[trainee_id]

    def trainee(self, type_, trainee_id, status="active", at=None, start=None, stale=False):
        payload = {
            "id": trainee_id,
            "name": f"学员{trainee_id}",
            "cohort": 2025,
            "unit_id": 1 + trainee_id % 2,
            "status": status,
            "placement_start": start,
            "version": self.version(trainee_id, stale),
        }
        return self.add(type_, payload, at)

    def placed(self, trainee_id: int, start: dt.date) -> None:
        village = (11, 12, 21)[trainee_id % 3]
        self.add(
            "trainee.placed",
            {
                "trainee_id": trainee_id,
                "placement_id": len(self.out),
                "unit_id": 1 + trainee_id % 2,
                "town_id": village // 10,
                "village_id": village,
                "start_date": start,
                "previous_town_id": None,
                "previous_village_id": None,
                "first_in_village": True,
                "version": self.version(trainee_id),
            },
        )

    def status(self, trainee_id: int, to_status: str, effective: dt.date) -> None:
        self.add(
            "trainee.status_changed",
            {
                "trainee_id": trainee_id,
                "from_status": "withdrawn" if to_status == "active" else "active",
                "to_status": to_status,
                "effective_date": effective,
                "unit_id": 1 + trainee_id % 2,
                "version": self.version(trainee_id),
            },
        )

    def seat(self, trainee_id: int, number: int, start=None, end=None) -> None:
        payload = {
            "assignment_id": 10 * trainee_id + number,
            "trainee_id": trainee_id,
            "mentor_id": 101,
            "role": ROLES[number],
            "unit_id": 1,
            "town_id": 1,
            "village_id": 11,
        }
        if end is None:
            self.add("mentor.assigned", {**payload, "start_date": start})
        else:
            self.add(
                "mentor.released",
                {**payload, "end_date": end, "reason": "manual", "vacated": False},
            )


def sequence(today: dt.date) -> list[dict]:
    """Ninety new trainees' registrations, placements, updates and seats: runs of each
    type, cut by status changes and repeats; trainees arriving now, back-dated, placed
    before their arrival, leaving (also back-dated, dropping what they owed) and
    returning; redeliveries and stale versions."""
    first = today.replace(day=1)
    back = first - dt.timedelta(days=40)
    events = Events()
    ids = range(100, 190)
    for trainee_id in ids[::3]:  # seats known before the trainee
        for number in (0, 1):
            events.seat(trainee_id, number, start=first - dt.timedelta(days=60))
    for trainee_id in ids:
        roll = trainee_id % 6
        events.trainee(
            "trainee.registered",
            trainee_id,
            status="withdrawn" if roll == 2 else "active",
            at=back if roll in (1, 2) else None,
            start=first - dt.timedelta(days=20) if roll == 3 else None,
        )
        if trainee_id % 17 == 0:  # cuts the run, and a repeated key after it
            events.status(trainee_id, "withdrawn", first)
    events.out.insert(40, events.out[35])  # a redelivery within a batch
    events.out.append(events.out[60])  # and one in a later batch
    for trainee_id in ids:
        events.placed(trainee_id, first - dt.timedelta(days=70 if trainee_id % 4 == 0 else -2))
        if trainee_id % 11 == 0:
            events.placed(trainee_id, first + dt.timedelta(days=3))  # the key again
    for trainee_id in ids[::4]:
        if trainee_id % 6 == 2:
            events.trainee("trainee.updated", trainee_id)  # back to active
        elif trainee_id % 8 == 0:
            events.trainee("trainee.updated", trainee_id, stale=True)  # changes nothing
        else:
            events.trainee("trainee.updated", trainee_id, status="completed", at=back)
        if trainee_id % 5 == 0:
            events.status(trainee_id, "active", first)
    for trainee_id in ids[1::3]:
        for number in range(4):
            events.seat(trainee_id, number, start=first - dt.timedelta(days=10))
    for trainee_id in ids[::6]:
        events.seat(trainee_id, 0, end=first - dt.timedelta(days=1))
    return events.out


def rows(world, envelopes: list[dict]) -> dict[str, list]:
    """Every table's rows, without generated ids and timestamps (a run inserts its
    obligations in another order, so they are numbered differently); outbox events by
    type and payload. Not the places, nor the inbox rows of each world's own seeding:
    they came in envelopes of their own (places are versioned by their envelope's time)."""
    found = {}
    with world.db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in ("town", "village", "unit"):
                continue
            if table.name == "outbox":
                events = session.execute(sa.select(table.c.type, table.c.envelope))
                found[table.name] = sorted(
                    (type_, json.dumps(envelope["payload"], sort_keys=True))
                    for type_, envelope in events
                )
                continue
            query = sa.select(*(c for c in table.c if not generated(c)))
            if table.name == "inbox":
                query = query.where(table.c.event_id.in_([str(e["id"]) for e in envelopes]))
            found[table.name] = sorted(map(tuple, session.execute(query)), key=repr)
    return found


def generated(column: sa.Column) -> bool:
    """A surrogate id or a timestamp."""
    if column.name == "id" and column.autoincrement is not False:
        return True
    return isinstance(column.type, UTCDateTime | sa.DateTime)


def both_ways(one_by_one, batched, envelopes: list[dict], monkeypatch) -> list:
    """Apply ``envelopes`` one by one to one world and in batches of 50 to the other; the
    results per event must agree (they are returned)."""
    consumer = one_by_one.spec.consumer(
        one_by_one.config, one_by_one.db, Bus("memory://", "x", "x")
    )
    applied = [consumer.apply(envelope) for envelope in envelopes]
    consumer = consumer_of(batched, monkeypatch)
    results = []
    for start in range(0, len(envelopes), 50):
        results += consumer.apply_batch(envelopes[start : start + 50])
    assert results == applied
    return applied


def test_runs_leave_the_same_rows_as_one_event_at_a_time(pg_url, other_pg_url, monkeypatch):
    same_rows(pg_url, other_pg_url, monkeypatch)


def test_on_sqlite_too(tmp_path, monkeypatch):
    """The embedded default's consumer takes the same runs."""
    same_rows(f"sqlite:///{tmp_path / 'one.db'}", f"sqlite:///{tmp_path / 'runs.db'}", monkeypatch)


def same_rows(one_url: str, other_url: str, monkeypatch) -> None:
    """The sequence one event at a time on ``one_url``, in batches on ``other_url``."""
    today = city_today("Asia/Shanghai")
    envelopes = sequence(today)
    one_by_one, batched = build_world("reporting", one_url), build_world("reporting", other_url)
    try:
        for world in (one_by_one, batched):
            opened(world, today)
        applied = both_ways(one_by_one, batched, envelopes, monkeypatch)
        assert applied.count(False) == 2  # the redeliveries

        expected = rows(one_by_one, envelopes)
        assert rows(batched, envelopes) == expected

        # The comparison covered what the reactions write: new trainees owe this month's
        # forms (its deadline is ahead), none of a month whose deadline passed; some left;
        # their dashboard rows hold seats.
        first = today.replace(day=1)
        with batched.db.transaction() as session:

            def owing(code: str) -> set[int]:
                return set(
                    session.scalars(
                        sa.select(Obligation.trainee_id)
                        .join(Period, Period.id == Obligation.period_id)
                        .where(Period.code == code, Obligation.trainee_id >= 100)
                    )
                )

            assert len(owing(periods.month_code(today))) > 40
            assert not owing(periods.month_code(first - dt.timedelta(days=100)))
            left = session.scalar(
                sa.select(sa.func.count()).where(TraineeTenure.left_on.is_not(None))
            )
            seated = session.scalar(
                sa.select(sa.func.count()).where(
                    ReportMonth.seats > 0, ReportMonth.trainee_id >= 100
                )
            )
            assert left > 5 and seated > 20, (left, seated)
    finally:
        one_by_one.db.dispose()
        batched.db.dispose()


def statements_of(world, consumer, envelopes: list[dict]) -> int:
    """How many statements applying ``envelopes`` as one batch takes (all applied)."""
    with counted_statements(world.db.engine) as executed:
        assert consumer.apply_batch(envelopes) == [True] * len(envelopes)
    return len(executed)


def test_a_run_takes_the_same_few_statements_whatever_its_length(world_pg, monkeypatch):
    """A run of fifty events costs what a run of ten costs: nothing is done per event."""
    today = city_today("Asia/Shanghai")
    opened(world_pg, today)
    consumer = consumer_of(world_pg, monkeypatch)
    first = today.replace(day=1)

    counts = {}
    for size in (10, 50):
        events = Events()
        trainees = range(1000 * size, 1000 * size + size)
        for trainee_id in trainees:
            events.trainee("trainee.registered", trainee_id)
        for trainee_id in trainees:
            events.placed(trainee_id, first)
        for trainee_id in trainees:
            for number in range(4):
                events.seat(trainee_id, number, start=first - dt.timedelta(days=5))
        registered, placed, assigned = (
            events.out[:size],
            events.out[size : 2 * size],
            events.out[2 * size : 3 * size],
        )
        counts[size] = [
            statements_of(world_pg, consumer, run) for run in (registered, placed, assigned)
        ]
    assert counts[50] == counts[10], counts
    # registered: inbox, trainees (2), tenures (2), open periods, then for each form of a
    # period whose deadline is ahead: its obligations and their report_month rows (4);
    # placed: the same. Only the first of the two runs that makes the forms owed writes
    # them (4 a form), the other finds them (1 a form): registered on a month's last day,
    # a trainee owes that month only from its placement on the first. assigned: inbox,
    # the assignments with their dates (one table since issue 23), the finish's seats (3).
    with world_pg.db.transaction() as session:
        ahead = session.scalars(sa.select(Period.kind).where(Period.deadline >= today)).all()
    forms = sum(len(KINDS_BY_PERIOD[kind]) for kind in ahead)
    registered, placed, assigned = counts[50]
    assert registered + placed <= 12 + 5 * forms and assigned == 5, counts
    assert max(registered, placed) <= 6 + 4 * forms, counts


def talk(events: Events, talk_id: int, trainee_id: int, day: dt.date, unit_id: int = 1) -> dict:
    """A ``talk.recorded`` as mentorship announces it."""
    return events.add(
        "talk.recorded",
        {
            "talk_id": talk_id,
            "trainee_id": trainee_id,
            "mentor_id": 101 + talk_id % 4,
            "mentor_role": ROLES[talk_id % 4],
            "talk_date": day,
            "mode": "in_person",
            "aspects": ["practice", "care"],
            "summary": f"谈话{talk_id}",
            "unit_id": unit_id,
            "town_id": unit_id,
            "village_id": 11,
        },
    )


def talks(today: dt.date) -> list[dict]:
    """Talks of forty trainees in this month and the last: several of one trainee's month
    in a run (the last of them from another place), the same talk again (a new envelope)
    in its run and in a later batch, a redelivered envelope; runs cut by a visit of the same
    month (not set-based, so nothing moves across it), and regrouped around trainee and
    seat events (set-based, of other keys)."""
    first = today.replace(day=1)
    last_month = first - dt.timedelta(days=20)
    events = Events()
    number = 5000
    for trainee_id in range(300, 340):
        for day in (first, last_month, first + dt.timedelta(days=1), last_month):
            number += 1
            talk(events, number, trainee_id, day, unit_id=2 if number % 7 == 0 else 1)
        if trainee_id % 5 == 0:
            events.trainee("trainee.registered", trainee_id)
            events.seat(trainee_id, 0, start=first)
        if trainee_id % 9 == 0:
            events.add(
                "visit.recorded",
                {"visit_id": trainee_id, "trainee_id": trainee_id, "visit_date": first,
                 "visitor": "组织部", "unit_id": 3, "town_id": 3},
            )  # fmt: skip
            talk(events, number + 10_000, trainee_id, first)
    again = dict(events.out[10]["payload"])
    talk(events, again["talk_id"], again["trainee_id"], again["talk_date"], unit_id=3)
    events.out.insert(30, events.out[-1])  # the same talk again, in its own batch …
    events.out.pop()
    events.out.insert(33, events.out[31])  # … with a redelivered envelope
    for envelope in events.out[:40:3]:  # and again in later batches
        p = envelope["payload"]
        if envelope["type"] == "talk.recorded":
            talk(events, p["talk_id"], p["trainee_id"], p["talk_date"], unit_id=2)
    return events.out


def test_runs_of_talks_leave_the_same_rows_as_one_talk_at_a_time(pg_url, other_pg_url, monkeypatch):
    """The talks kept and each trainee's month counters come out the same."""
    today = city_today("Asia/Shanghai")
    envelopes = talks(today)
    one_by_one, batched = build_world("reporting", pg_url), build_world("reporting", other_pg_url)
    try:
        applied = both_ways(one_by_one, batched, envelopes, monkeypatch)
        assert applied.count(False) == 1  # the redelivery

        expected = rows(one_by_one, envelopes)
        assert rows(batched, envelopes) == expected
        months = {(r[0], r[1]): r for r in expected["oversight_month"] if r[0] >= 300}
        # Each trainee's two months, two talks each (three after a visit); the month's
        # place is its last talk's, or the visit's; repeated talks counted once.
        assert len(months) == 80 and len(expected["report_talk"]) == 164
        assert sorted(r[4] for r in months.values()) == [2] * 76 + [3] * 4
        assert {r[2] for r in months.values()} == {1, 2}
    finally:
        one_by_one.db.dispose()
        batched.db.dispose()


def test_a_run_of_talks_takes_three_statements_whatever_its_length(world_pg, monkeypatch):
    """Inbox, the talks (``report_talk``, the new ones returned) and the months' counters:
    nothing is done for each talk, nor for each trainee's month."""
    today = city_today("Asia/Shanghai")
    consumer = consumer_of(world_pg, monkeypatch)
    first = today.replace(day=1)

    counts = {}
    for size in (10, 50):
        events = Events()
        for n in range(size):  # trainees with several talks, in two months
            day = first - dt.timedelta(days=25 * (n % 2))
            talk(events, 1000 * size + n, 1000 * size + n // 3, day)
        counts[size] = statements_of(world_pg, consumer, events.out)
    assert counts[50] == counts[10] == 3, counts
