"""Roster API fixtures: a migrated database (SQLite by default, PostgreSQL for the tests
that need it), the app on it, and a small seeded world made through the domain functions.

The world: towns A and B with two villages each, units X and Y, a cadre in each of those
places, and three trainees: ``in_a`` (unit X, placed in town A), ``in_b`` (unit Y, placed
in town B) and ``unplaced`` (unit X, not yet in a village). A city login ``clerk`` exists
with password :data:`CLERK_PASSWORD`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.roster.app import create_app
from services.roster.config import Config
from services.roster.domain.accounts import create_account
from services.roster.domain.auth import PASSWORD_METHOD
from services.roster.domain.people import create_person
from services.roster.domain.places import create_place
from services.roster.domain.trainees import register_trainee
from services.roster.models import Outbox, Town, Unit, Village
from services.roster.spec import SPEC
from shared.db import Database
from tests.conftest import migrated
from tests.roster.helpers import SEEDED_CADRE_IDS, SEEDED_TRAINEE_IDS

CLERK_PASSWORD = "clerk-secret-1"
FAST_HASH = "pbkdf2:sha256:1000"
PLACED_ON = dt.date(2026, 3, 1)


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: runs against the real PostgreSQL")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """pbkdf2 with few rounds: the tests check logins, not the cost of cracking them."""
    monkeypatch.setitem(PASSWORD_METHOD, "value", FAST_HASH)


@dataclass
class Roster:
    """The app under test, its database and the ids of the seeded world."""

    client: object
    app: object
    db: Database
    ids: dict = field(default_factory=dict)

    def __getattr__(self, name: str) -> int:
        """``roster.town_a`` is ``roster.ids["town_a"]``."""
        if name == "ids":
            raise AttributeError(name)
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(name) from None

    def count(self, table: str) -> int:
        """Rows in ``table`` (e.g. ``"trainee"``, ``"outbox"``)."""
        with self.db.engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()

    def counts(self, *tables: str) -> dict[str, int]:
        return {t: self.count(t) for t in tables}

    def events(self, type_: str | None = None) -> list[dict]:
        """Outbox envelopes in the order they were written, optionally of one type."""
        with self.db.transaction() as session:
            query = sa.select(Outbox).order_by(Outbox.id)
            if type_:
                query = query.where(Outbox.type == type_)
            return [row.envelope for row in session.scalars(query)]

    def events_since(self, outbox_id: int) -> list[dict]:
        with self.db.transaction() as session:
            rows = session.scalars(
                sa.select(Outbox).where(Outbox.id > outbox_id).order_by(Outbox.id)
            )
            return [row.envelope for row in rows]

    def last_outbox_id(self) -> int:
        with self.db.engine.connect() as conn:
            return conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM outbox")).scalar_one()


def seed(db: Database) -> dict:
    """Create the small world through the domain layer; return the ids by name."""
    ids: dict[str, int] = {}
    with db.transaction() as s:
        town_a = create_place(s, Town, {"code": "TA", "name": "甲镇"})
        town_b = create_place(s, Town, {"code": "TB", "name": "乙镇"})
        villages = {}
        for town, tag in ((town_a, "a"), (town_b, "b")):
            for n in (1, 2):
                villages[f"village_{tag}{n}"] = create_place(
                    s,
                    Village,
                    {"code": f"V{tag.upper()}{n}", "name": f"{tag}{n}村", "town_id": town.id},
                )
        unit_x = create_place(s, Unit, {"code": "UX", "name": "区财政局"})
        unit_y = create_place(s, Unit, {"code": "UY", "name": "区教育局"})
        ids.update(
            town_a=town_a.id,
            town_b=town_b.id,
            unit_x=unit_x.id,
            unit_y=unit_y.id,
            **{k: v.id for k, v in villages.items()},
        )
        cadres = {
            "cadre_x": {"kind": "unit_leadership", "unit_id": unit_x.id},
            "cadre_y": {"kind": "unit_middle_cadre", "unit_id": unit_y.id},
            "cadre_a": {"kind": "town_party_deputy", "town_id": town_a.id},
            "cadre_b1": {"kind": "village_party_secretary", "village_id": ids["village_b1"]},
        }
        for n, (key, position) in enumerate(cadres.items()):
            person = create_person(
                s,
                {
                    "name": f"干部{key}",
                    "phone": f"+861391234{n:04d}",
                    "id_number": SEEDED_CADRE_IDS[n],
                    "positions": [position],
                },
            )
            ids[key] = person.id
        trainees = {
            "in_a": (unit_x.id, ids["village_a1"]),
            "in_b": (unit_y.id, ids["village_b1"]),
            "unplaced": (unit_x.id, None),
        }
        for n, (key, (unit_id, village_id)) in enumerate(trainees.items()):
            data = {
                "name": f"学员{key}",
                "gender": "女",
                "cohort": 2025,
                "unit_id": unit_id,
                "id_number": SEEDED_TRAINEE_IDS[n],
                "phone": f"+861381234{n:04d}",
            }
            if village_id:
                data["placement"] = {"village_id": village_id, "start_date": PLACED_ON}
            ids[key] = register_trainee(s, data).id
        clerk, _ = create_account(
            s,
            {
                "username": "clerk",
                "password": CLERK_PASSWORD,
                "role": "city",
                "display_name": "组织部",
            },
        )
        ids["clerk"] = clerk.id
    return ids


def _app(db: Database, url: str, ids: dict, **config) -> Roster:
    app = create_app(Config(DATABASE_URL=url, BROKER_URL="memory://", **config), db)
    app.testing = True
    return Roster(client=app.test_client(), app=app, db=db, ids=dict(ids))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> tuple[Path, dict]:
    """A migrated and seeded SQLite file made once; each test works on its own copy
    (seeding is the slow part of a test, and every test needs the same world)."""
    path = tmp_path_factory.mktemp("roster-template") / "roster.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(PASSWORD_METHOD, "value", FAST_HASH)
        db = migrated(SPEC, f"sqlite:///{path}")
        ids = seed(db)
        db.dispose()
    return path, ids


def _sqlite_copy(template: Path, url: str) -> None:
    with (
        closing(sqlite3.connect(template)) as src,
        closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as dst,
    ):
        src.backup(dst)


@pytest.fixture
def roster_config() -> dict:
    """Config overrides for the app; a test module may override this fixture."""
    return {}


@pytest.fixture
def roster(request, roster_config):
    """The roster app on a fresh database with the seeded world: SQLite unless a test
    parametrises it indirectly with ``"postgresql"`` (see ``helpers.BOTH_DATABASES``)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        yield request.getfixturevalue("roster_pg")
        return
    template, ids = request.getfixturevalue("sqlite_template")
    url = request.getfixturevalue("sqlite_url")
    _sqlite_copy(template, url)
    built = _app(Database(url), url, ids, **roster_config)
    yield built
    built.db.dispose()


@pytest.fixture
def roster_pg(pg_url, roster_config):
    """The same on a fresh PostgreSQL database, migrated and seeded for this test."""
    db = migrated(SPEC, pg_url)
    built = _app(db, pg_url, seed(db), **roster_config)
    yield built
    built.db.dispose()
