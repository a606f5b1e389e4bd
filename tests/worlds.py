"""A service under test on a fresh database, fed with roster's (and mentorship's) events
through its real handlers and inbox, the way its consumer applies them, and a small seeded
world shared by every consuming service's tests.

World (ids as roster would give them):
- towns 1 (A) and 2 (B); villages 11, 12 in town 1 and 21 in town 2; units 1 (X), 2 (Y);
- people: 101 unit X leadership; 102, 103 unit X middle cadres; 104 town A party deputy;
  105 village 11 secretary; 106 village 12 secretary; 107 town B party deputy;
  108 village 21 secretary; 109 unit Y leadership; 110 unit Y middle cadre;
  111 town A staff (eligible for nothing);
- trainees: 1 (unit X, village 11, town A), 2 (unit Y, village 21, town B),
  3 (unit X, not placed).
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import datetime as dt
import importlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from shared.bus import Bus
from shared.clock import city_today
from shared.db import Database
from shared.events import build_event, validate_event
from tests.conftest import migrated

POSITIONS = {
    101: ("unit_leadership", {"unit_id": 1}),
    102: ("unit_middle_cadre", {"unit_id": 1}),
    103: ("unit_middle_cadre", {"unit_id": 1}),
    104: ("town_party_deputy", {"town_id": 1}),
    105: ("village_party_secretary", {"village_id": 11}),
    106: ("village_party_secretary", {"village_id": 12}),
    107: ("town_party_deputy", {"town_id": 2}),
    108: ("village_party_secretary", {"village_id": 21}),
    109: ("unit_leadership", {"unit_id": 2}),
    110: ("unit_middle_cadre", {"unit_id": 2}),
    111: ("town_staff", {"town_id": 1}),
}
TRAINEES = {1: (1, 1, 11), 2: (2, 2, 21), 3: (1, None, None)}  # id: (unit, town, village)


@dataclass
class World:
    """The app, its database and a way to feed it roster events."""

    app: object
    db: Database
    config: object
    spec: object
    versions: dict = field(default_factory=dict)

    @property
    def client(self):
        return self.app.test_client()

    def feed(self, type_: str, payload: dict, occurred_at: dt.datetime | None = None) -> dict:
        """Apply one event as the consumer would (validated, through the inbox);
        ``occurred_at``: when roster recorded it (default now)."""
        envelope = validate_event(
            build_event(type_, payload, producer="roster", occurred_at=occurred_at)
        )
        consumer = self.spec.consumer(self.config, self.db, Bus("memory://", "x", "x"))
        consumer.apply(envelope)
        return envelope

    def next_version(self, key) -> int:
        self.versions[key] = self.versions.get(key, 0) + 1
        return self.versions[key]

    def person(
        self, person_id: int, kind: str, place: dict, end_date=None, name=None, occurred_at=None
    ):
        self.feed(
            "person.updated" if ("p", person_id) in self.versions else "person.created",
            {
                "id": person_id,
                "name": name or f"干部{person_id}",
                "version": self.next_version(("p", person_id)),
                "positions": [
                    {"kind": kind, **place, "start_date": "2024-01-01", "end_date": end_date}
                ],
            },
            occurred_at,
        )

    def trainee(self, trainee_id: int, unit_id: int, name: str | None = None, occurred_at=None):
        self.feed(
            "trainee.registered",
            {
                "id": trainee_id,
                "name": name or f"学员{trainee_id}",
                "cohort": 2025,
                "unit_id": unit_id,
                "status": "active",
                "version": self.next_version(("t", trainee_id)),
            },
            occurred_at,
        )

    def place(
        self,
        trainee_id: int,
        unit_id: int,
        town_id: int,
        village_id: int,
        start: dt.date = dt.date(2026, 1, 1),
        previous=(None, None),
    ):
        self.feed(
            "trainee.placed",
            {
                "trainee_id": trainee_id,
                "placement_id": 1000 + self.next_version("pl"),
                "unit_id": unit_id,
                "town_id": town_id,
                "village_id": village_id,
                "start_date": start,
                "previous_town_id": previous[0],
                "previous_village_id": previous[1],
                "first_in_village": previous[0] is None,
                "version": self.next_version(("t", trainee_id)),
            },
        )

    def assign(
        self,
        assignment_id: int,
        trainee_id: int,
        mentor_id: int,
        role: str,
        unit_id: int = 1,
        town_id: int | None = 1,
        village_id: int | None = 11,
    ):
        """Announce a mentor assignment as mentorship would."""
        self.feed(
            "mentor.assigned",
            {
                "assignment_id": assignment_id,
                "trainee_id": trainee_id,
                "mentor_id": mentor_id,
                "role": role,
                "start_date": "2026-01-01",
                "unit_id": unit_id,
                "town_id": town_id,
                "village_id": village_id,
            },
        )

    def status(
        self, trainee_id: int, to_status: str, unit_id: int, date: dt.date, occurred_at=None
    ):
        self.feed(
            "trainee.status_changed",
            {
                "trainee_id": trainee_id,
                "from_status": "active",
                "to_status": to_status,
                "effective_date": date,
                "unit_id": unit_id,
                "version": self.next_version(("t", trainee_id)),
            },
            occurred_at,
        )


def build_world(service: str, url: str, names: dict | None = None, **config) -> World:
    """The service's app on ``url`` with the seeded world applied through its handlers
    (``names``: trainee id to name, where a test needs names it can recognise).

    On an empty database the world is a copy of one seeded once per process (a file copy on
    SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL): migrating and feeding the same
    events for every test cost more than most tests themselves. A database that already
    holds a world is migrated and fed again, as before."""
    spec = importlib.import_module(f"services.{service}.spec").SPEC
    create_app = importlib.import_module(f"services.{service}.app").create_app
    cfg = spec.config(DATABASE_URL=url, BROKER_URL="memory://", **config)
    if not _is_empty(url):
        return _seed(service, url, names, config)
    # the month is part of the key: the world's trainees are registered at its start
    month = city_today(cfg.TIME_ZONE).replace(day=1)
    key = (service, sa.make_url(url).get_backend_name(), repr(names), repr(config), month)
    if key not in _SEEDS:
        template = _template_url(url)
        seeded = _seed(service, template, names, config)
        seeded.db.dispose()
        _SEEDS[key] = (template, seeded.versions)
    template, versions = _SEEDS[key]
    _copy_database(template, url)
    db = Database(url, settings=spec.config(DATABASE_URL=url))
    return World(create_app(cfg, db), db, cfg, spec, copy.deepcopy(versions))


#: This process's seeded worlds, by service, backend, names, settings and month: the
#: template's URL and the versions its events used.
_SEEDS: dict = {}
_TEMPLATES: list[str] = []


def _is_empty(url: str) -> bool:
    """Whether ``url`` names a database without tables (a SQLite file not yet written)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return not parsed.database or not os.path.exists(parsed.database)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return not sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()


def _template_url(url: str) -> str:
    """A new database beside ``url``'s for a template, dropped when the process ends."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="gr-world-"), "world.db")
        _TEMPLATES.append(os.path.dirname(path))
        return f"sqlite:///{path}"
    name = f"gr_tpl_{uuid.uuid4().hex[:12]}"
    with _admin(url) as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    template = parsed.set(database=name).render_as_string(hide_password=False)
    _TEMPLATES.append(template)
    return template


def _copy_database(template: str, url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sa.make_url(template).database
        for suffix in ("", "-wal", "-shm"):  # a WAL left behind holds part of the world
            if os.path.exists(source + suffix):
                shutil.copyfile(source + suffix, parsed.database + suffix)
        return
    name, source = parsed.database, sa.make_url(template).database
    with _admin(url) as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))


@contextmanager
def _admin(url: str):
    """A connection to ``url``'s server outside any test's database (to create one)."""
    admin = sa.make_url(url).set(database="postgres")
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@atexit.register
def _drop_templates() -> None:
    for template in _TEMPLATES:
        if template.startswith("postgresql"):
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                with _admin(template) as conn:
                    name = sa.make_url(template).database
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            shutil.rmtree(template, ignore_errors=True)


def _seed(service: str, url: str, names: dict | None, config: dict) -> World:
    """Migrate ``url`` and feed it the seeded world (what :func:`build_world` copies)."""
    spec = importlib.import_module(f"services.{service}.spec").SPEC
    create_app = importlib.import_module(f"services.{service}.app").create_app
    db = migrated(spec, url)
    cfg = spec.config(DATABASE_URL=url, BROKER_URL="memory://", **config)
    world = World(create_app(cfg, db), db, cfg, spec)
    for town_id, name in ((1, "石龙镇"), (2, "新塘镇")):
        world.feed("town.created", {"id": town_id, "code": f"T{town_id}", "name": name})
    for village_id, town_id in ((11, 1), (12, 1), (21, 2)):
        world.feed(
            "village.created",
            {
                "id": village_id,
                "code": f"V{village_id}",
                "name": f"村{village_id}",
                "town_id": town_id,
            },
        )
    for unit_id, name in ((1, "区财政局"), (2, "区教育局")):
        world.feed("unit.created", {"id": unit_id, "code": f"U{unit_id}", "name": name})
    for person_id, (kind, place) in POSITIONS.items():
        world.person(person_id, kind, place)
    # Registered at the start of the run's month in the city, so that the unplaced trainee
    # 3 owes this month's forms on any day of it (one registered on a month's last day
    # owes nothing for that month).
    month_start = dt.datetime.combine(
        city_today(cfg.TIME_ZONE).replace(day=1), dt.time(), ZoneInfo(cfg.TIME_ZONE)
    )
    for trainee_id, (unit_id, town_id, village_id) in TRAINEES.items():
        world.trainee(
            trainee_id, unit_id, name=(names or {}).get(trainee_id), occurred_at=month_start
        )
        if village_id:
            world.place(trainee_id, unit_id, town_id, village_id)
    return world


@contextmanager
def counted_statements(engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` sends inside the block (for tests that a set-based
    path stays a handful of statements, whatever the number of events)."""
    executed: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        executed.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield executed
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
