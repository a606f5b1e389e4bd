"""Idempotent consumers: inbox, retries with delay, parking.

A handler is a plain function ``handler(session, envelope)``; a service lists them in one
table ``{event type: handler}``. For each message:

1. it must be JSON and validate against the catalogue, else it is parked at once (poison);
2. the event id goes into the service's ``inbox`` table in the same transaction as the
   handler's writes; an id already there means a redelivery, which changes nothing;
3. the message is acked only after that commit;
   messages that arrive together (up to ``batch`` of them) share one transaction, so one
   commit carries many events: tried first as a whole, then (if anything failed) with a
   savepoint per event, so a failing handler rolls back alone; a commit that fails for
   another reason replays the batch one message at a time;
4. a handler error sends the message to the retry queue with the next delay, and after
   the last attempt to the parking queue;
5. a database that is down is waited for, with the message unacked, and does not count as
   an attempt: nothing is parked merely because the database was away.

On RabbitMQ, before anything is applied, the producer must be the event type's owner
(``shared.events.catalogue.owner``), by the envelope's ``producer`` and by the message's
``user_id``, which the broker has checked is the publisher's own login (``Trust``). What
fails is parked with the reason, never applied. The retry, parking and replay hops are
republished by the consuming service itself, under its own login, through its own
exchange, which no other broker user may write to; the first hop records the producer it
verified in ``x-verified-producer``, and that header is believed only on a delivery from
the service's own exchange (stripped from any other), so no message can acquire a
verified producer by going through a retry path. ``memory://`` has no users: everything
there is one trusted process, and nothing is checked.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import NamedTuple

import sqlalchemy as sa
from kombu import Consumer
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.bus import MAIN, PARKED, RETRY, Bus, BusError
from shared.db import Database, UTCDateTime, upsert_statement, utcnow
from shared.events import EventInvalid, validate_event
from shared.events.catalogue import owner
from shared.faults import fault
from shared.observability import (
    EVENTS_CONSUMED,
    mask_document,
    mask_sensitive,
    request_context,
)

log = logging.getLogger(__name__)

Handler = Callable[[Session, dict], None]
#: ``many(session, envelopes)``: a handler's set-based version for a run of events of its
#: type, with the same effect as calling the handler on each in order (see ``set_based``);
#: returns, for each envelope, what the handler would have returned.
Many = Callable[[Session, list[dict]], list]
#: ``finish(session, items)``: the work a service's handlers deferred (``defer``), done
#: once for the whole transaction, set-based, just before its commit.
Finish = Callable[[Session, list[dict]], None]
DEFERRED = "consumer.deferred"


def set_based(handler: Handler, many: Many, key: Callable[[dict], object]) -> Handler:
    """Give ``handler`` a set-based version: a batch's events of its type are handed to
    ``many`` together (a few statements for the run instead of a few for each event), no
    two of them with the same ``key`` (the row, or the trainee, they change), so ``many``
    never has to order changes to one row. Retries and the savepoint-per-event fallback
    still call ``handler`` itself.

    Events of set-based types with different keys are taken to be independent: between two
    events of other types, a batch's set-based events are regrouped by type (see
    ``_runs``), keeping the order of the events of each key and of each type."""
    handler.many = many  # type: ignore[attr-defined]
    handler.many_key = key  # type: ignore[attr-defined]
    return handler


@functools.cache
def payload_key(name: str) -> Callable[[dict], object]:
    """The ``many_key`` reading ``payload[name]``: one function for each name, so that
    reactions of one type keyed alike can be told to share their key (``compose_handlers``
    composes a set-based version only for reactions with one key)."""
    return lambda envelope: envelope["payload"][name]


def _runs(handlers: dict, envelopes: list[dict]):
    """The envelopes as (handler, events) to apply in turn. An event whose handler is not
    set-based goes alone, and nothing moves across it. Between two such events, the
    set-based ones are regrouped into runs of one type: a bulk load's interleaved
    ``trainee.registered``, ``trainee.placed``, ``trainee.registered`` … become one run of
    each."""
    segment: list[dict] = []
    for envelope in envelopes:
        handler = handlers.get(envelope["type"])
        if getattr(handler, "many_key", None) is None:
            yield from _waves(handlers, segment)
            segment = []
            yield handler, [envelope]
        else:
            segment.append(envelope)
    yield from _waves(handlers, segment)


def _waves(handlers: dict, pending: list[dict]):
    """Runs of one type from set-based events: each run takes its type's events in order
    until one must wait — for an earlier event of the same key still pending, or because
    its key is in the run already; after that, no later event of the type joins, so each
    type's order stays as it came, and so does each key's."""
    while pending:
        type_ = pending[0]["type"]
        handler = handlers[type_]
        run: list[dict] = []
        rest: list[dict] = []
        taken: set = set()
        waiting: set = set()
        closed = False
        for envelope in pending:
            key = handlers[envelope["type"]].many_key(envelope)
            if envelope["type"] == type_ and not closed and key not in waiting and key not in taken:
                run.append(envelope)
                taken.add(key)
            else:
                closed = closed or envelope["type"] == type_
                rest.append(envelope)
                waiting.add(key)
        yield handler, run
        pending = rest


def defer(session: Session, item) -> None:
    """Leave part of an event's work (``item``: the envelope, or what the service's
    ``finish`` understands) to the consumer's ``finish``, which does it once for every
    event of the transaction (a batch): a handler that would run the same few queries for
    each event runs them once for fifty. The items of an event whose savepoint is rolled
    back are taken off the list."""
    session.info.setdefault(DEFERRED, []).append(item)


#: Seconds the first of a batch's deliveries may wait for the batch to fill.
MAX_BATCH_WAIT = 0.2


class InboxMixin:
    """Columns of a service's ``inbox`` table: the ids of events already applied."""

    __tablename__ = "inbox"

    event_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(64))
    processed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


_DB_DOWN = (sa.exc.OperationalError, sa.exc.InterfaceError)

#: The producer's login as the first delivery proved it, carried by the service's own hops.
VERIFIED = "x-verified-producer"


class Origin(NamedTuple):
    """Where a delivery came from: the broker-validated ``user_id`` of its publisher and the
    exchange it was published to (set by the broker, not by the publisher)."""

    user_id: str | None
    exchange: str


class Trust:
    """Who may have published what a consuming service receives on RabbitMQ.

    The broker login of the owner of an event type follows ``deploy/broker.py``'s naming:
    a consumer logged in as ``<p>-<service>`` expects each type from ``<p>-<owner>``
    (``grassroots-roster`` for ``trainee.*``). A consumer logged in under any other name
    runs where every service shares one login (``guest`` in development and the test
    stacks): it can then tell services apart only by the envelope, and expects that login.
    """

    def __init__(self, service: str, bus: Bus) -> None:
        self.service = service
        self.login = bus.user
        self.own_exchange = bus.queue_name(service)
        suffix = f"-{service}"
        login = self.login or ""
        self.user_prefix = login[: -len(suffix)] if login.endswith(suffix) else None

    def user_of(self, producer: str) -> str | None:
        """The broker login ``producer`` publishes under."""
        if self.user_prefix:
            return f"{self.user_prefix}-{producer}"
        return self.login

    def refusal(self, envelope: dict, headers: dict, origin: Origin) -> str | None:
        """Why this delivery may not be applied, or None. Sets ``headers[VERIFIED]`` to the
        producer's login when the delivery proves it (for the hops that follow)."""
        type_ = envelope["type"]
        owner_ = owner(type_)
        if owner_ is None:
            return f"{type_} has no owner in the catalogue"
        if envelope["producer"] != owner_:
            return f"producer {envelope['producer']!r} is not {owner_!r}, the owner of {type_}"
        expected = self.user_of(owner_)
        if origin.exchange == self.own_exchange:
            # a hop: written by this service alone, believed for the header it carries
            if origin.user_id != self.login:
                return f"a hop published by {origin.user_id!r}, not by {self.login!r}"
            if headers.get(VERIFIED) != expected:
                return f"a hop without the verified producer {expected!r} of {type_}"
        elif origin.user_id != expected:
            return f"{type_} published by {origin.user_id or 'no user_id'!s}, not by {expected}"
        headers[VERIFIED] = expected
        return None


class EventConsumer:
    """Applies one service's events from its queue."""

    def __init__(
        self,
        service: str,
        db: Database,
        bus: Bus,
        inbox_model: type,
        handlers: dict[str, Handler],
        *,
        retry_delays_ms: list[int] | None = None,
        prefetch: int = 50,
        batch: int = 50,
        finish: Finish | None = None,
    ) -> None:
        self.service = service
        self.db = db
        self.bus = bus
        self.inbox_model = inbox_model
        self.handlers = handlers
        self.retry_delays_ms = retry_delays_ms if retry_delays_ms is not None else [1000]
        self.prefetch = prefetch
        self.batch = max(1, min(batch, prefetch))
        self.finish = finish
        self._pending: list = []
        self._pending_since = 0.0
        self.queue = bus.service_queue(service, handlers)
        self.trust = Trust(service, bus) if bus.is_amqp else None
        self._stop = threading.Event()

    @property
    def max_attempts(self) -> int:
        """Deliveries before parking: the first one plus one per retry delay."""
        return len(self.retry_delays_ms) + 1

    # -- one event ------------------------------------------------------------------

    def apply(self, envelope: dict) -> bool:
        """Apply a validated event exactly once; False if it had been applied already."""
        session = self.db.sessionmaker()
        try:
            with session.begin():
                self._apply_in(session, envelope)
                self._finish(session)
                fault("consumer.before_commit")
            return True
        except _Duplicate:
            return False
        finally:
            session.close()

    def apply_batch(self, envelopes: list[dict]) -> list[bool | Exception]:
        """Apply validated events in one transaction: for each, True (applied), False
        (applied before) or the exception its handler raised (that event's work rolled
        back, the others kept). Raises if the database is down, and whatever the commit
        raises (then nothing of the batch is kept).

        First without savepoints (the inbox rows in one INSERT, then each handler): two
        round trips fewer per event. If anything fails, that transaction is rolled back
        and the batch applied again with a savepoint per event, which isolates the
        failure."""
        try:
            return self._apply_batch_at_once(envelopes)
        except _DB_DOWN:
            if not self._database_up():
                raise
        except Exception as exc:  # noqa: BLE001 - isolated below
            log.debug("batch of %d applied again event by event: %r", len(envelopes), exc)
        return self._apply_batch_isolated(envelopes)

    def _apply_batch_at_once(self, envelopes: list[dict]) -> list[bool | Exception]:
        results: list[bool | Exception] = []
        table = self.inbox_model.__table__
        session = self.db.sessionmaker()
        try:
            with session.begin():
                # The inbox rows in one statement; the ids it reports inserted are the
                # events to apply (one already there was applied before). A lookup of the
                # ids first was slower: PostgreSQL's cached plan for it, made while the
                # inbox was small, scanned the whole table once it had grown. The rows go
                # as executemany parameters, which SQLAlchemy sends as one multi-row
                # INSERT built from its cached form ("insertmanyvalues"): a .values(rows)
                # statement is compiled anew each time (5 ms for fifty rows).
                ids = list(dict.fromkeys(str(e["id"]) for e in envelopes))
                by_id = {str(e["id"]): e["type"] for e in envelopes}
                now = utcnow()
                inserted = set(
                    session.scalars(
                        upsert_statement(session, table)
                        .on_conflict_do_nothing(index_elements=["event_id"])
                        .returning(table.c.event_id),
                        [{"event_id": i, "type": by_id[i], "processed_at": now} for i in ids],
                    )
                )
                fresh = []
                for envelope in envelopes:
                    event_id = str(envelope["id"])
                    results.append(event_id in inserted)
                    if event_id in inserted:
                        inserted.discard(event_id)  # the same event twice in one batch
                        fresh.append(envelope)
                for handler, run in _runs(self.handlers, fresh):
                    if handler is None:
                        continue
                    if len(run) > 1:
                        with _logged_as(run[0], len(run)):
                            handler.many(session, run)
                        continue
                    with _logged_as(run[0]):
                        handler(session, run[0])
                for _ in envelopes:
                    fault("consumer.before_commit")
                self._finish(session)
            return results
        finally:
            session.close()

    def _apply_batch_isolated(self, envelopes: list[dict]) -> list[bool | Exception]:
        results: list[bool | Exception] = []
        session = self.db.sessionmaker()
        try:
            with session.begin():
                for envelope in envelopes:
                    deferred = session.info.setdefault(DEFERRED, [])
                    mark = len(deferred)
                    try:
                        with _logged_as(envelope), session.begin_nested():
                            self._apply_in(session, envelope)
                        results.append(True)
                    except _Duplicate:
                        del deferred[mark:]
                        results.append(False)
                    except _DB_DOWN as exc:
                        if not self._database_up():
                            raise
                        del deferred[mark:]
                        results.append(exc)
                    except Exception as exc:  # noqa: BLE001 - the handler's failure
                        del deferred[mark:]
                        results.append(exc)
                    fault("consumer.before_commit")
                # A failure here fails the batch: it is then applied one by one.
                self._finish(session)
            return results
        finally:
            session.close()

    def _finish(self, session: Session) -> None:
        deferred = session.info.pop(DEFERRED, None)
        if deferred:
            if self.finish is None:
                raise RuntimeError(f"{self.service}: a handler deferred work, but no finish")
            self.finish(session, deferred)

    def _apply_in(self, session: Session, envelope: dict) -> None:
        """The inbox row and the handler's writes, in ``session``'s (sub)transaction;
        raises _Duplicate if the event was applied before."""
        session.add(
            self.inbox_model(
                event_id=str(envelope["id"]), type=envelope["type"], processed_at=utcnow()
            )
        )
        try:
            session.flush()
        except sa.exc.IntegrityError:
            raise _Duplicate() from None
        handler = self.handlers.get(envelope["type"])
        if handler is not None:
            handler(session, envelope)

    def handle_messages(self, deliveries: list[tuple]) -> list[str]:
        """The fates of deliveries ``(body, headers, origin)`` taken together, each
        ``applied``, ``duplicate``, ``retried`` or ``parked`` (``origin`` may be left out
        on ``memory://``): the valid ones from their owner are applied in one transaction;
        if its commit fails (not an outage), one by one. Raises for a database outage,
        having kept nothing (the caller must not ack)."""
        outcomes = ["parked"] * len(deliveries)
        valid = []  # (index, raw, headers, attempts, envelope)
        for index, (body, headers, *rest) in enumerate(deliveries):
            origin = rest[0] if rest and rest[0] is not None else Origin(None, "")
            headers = dict(headers or {})
            if self.trust is not None and origin.exchange != self.trust.own_exchange:
                # what only this service's own hops may say (attempts, the verified
                # producer) is not taken from anyone else
                headers = {k: v for k, v in headers.items() if not k.startswith("x-")}
            attempts = int(headers.get("x-attempts", 0)) + 1
            raw = body if isinstance(body, bytes) else body.encode("utf-8")
            try:
                envelope = validate_event(json.loads(raw))
            except (ValueError, EventInvalid) as exc:
                headers.pop(VERIFIED, None)
                self._park(raw, headers, attempts, f"invalid: {exc}")
                continue
            if self.trust is not None:
                refusal = self.trust.refusal(envelope, headers, origin)
                if refusal is not None:
                    headers.pop(VERIFIED, None)
                    self._park(raw, headers, attempts, f"refused: {refusal}", envelope)
                    continue
            valid.append((index, raw, headers, attempts, envelope))
        results = None
        if len(valid) > 1:
            try:
                results = self.apply_batch([item[4] for item in valid])
            except _DB_DOWN:
                if not self._database_up():
                    raise
                log.warning("a batch's commit failed; applying it one by one", exc_info=True)
            except Exception:  # noqa: BLE001 - e.g. a deferred constraint at commit
                log.warning("a batch's commit failed; applying it one by one", exc_info=True)
        if results is None:
            results = [self._apply_one(item[4]) for item in valid]
        for (index, raw, headers, attempts, envelope), result in zip(valid, results, strict=True):
            if isinstance(result, Exception):
                outcomes[index] = self._retry_or_park(raw, headers, attempts, envelope, result)
            else:
                outcomes[index] = "applied" if result else "duplicate"
        return outcomes

    def _apply_one(self, envelope: dict) -> bool | Exception:
        """``apply`` in its own transaction; the handler's failure is returned, an outage
        raised."""
        try:
            with _logged_as(envelope):
                return self.apply(envelope)
        except _DB_DOWN as exc:
            # An outage holds the message; an error the database raises while up (a bad
            # query, a lock timeout) is the handler's failure like any other.
            if not self._database_up():
                raise
            return exc
        except Exception as exc:  # noqa: BLE001 - any handler failure goes to retry
            return exc

    def _database_up(self) -> bool:
        try:
            self.db.ping()
            return True
        except _DB_DOWN:
            return False

    def _retry_or_park(self, raw, headers, attempts, envelope, exc) -> str:
        """Send a failed delivery to the retry queue, or park it after the last attempt."""
        log.warning(
            "handler for %s failed (attempt %d): %s",
            envelope["type"],
            attempts,
            exc,
            exc_info=True,
        )
        if attempts >= self.max_attempts:
            self._park(raw, headers, attempts, f"failed: {exc!r}", envelope)
            return "parked"
        headers["x-attempts"] = attempts
        delay = self.retry_delays_ms[attempts - 1]
        if self.bus.is_amqp:
            self.bus.send_hop(
                self.service, RETRY, raw, headers, str(envelope["id"]), expiration_ms=delay
            )
        else:
            # The in-process broker has no TTL: go straight back to the queue.
            self.bus.send_hop(self.service, MAIN, raw, headers, str(envelope["id"]))
        return "retried"

    def _park(
        self, raw: bytes, headers: dict, attempts: int, reason: str, envelope: dict | None = None
    ) -> None:
        headers = {
            **headers,
            "x-attempts": attempts,
            "x-parked-reason": reason[:1000],
            "x-parked-at": utcnow().isoformat(),
        }
        # the event id, so that ``parked replay --id`` finds it
        message_id = str(envelope["id"]) if envelope else ""
        log.error("parking a message after %d attempt(s): %s", attempts, reason[:300])
        self.bus.send_hop(self.service, PARKED, raw, headers, message_id)

    # -- the loop -------------------------------------------------------------------

    def _on_message(self, message) -> None:
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append(message)

    def _flush(self) -> None:
        """Apply the pending deliveries, then ack them (only after the commit)."""
        batch, self._pending = self._pending, []
        outcomes = ["error"] * len(batch)
        try:
            while True:
                try:
                    outcomes = self.handle_messages([_delivery(m) for m in batch])
                    break
                except _DB_DOWN as exc:
                    log.warning(
                        "database unavailable, holding %d message(s): %s",
                        len(batch),
                        exc.__class__.__name__,
                    )
                    self._wait_for_database()  # raises _Stopping on shutdown: no ack
            for message in batch:
                fault("consumer.after_commit")
                message.ack()
        finally:
            for message, outcome in zip(batch, outcomes, strict=True):
                event_type = (message.delivery_info or {}).get("routing_key", "?")
                EVENTS_CONSUMED.labels(self.service, event_type, outcome).inc()

    def _due(self) -> bool:
        """A batch is applied when full, or when its first message has waited long enough
        (a slow trickle must not hold events back)."""
        return len(self._pending) >= self.batch or (
            bool(self._pending) and time.monotonic() - self._pending_since >= MAX_BATCH_WAIT
        )

    def _wait_for_database(self) -> None:
        """Wait for the database to come back; a shutdown meanwhile gives up the message
        unacked (the broker hands it to another consumer), so SIGTERM is never ignored."""
        delay = 0.2
        while True:
            if self._stop.wait(delay):
                raise _Stopping()
            try:
                self.db.ping()
                return
            except _DB_DOWN:
                delay = min(delay * 2, 5.0)

    def run(self, stop: threading.Event | None = None, ready: threading.Event | None = None):
        """Consume until ``stop`` is set, reconnecting to the broker as needed."""
        stop = stop or threading.Event()
        self._stop = stop
        backoff = 0.5
        while not stop.is_set():
            self._pending = []  # deliveries of a lost channel can no longer be acked
            conn = self.bus.connect()
            try:
                conn.ensure_connection(max_retries=1)
                self.bus.declare(conn, self.service, self.handlers)
                channel = conn.channel()
                channel.basic_qos(0, self.prefetch, False)
                with Consumer(
                    channel, queues=[self.queue], on_message=self._on_message, accept=None
                ):
                    if ready is not None:
                        ready.set()
                    backoff = 0.5
                    while not stop.is_set():
                        try:
                            # Pending deliveries: take what else is already here, briefly.
                            conn.drain_events(timeout=0.005 if self._pending else 0.5)
                        except TimeoutError:
                            if self._pending:
                                self._flush()
                            continue
                        if self._due():
                            self._flush()
            except _Stopping:
                log.info("consumer: stopping with a message unacked (the database is away)")
                break
            except (BusError, OSError, ConnectionError) as exc:
                log.warning("consumer: broker unavailable (%s); retrying", exc)
            except Exception as exc:  # kombu surfaces broker loss in several types
                if stop.is_set():
                    break
                log.warning("consumer: %r; reconnecting", exc)
            finally:
                try:
                    conn.release()
                except Exception:  # noqa: BLE001
                    log.debug("closing consumer connection failed", exc_info=True)
            stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)


def _delivery(message) -> tuple:
    """(body, headers, origin) of a kombu message."""
    origin = Origin(
        (message.properties or {}).get("user_id"),
        (message.delivery_info or {}).get("exchange") or "",
    )
    return message.body, message.headers, origin


@contextmanager
def _logged_as(envelope: dict, run: int = 1):
    """Log lines written while applying an event carry its id and correlation id (those of
    the first of a set-based run, and the run's length)."""
    context = {"correlation_id": envelope.get("correlation_id"), "event_id": str(envelope["id"])}
    if run > 1:
        context["events"] = run
    token = request_context.set(context)
    try:
        yield
    finally:
        request_context.reset(token)


class _Duplicate(Exception):
    pass


class _Stopping(Exception):
    """Shutdown while holding a message for the database: leave it unacked."""


def parked_messages(bus: Bus, service: str, limit: int = 1000) -> list[dict]:
    """The parked messages of a service, left in place, oldest first; identity numbers
    and phones in their bodies and reasons are masked (``manage parked list`` prints them;
    ``replay_parked`` sends the messages as they are)."""
    conn = bus.connect()
    out, taken = [], []
    try:
        channel = conn.channel()
        queue = bus.parked_queue(service)(channel)
        queue.declare()
        for _ in range(limit):
            message = queue.get(no_ack=False)
            if message is None:
                break
            taken.append(message)
            headers = dict(message.headers or {})
            body = message.body
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            out.append(
                {
                    "message_id": message.properties.get("message_id")
                    or (data.get("id") if isinstance(data, dict) else None),
                    "type": data.get("type") if isinstance(data, dict) else None,
                    "attempts": headers.get("x-attempts"),
                    "reason": mask_sensitive(str(headers.get("x-parked-reason") or "")) or None,
                    "parked_at": headers.get("x-parked-at"),
                    "verified_producer": headers.get(VERIFIED),
                    "body": mask_document(
                        body if isinstance(body, str) else body.decode("utf-8", "replace")
                    ),
                }
            )
        # Give every message back (the in-process broker does not on close).
        for message in taken:
            message.requeue()
    finally:
        conn.release()
    return out


def replay_parked(bus: Bus, service: str, message_id: str | None = None, limit: int = 1000) -> int:
    """Send parked messages (all, or the one with ``message_id``) back to the service's
    queue, through its own exchange, with a fresh attempt count. A message keeps the
    producer its first delivery proved (``x-verified-producer``); one parked unproved
    (refused, or invalid) is parked again. Only the messages parked when the replay began
    are taken: one the running consumer parks again meanwhile waits for the next replay
    (else a replay would go round in circles). Returns how many were replayed."""
    conn = bus.connect()
    replayed = 0
    try:
        channel = conn.channel()
        queue = bus.parked_queue(service)(channel)
        queue.declare()
        waiting = queue.queue_declare(passive=True).message_count
        kept = []
        for _ in range(min(limit, waiting)):
            message = queue.get(no_ack=False)
            if message is None:
                break
            mid = message.properties.get("message_id")
            if message_id and mid != message_id:
                kept.append(message)
                continue
            raw = message.body if isinstance(message.body, bytes) else message.body.encode()
            headers = {"x-replayed": 1}
            for key in (VERIFIED, "correlation_id"):
                if (message.headers or {}).get(key) is not None:
                    headers[key] = message.headers[key]
            bus.send_hop(service, MAIN, raw, headers, mid or "")
            message.ack()
            replayed += 1
        for message in kept:
            message.requeue()
    finally:
        conn.release()
    return replayed


def compose_handlers(
    base: dict[str, Handler], *reactions: dict[str, Handler], always: tuple[str, ...] = ()
) -> dict:
    """One handler table from the projection handlers (``base``) and the reactions of a
    service's areas: for each event type the projection runs first, and the reactions run
    only if it changed something (a stale or repeated event changes nothing). A type with
    no projection handler runs its reactions in order. Types in ``always`` run their
    reactions even when the projection changed nothing: for reactions that record every
    fact themselves (idempotently), such as a release that overtook its assignment.

    The composed handler is set-based when its projection is (``_composed_many``), or, for
    a type with no projection, when every reaction is set-based with one same key (the
    same function, e.g. ``payload_key("talk_id")``): a run then goes to each reaction's
    ``many`` in turn."""
    table: dict[str, Handler] = {}
    for type_ in set(base).union(*reactions):
        first = base.get(type_)
        then = [r[type_] for r in reactions if type_ in r]
        if not then:
            table[type_] = first
            continue

        def handler(session, envelope, _first=first, _then=then, _always=type_ in always):
            if _first is not None and _first(session, envelope) is False and not _always:
                return False
            for react in _then:
                react(session, envelope)
            return True

        table[type_] = handler
        if first is not None and hasattr(first, "many"):
            set_based(handler, _composed_many(first, then, type_ in always), first.many_key)
        elif first is None:
            keys = {getattr(react, "many_key", None) for react in then}
            if len(keys) == 1 and None not in keys and all(hasattr(r, "many") for r in then):
                set_based(handler, _reactions_many(then), keys.pop())
    return table


def _reactions_many(then: list) -> Many:
    """The set-based version of a type with no projection: each reaction's ``many`` for the
    whole run, in the reactions' order. The same as event by event as long as one event's
    reaction does not read what another reaction writes for another event (a run never
    holds two events with the same key)."""

    def many(session: Session, envelopes: list[dict]) -> list[bool]:
        for react in then:
            react.many(session, envelopes)
        return [True] * len(envelopes)

    return many


def _composed_many(first, then: list, always: bool) -> Many:
    """The set-based version of a composed handler: the projection for the whole run, then
    each reaction for the events that changed it (set-based where the reaction is too).
    The same as event by event, because a run never holds two events with the same key."""

    def many(session: Session, envelopes: list[dict]) -> list[bool]:
        changed = [c is not False for c in first.many(session, envelopes)]
        chosen = [e for e, c in zip(envelopes, changed, strict=True) if c or always]
        for react in then:
            if hasattr(react, "many") and len(chosen) > 1:
                react.many(session, chosen)
            else:
                for envelope in chosen:
                    react(session, envelope)
        return [c or always for c in changed]

    return many
