"""Migration 0004 on rows stored as they were typed (SQLite and PostgreSQL): identity
numbers, phones and names are normalised; two rows whose numbers become the same are not
merged and do not break the unique index: the second keeps its number, and the pair is
listed for the city (``GET /duplicates``, masked, city only); a summary is printed."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command

from services.roster.app import create_app
from services.roster.config import Config
from services.roster.spec import SPEC
from shared import migrate
from shared.db import Database
from tests.conftest import auth
from tests.roster.helpers import API, id_number

A = id_number("44010619950501", 5, x=True)
B = id_number("11010119900307", 12)
C = id_number("44030419980214", 7, x=True)
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def wide(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() and c.isascii() else c for c in text)


TRAINEES = [  # id, name, id_number, phone
    (1, "张三 ", A.lower(), "139-1234-5678"),
    (2, "李四", A, None),  # holds A already: keeps it; row 1 keeps its lower-case x
    (3, "\u3000王五\t", wide(B), "+86 139 1234 5679"),  # becomes B
    (4, "赵六", B.lower() if B.endswith("X") else wide(B)[:17] + B[17], "call me"),  # B again
    (5, "换\r\n行", C, "020-12345678"),
    (6, "\u3000", None, "１３９１２３４５６７８"),  # a name that would be blank: left
]
PEOPLE = [(1, " 干部甲", wide(C), "13912345600"), (2, "干部乙", C.lower(), None)]


def _seed(url: str) -> None:
    migrate.upgrade(SPEC.migrations_dir, url, "0003")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO unit (id, code, name, created_at) VALUES (1, 'U1', ' 区财政局　', :t)"
            ),
            {"t": NOW},
        )
        for row_id, name, number, phone in TRAINEES:
            conn.execute(
                sa.text(
                    "INSERT INTO trainee (id, name, id_number, phone, cohort, unit_id, status,"
                    " version, created_at, updated_at) VALUES (:id, :name, :number, :phone,"
                    " 2025, 1, 'active', 1, :t, :t)"
                ),
                {"id": row_id, "name": name, "number": number, "phone": phone, "t": NOW},
            )
        for row_id, name, number, phone in PEOPLE:
            conn.execute(
                sa.text(
                    "INSERT INTO person (id, name, id_number, phone, version, created_at)"
                    " VALUES (:id, :name, :number, :phone, 1, :t)"
                ),
                {"id": row_id, "name": name, "number": number, "phone": phone, "t": NOW},
            )
        conn.execute(
            sa.text(
                "INSERT INTO account (id, username, kind, secret_hash, role, display_name,"
                " phone, active, failed_logins, created_at) VALUES (1, 'city', 'user', 'x',"
                " 'city', '组织部 ', '+86 139-1234-5601', true, 0, :t)"
            ),
            {"t": NOW},
        )
    engine.dispose()


def _rows(url: str, table: str, columns: str) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            result = conn.execute(sa.text(f"SELECT id, {columns} FROM {table} ORDER BY id"))
            return {row[0]: tuple(row[1:]) for row in result}
    finally:
        engine.dispose()


def _check(url: str, capsys) -> None:
    _seed(url)
    migrate.upgrade(SPEC.migrations_dir, url)
    printed = capsys.readouterr().out
    trainees = _rows(url, "trainee", "name, id_number, phone")
    assert trainees == {
        1: ("张三", A.lower(), "+8613912345678"),
        2: ("李四", A, None),
        3: ("王五", B, "+8613912345679"),
        4: ("赵六", TRAINEES[3][2], "call me"),
        5: ("换 行", C, "+862012345678"),
        6: ("\u3000", None, "+8613912345678"),
    }
    assert _rows(url, "person", "name, id_number, phone") == {
        1: ("干部甲", C, "+8613912345600"),
        2: ("干部乙", C.lower(), None),
    }
    assert _rows(url, "unit", "name") == {1: ("区财政局",)}
    assert _rows(url, "account", "display_name, phone") == {1: ("组织部", "+8613912345601")}
    duplicates = _rows(url, "possible_duplicate", "kind, first_id, second_id, value, found_by")
    assert sorted(duplicates.values()) == [
        ("person.id_number", 1, 2, C, "migration 0004"),
        ("trainee.id_number", 2, 1, A, "migration 0004"),
        ("trainee.id_number", 3, 4, B, "migration 0004"),
    ]
    # The summary is printed with the numbers masked.
    assert "possible duplicate: trainee 1 has the identity number of trainee 2" in printed
    assert A not in printed and B not in printed and C not in printed
    assert f"({A[:6]}{'*' * 11}{A[-1]})" in printed

    # The city lists the pairs, masked; nobody else does.
    db = Database(url)
    client = create_app(Config(DATABASE_URL=url, BROKER_URL="memory://"), db).test_client()
    response = client.get(f"{API}/duplicates", headers=auth("city"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == 3
    assert {d["value"] for d in body["items"]} == {v[:6] + "*" * 11 + v[-1] for v in (A, B, C)}
    kind = client.get(f"{API}/duplicates?kind=person.id_number", headers=auth("city"))
    assert [(d["first_id"], d["second_id"]) for d in kind.get_json()["items"]] == [(1, 2)]
    assert client.get(f"{API}/duplicates", headers=auth("town", 1)).status_code == 403
    db.dispose()

    # Down and up again: the pairs are found again, nothing else changes.
    config = migrate.alembic_config(SPEC.migrations_dir, url)
    command.downgrade(config, "0003")
    command.upgrade(config, "head")
    assert _rows(url, "trainee", "name, id_number, phone") == trainees
    assert len(_rows(url, "possible_duplicate", "kind")) == 3


def test_migration_0004_normalises_stored_rows_on_sqlite(sqlite_url, capsys):
    _check(sqlite_url, capsys)


@pytest.mark.integration
def test_migration_0004_normalises_stored_rows_on_postgresql(pg_url, capsys):
    _check(pg_url, capsys)
