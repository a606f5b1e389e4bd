"""An event (shared.outbox.record_event) and an audit row (shared.audit.record_audit) are
written in the caller's transaction, through the ORM or ``at_once`` (a Core INSERT): they
commit with the change, or vanish with it, savepoints included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.audit import AuditMixin, record_audit
from shared.db import TYPE_ANNOTATION_MAP, Database
from shared.outbox import OutboxMixin, record_event
from tests.shared.harness import trainee_payload


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Outbox(OutboxMixin, Base):
    pass


class Audit(AuditMixin, Base):
    __tablename__ = "audit"


class RoleAudit(AuditMixin, Base):
    """An audit table with a column of its own (as reporting's)."""

    __tablename__ = "role_audit"

    role: Mapped[str] = mapped_column(sa.String(16))


class Thing(Base):
    __tablename__ = "thing"

    id: Mapped[int] = mapped_column(primary_key=True)


@pytest.fixture(params=["pg", "sqlite"])
def db(request):
    url = request.getfixturevalue("pg_url" if request.param == "pg" else "sqlite_url")
    database = Database(url)
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture(params=[False, True], ids=["orm", "at_once"])
def at_once(request) -> bool:
    return request.param


def _change(session, at_once: bool, thing: int = 1) -> None:
    session.add(Thing(id=thing))
    session.flush()
    payload = trainee_payload(thing)
    record_event(session, Outbox, "trainee.registered", payload, producer="t", at_once=at_once)
    after = {"on": dt.date(2026, 3, 1), "amount": Decimal("1.50")}
    record_audit(session, Audit, "u" * 80, "create", "thing", thing, None, after, at_once=at_once)
    record_audit(session, RoleAudit, "u1", "submit", "thing", thing, {"a": 1}, {"a": 2},
                 role="town", at_once=at_once)  # fmt: skip


def _count(db, model) -> int:
    with db.transaction() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_event_and_the_audit_rows_commit_with_the_change(db, at_once):
    with db.transaction() as session:
        _change(session, at_once)
    with db.transaction() as session:
        event = session.scalars(sa.select(Outbox)).one()
        audit = session.scalars(sa.select(Audit)).one()
        role_audit = session.scalars(sa.select(RoleAudit)).one()
    assert event.type == "trainee.registered" and event.envelope["payload"]["id"] == 1
    assert event.created_at.tzinfo is not None and event.sent_at is None
    assert audit.actor == "u" * 64 and audit.before is None and audit.at.tzinfo is not None
    assert audit.after == {"on": "2026-03-01", "amount": "1.50"}
    assert (role_audit.role, role_audit.before, role_audit.after) == ("town", {"a": 1}, {"a": 2})


def test_the_event_and_the_audit_rows_vanish_when_the_change_rolls_back(db, at_once):
    with pytest.raises(RuntimeError), db.transaction() as session:
        _change(session, at_once)
        raise RuntimeError("the change fails after recording")
    assert [_count(db, m) for m in (Thing, Outbox, Audit, RoleAudit)] == [0, 0, 0, 0]


def test_a_savepoint_rolled_back_takes_its_event_and_audit_rows_with_it(db, at_once):
    with db.transaction() as session:
        _change(session, at_once, thing=1)
        savepoint = session.begin_nested()
        _change(session, at_once, thing=2)
        savepoint.rollback()
    assert [_count(db, m) for m in (Thing, Outbox, Audit, RoleAudit)] == [1, 1, 1, 1]
