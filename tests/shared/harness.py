"""A tiny stand-in consuming service for testing the shared mechanisms: its own tables
(outbox, inbox, and ``applied`` where its handler records each event it applies)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.consumer import InboxMixin
from shared.db import TYPE_ANNOTATION_MAP, Database
from shared.outbox import NOTIFY_TRIGGER, OutboxMixin, record_event


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class Applied(Base):
    """One row per application of an event: a duplicate effect shows as two rows."""

    __tablename__ = "applied"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(36))
    trainee_id: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(100))


POISON_NAME = "毒药"


def on_trainee(session, envelope) -> None:
    """Records the event; a trainee named POISON_NAME always fails."""
    payload = envelope["payload"]
    if payload["name"] == POISON_NAME:
        raise RuntimeError("this handler cannot apply the poison event")
    session.add(
        Applied(event_id=str(envelope["id"]), trainee_id=payload["id"], name=payload["name"])
    )


HANDLERS = {"trainee.registered": on_trainee, "trainee.updated": on_trainee}


def open_db(url: str) -> Database:
    """The tables, and on PostgreSQL the outbox's NOTIFY trigger, as each service's
    migrations make them."""
    db = Database(url)
    Base.metadata.create_all(db.engine)
    if db.is_postgres:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(NOTIFY_TRIGGER)
    return db


def trainee_payload(n: int, name: str | None = None) -> dict:
    return {
        "id": n,
        "name": name or f"学员{n}号",
        "cohort": 2025,
        "unit_id": 1,
        "status": "active",
        "version": 1,
    }


def add_events(db: Database, count: int, start: int = 1, name: str | None = None) -> None:
    with db.transaction() as session:
        for n in range(start, start + count):
            record_event(
                session, Outbox, "trainee.registered", trainee_payload(n, name), producer="roster"
            )


def applied_counts(db: Database) -> dict[str, int]:
    with db.transaction() as session:
        rows = session.execute(
            sa.select(Applied.event_id, sa.func.count()).group_by(Applied.event_id)
        ).all()
    return dict(rows)


def outbox_ids(db: Database) -> set[str]:
    with db.transaction() as session:
        return set(session.scalars(sa.select(Outbox.event_id)))
