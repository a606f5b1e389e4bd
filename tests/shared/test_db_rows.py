"""shared.db's two row mechanisms, on both databases: ``insert_new`` inserts a row once
however many callers try (the second one waits for the first's commit, then inserts
nothing), and ``locked`` reads a row afresh under its lock."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.models import SubsidyMonth
from services.welfare.spec import SPEC
from shared.db import insert_new, locked
from tests.conftest import migrated

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite_url", "pg_url"])
def db(request):
    database = migrated(SPEC, request.getfixturevalue(request.param))
    yield database
    database.dispose()


def test_insert_new_inserts_once_with_the_model_s_defaults_and_keeps_the_first(db):
    with db.transaction() as session:
        assert insert_new(
            session, SubsidyMonth, "month", month="2026-11", first_by="市委组织部"
        ) == ("2026-11")
        assert insert_new(session, SubsidyMonth, "month", month="2026-11", first_by="tick") is None
    with db.transaction() as session:
        row = session.get(SubsidyMonth, "2026-11")
        assert (row.first_by, row.runs, row.total_fen, row.stale) == ("市委组织部", 0, 0, False)
        assert row.first_at is not None


def test_a_second_caller_waits_for_the_first_commit_then_inserts_nothing(pg_url):
    db = migrated(SPEC, pg_url)
    try:
        first = Session(db.engine)
        first.begin()
        assert insert_new(first, SubsidyMonth, "month", month="2026-11", first_by="city")
        got = {}

        def second():
            with db.transaction() as session:
                got["id"] = insert_new(session, SubsidyMonth, "month", month="2026-11")

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # waiting on the first's uncommitted key
        first.commit()
        first.close()
        thread.join(10)
        assert not thread.is_alive() and got == {"id": None}
        with db.engine.connect() as conn:
            count = conn.scalar(sa.text("SELECT count(*) FROM subsidy_month"))
        assert count == 1
    finally:
        db.dispose()


def test_locked_reads_the_row_afresh(db):
    with db.transaction() as session:
        insert_new(session, SubsidyMonth, "month", month="2026-11")
    reader = Session(db.engine, expire_on_commit=False)
    try:
        seen = reader.get(SubsidyMonth, "2026-11")  # read, then held
        reader.commit()  # (its copy kept; SQLite has one writer at a time)
        with db.transaction() as session:
            session.get(SubsidyMonth, "2026-11").runs = 3
        assert reader.get(SubsidyMonth, "2026-11").runs == 0  # the identity map's copy
        assert locked(reader, SubsidyMonth, "2026-11") is seen and seen.runs == 3
        assert locked(reader, SubsidyMonth, "2027-01") is None
    finally:
        reader.close()
