"""Transactional outbox: an event is written in the same transaction as the change it
reports, and a relay process publishes it afterwards.

Several relays may run at once: each claims a batch with ``FOR UPDATE SKIP LOCKED``, so a
row is published by one relay in normal operation. A relay killed after publishing and
before marking the row sent publishes it again later; consumers' inboxes make that
harmless. Rows are picked by "not yet sent", never by a high-water mark, so a row whose
transaction committed late (with a lower id) is not skipped.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import select
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.bus import Bus, BusError
from shared.db import Database, UTCDateTime, big_integer, insert_with_params, utcnow
from shared.events import build_event
from shared.faults import fault
from shared.observability import OUTBOX_PUBLISHED, current_context

log = logging.getLogger(__name__)


class OutboxMixin:
    """Columns of a service's ``outbox`` table (declare ``class Outbox(OutboxMixin, Base)``)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(big_integer(), primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    type: Mapped[str] = mapped_column(sa.String(64))
    envelope: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)


def record_event(
    session: Session,
    outbox_model: type,
    type_: str,
    payload: dict,
    *,
    producer: str,
    version: int = 1,
    at_once: bool = False,
) -> dict:
    """Validate an event and add it to the session's outbox; it commits with the change.

    The correlation id is the current request's id, so that one clerk's action can be
    followed through every service's logs.

    ``at_once``: one Core INSERT now instead of an ORM object flushed later. For a
    request that records one event the unit of work cost more CPU than the statement
    (docs/performance.md); a transaction that records many should leave it off, since the
    ORM writes its rows together in a few statements where this is a round trip each.
    """
    envelope, row = event_row(type_, payload, producer=producer, version=version)
    if at_once:
        session.connection().execute(_insert(outbox_model), row)
    else:
        session.add(outbox_model(**row))
    return envelope


def emitter(outbox_model: type, producer: str) -> Callable[..., dict]:
    """A service's ``emit(session, type_, payload, *, at_once=False)``:
    :func:`record_event` into its outbox, as ``producer``, in this transaction."""

    def emit(session: Session, type_: str, payload: dict, *, at_once: bool = False) -> dict:
        return record_event(
            session, outbox_model, type_, payload, producer=producer, at_once=at_once
        )

    emit.__doc__ = f"Record a {producer} event in this transaction's outbox."
    return emit


def event_row(type_: str, payload: dict, *, producer: str, version: int = 1) -> tuple[dict, dict]:
    """A validated event and its outbox row's values, for a caller that writes the row
    itself in one statement with its change (:func:`outbox_insert`,
    :func:`shared.db.execute_together`): the same envelope :func:`record_event` writes."""
    envelope = build_event(
        type_,
        payload,
        producer=producer,
        version=version,
        correlation_id=current_context().get("request_id"),
    )
    return envelope, {
        "event_id": envelope["id"],
        "type": type_,
        "envelope": envelope,
        "created_at": utcnow(),
    }


@functools.cache
def outbox_insert(model: type, prefix: str = "outbox_") -> sa.Insert:
    """The INSERT of one outbox row whose values are named ``<prefix><column>`` (pass
    ``shared.db.prefixed(prefix, row)``), built once."""
    return insert_with_params(model.__table__, prefix, skip=("id", "sent_at"))


@functools.cache
def _insert(model: type) -> sa.Insert:
    """The INSERT of a model's table, built once (callers pass the values)."""
    return sa.insert(model.__table__)


def relay_once(db: Database, outbox_model: type, bus: Bus, batch_size: int = 500) -> int:
    """Publish one batch of unsent rows and mark the confirmed ones sent.

    Returns the number of rows marked sent. Raises :class:`BusError` if the broker is
    down (nothing is marked).
    """
    with db.transaction() as session:
        query = (
            sa.select(outbox_model)
            .where(outbox_model.sent_at.is_(None))
            .order_by(outbox_model.id)
            .limit(batch_size)
        )
        if db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        rows = session.scalars(query).all()
        if not rows:
            return 0
        confirmed = bus.publish([row.envelope for row in rows])
        fault("relay.after_publish")
        now = utcnow()
        sent = 0
        for row in rows:
            if row.event_id in confirmed:
                row.sent_at = now
                sent += 1
        if sent < len(rows):
            log.error(
                "outbox: %d of %d events not confirmed; retrying", len(rows) - sent, len(rows)
            )
    OUTBOX_PUBLISHED.inc(sent)
    return sent


#: The channel an outbox insert notifies on PostgreSQL (the trigger of each service's
#: migration ``outbox_notify``) and its relay listens to.
NOTIFY_CHANNEL = "outbox"

#: The trigger, for each service's migration: one notification per inserting statement,
#: sent when its transaction commits (never for a rolled-back one), without a payload.
NOTIFY_TRIGGER = f"""
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
"""
DROP_NOTIFY_TRIGGER = """
DROP TRIGGER IF EXISTS outbox_notify ON outbox;
DROP FUNCTION IF EXISTS outbox_notify();
"""


class _ListenerLost(Exception):
    """The LISTEN connection failed or was lost."""


class _Listener:
    """A connection of its own (outside the pool, autocommit) that LISTENs to the outbox
    channel, and waits on its socket: no query while nothing comes."""

    def __init__(self, db: Database) -> None:
        import psycopg

        pooled = db.engine.raw_connection()
        self._conn = pooled.driver_connection
        pooled.detach()  # the engine's connect arguments, but not returned to the pool
        try:
            self._conn.rollback()
            self._conn.autocommit = True
            self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except psycopg.Error as exc:
            self.close()
            raise _ListenerLost(str(exc)) from exc

    def wait(self, timeout: float, stop: threading.Event) -> None:
        """Return on a notification, after ``timeout``, or soon after ``stop`` is set.
        Raises :class:`_ListenerLost` when the connection is lost."""
        import psycopg

        try:
            self._wait(timeout, stop)
        except psycopg.Error as exc:
            raise _ListenerLost(str(exc)) from exc

    def _wait(self, timeout: float, stop: threading.Event) -> None:
        import psycopg

        pgconn = self._conn.pgconn
        deadline = time.monotonic() + timeout
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            # wake at least once a second to see ``stop`` (a signal does not end select)
            readable, _, _ = select.select([pgconn.socket], [], [], min(left, 1.0))
            if not readable:
                continue
            pgconn.consume_input()
            if pgconn.status != psycopg.pq.ConnStatus.OK:
                raise psycopg.OperationalError("the LISTEN connection was lost")
            notified = False
            while pgconn.notifies() is not None:
                notified = True
            if notified:
                return

    def close(self) -> None:
        try:
            self._conn.close()
        except Exception:  # noqa: BLE001 - a lost connection cannot be closed cleanly
            pass


def run_relay(
    db: Database,
    outbox_model: type,
    bus: Bus,
    *,
    stop: threading.Event | None = None,
    idle_sleep: float = 0.05,
    max_idle_sleep: float = 0.25,
    batch_size: int = 500,
    poll_seconds: float = 5.0,
    linger: float = 0.05,
) -> None:
    """Relay until ``stop`` is set: publish while rows wait, wait when idle, back off when
    the broker or the database is away.

    On PostgreSQL an idle relay waits for the outbox's notification (``NOTIFY_TRIGGER``):
    no query at all while nothing happens, and an event is published as soon as its
    transaction commits. It still looks every ``poll_seconds`` (``RELAY_POLL_SECONDS``,
    default 5), so a notification lost with a dropped connection delays a row, never
    loses it; it listens before it looks, so a row committed at start is not missed
    either, and a (re)started relay drains the backlog first.

    Woken by a notification, or after a batch smaller than ``batch_size``, it waits
    ``linger`` (``RELAY_LINGER_SECONDS``) before it looks again: at month end every
    commit notifies, and a batch per commit cost the relay twice the CPU per event of a
    batch per 50 ms (docs/performance.md); the lag grows by ``linger`` at most.

    On SQLite (the embedded default) an idle relay polls every ``idle_sleep`` at first
    and, while nothing comes, half as often each time, down to every ``max_idle_sleep``."""
    stop = stop or threading.Event()
    backoff = 0.5
    idle = idle_sleep
    listener: _Listener | None = None
    try:
        while not stop.is_set():
            try:
                if db.is_postgres and listener is None:
                    listener = _Listener(db)
                sent = relay_once(db, outbox_model, bus, batch_size)
                if sent == 0:
                    if listener is not None:
                        listener.wait(poll_seconds, stop)
                        stop.wait(linger)
                    else:
                        stop.wait(idle)
                        idle = min(idle * 2, max(max_idle_sleep, idle_sleep))
                else:
                    idle = idle_sleep
                    if sent < batch_size and linger:
                        stop.wait(linger)
                backoff = 0.5
            except (BusError, sa.exc.OperationalError, sa.exc.InterfaceError, _ListenerLost) as exc:
                log.warning("relay: %s; retrying in %.1fs", str(exc).splitlines()[0][:200], backoff)
                if listener is not None and not isinstance(exc, BusError):
                    listener.close()
                    listener = None
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
    finally:
        if listener is not None:
            listener.close()


def backlog(db: Database, outbox_model: type) -> int:
    """Rows not yet published."""
    with db.transaction() as session:
        return (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(outbox_model)
                .where(outbox_model.sent_at.is_(None))
            )
            or 0
        )
