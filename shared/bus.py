"""The event bus on kombu: RabbitMQ (``amqp://``) in production, kombu's in-process
``memory://`` transport in the embedded default.

Topology, per consuming service ``svc`` (names prefixed with ``QUEUE_PREFIX``):

- one durable topic exchange, routing key = event type (each producer may publish only its
  own types: ``deploy/broker.py``);
- ``<prefix>.<svc>``: the service's durable queue, bound to the types it handles;
- ``<prefix>.<svc>.retry``: messages wait here for their delay (per-message TTL), then
  dead-letter back to the service's queue;
- ``<prefix>.<svc>.parked``: what failed every attempt or never validated, kept until a
  person replays it (``python -m services.<svc>.manage parked``);
- ``<prefix>.<svc>`` also names the service's own direct exchange, bound only to those
  three queues (routing keys ``main``, ``retry``, ``parked``): every retry, parking and
  replay hop goes through it, and only the service's own broker user may write to it. No
  one writes to the default exchange, which would reach any queue.

Every publish on RabbitMQ carries ``user_id``, the login of the connection: the broker
refuses a message whose ``user_id`` is not the publisher's own login, so a consumer knows
for sure who published what it receives (``shared.consumer`` checks it against the event
type's owner).

On RabbitMQ a batch is published with publisher confirms and ``mandatory``: the relay
learns, per message, whether the broker took responsibility for it, and marks only
those rows sent. Confirms are awaited once per batch, not per message.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable

import amqp
from kombu import Connection, Exchange, Producer, Queue

log = logging.getLogger(__name__)


#: Routing keys of a service's own exchange: its queue, its retry queue, its parking.
MAIN, RETRY, PARKED = "main", "retry", "parked"


def broker_user(service: str, user_prefix: str = "grassroots") -> str:
    """The broker login of ``service`` (``deploy/broker.py`` makes them)."""
    return f"{user_prefix}-{service}"


class BusError(Exception):
    """The broker could not be reached or refused the batch."""


def dumps(envelope: dict) -> bytes:
    """An envelope as UTF-8 JSON (Chinese kept as is, not escaped)."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Bus:
    """Connections, topology and publishing for one process."""

    def __init__(self, url: str, exchange: str, queue_prefix: str) -> None:
        self.url = url
        self.exchange = Exchange(exchange, type="topic", durable=True)
        self.queue_prefix = queue_prefix
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        #: the broker login publishes carry as ``user_id`` (None on ``memory://``)
        self.user: str | None = Connection(url).info()["userid"] if self.is_amqp else None

    # -- topology -----------------------------------------------------------------

    @property
    def is_amqp(self) -> bool:
        """True on a real AMQP broker (confirms, TTL and dead-lettering exist)."""
        return self.url.startswith(("amqp", "pyamqp"))

    def connect(self) -> Connection:
        """A new kombu connection (the in-process transport polls quickly)."""
        options = {"polling_interval": 0.02} if not self.is_amqp else {}
        return Connection(self.url, transport_options=options, heartbeat=0, connect_timeout=5)

    def queue_name(self, service: str, kind: str = "") -> str:
        """``<prefix>.<service>`` plus ``.retry`` or ``.parked``."""
        base = f"{self.queue_prefix}.{service}"
        return f"{base}.{kind}" if kind else base

    def service_exchange(self, service: str) -> Exchange:
        """The service's own direct exchange (named as its queue): the retry, parking and
        replay hops, routing key ``main``, ``retry`` or ``parked``."""
        return Exchange(self.queue_name(service), type="direct", durable=True)

    def service_queue(self, service: str, routing_keys: Iterable[str]) -> Queue:
        """The service's main queue with one binding per event type it handles, and one
        from its own exchange (``main``: a retry's return, a replay)."""
        from kombu import binding

        keys = sorted(set(routing_keys))
        return Queue(
            self.queue_name(service),
            bindings=[
                *(binding(self.exchange, routing_key=k) for k in keys),
                binding(self.service_exchange(service), routing_key=MAIN),
            ],
            durable=True,
        )

    def retry_queue(self, service: str) -> Queue:
        """Where a failed message waits out its delay before going back (dead-lettered
        through the service's own exchange)."""
        args = {}
        if self.is_amqp:
            args = {
                "x-dead-letter-exchange": self.queue_name(service),
                "x-dead-letter-routing-key": MAIN,
            }
        return Queue(
            self.queue_name(service, RETRY),
            exchange=self.service_exchange(service),
            routing_key=RETRY,
            durable=True,
            queue_arguments=args,
        )

    def parked_queue(self, service: str) -> Queue:
        """Where messages that will not succeed wait for a person."""
        return Queue(
            self.queue_name(service, PARKED),
            exchange=self.service_exchange(service),
            routing_key=PARKED,
            durable=True,
        )

    def declare(self, conn: Connection, service: str | None = None, routing_keys=()) -> None:
        """Declare the exchange and, for a consuming service, its own exchange and its
        three queues."""
        channel = conn.default_channel
        self.exchange(channel).declare()
        if service:
            self.service_exchange(service)(channel).declare()
            for queue in (
                self.service_queue(service, routing_keys),
                self.retry_queue(service),
                self.parked_queue(service),
            ):
                queue(channel).declare()

    # -- publishing ---------------------------------------------------------------

    def _connection(self) -> Connection:
        if self._conn is None:
            conn = self.connect()
            conn.ensure_connection(max_retries=1)
            self.exchange(conn.default_channel).declare()
            self._conn = conn
        return self._conn

    def reset(self) -> None:
        """Drop the publishing connection (after an error; the next call reconnects)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.release()
            except Exception:  # noqa: BLE001 - closing a broken connection
                log.debug("closing a broken broker connection failed", exc_info=True)

    def publish(self, envelopes: list[dict], timeout: float = 10.0) -> set[str]:
        """Publish envelopes to the exchange, routing key = type.

        Returns the ids the broker confirmed as routed (on ``memory://``: all of them).
        Raises :class:`BusError` when the broker is unreachable; the caller keeps the rest.
        """
        items = [
            (
                self.exchange.name,
                env["type"],
                dumps(env),
                {
                    "message_id": env["id"],
                    "headers": {"correlation_id": env.get("correlation_id") or ""},
                },
            )
            for env in envelopes
        ]
        ok = self._send(items, timeout)
        return {envelopes[i]["id"] for i in ok}

    def send_hop(
        self,
        service: str,
        kind: str,
        body: bytes,
        headers: dict,
        message_id: str,
        expiration_ms: int | None = None,
    ) -> None:
        """Put one message on one of ``service``'s queues through its own exchange
        (``kind``: ``main``, ``retry`` or ``parked``), confirmed."""
        props = {"message_id": message_id, "headers": headers}
        if expiration_ms is not None:
            props["expiration_ms"] = expiration_ms
        if self._send([(self.queue_name(service), kind, body, props)], 10.0) != {0}:
            raise BusError(f"the broker did not take the message for {service} ({kind})")

    def _send(self, items: list[tuple[str, str, bytes, dict]], timeout: float) -> set[int]:
        with self._lock:
            try:
                conn = self._connection()
                if self.is_amqp:
                    return self._send_confirmed(conn, items, timeout)
                producer = Producer(conn.default_channel)
                for exchange, routing_key, body, props in items:
                    producer.publish(
                        body,
                        exchange=exchange,
                        routing_key=routing_key,
                        content_type="application/json",
                        content_encoding="utf-8",
                        message_id=props["message_id"],
                        headers=props["headers"],
                    )
                return set(range(len(items)))
            except BusError:
                self.reset()
                raise
            except Exception as exc:  # kombu and amqp raise many types for one outage
                self.reset()
                raise BusError(repr(exc)) from exc

    def _send_confirmed(self, conn: Connection, items, timeout: float) -> set[int]:
        channel = conn.default_channel
        if not getattr(channel, "_grassroots_confirms", False):
            channel.confirm_select()
            channel._grassroots_confirms = True
            channel._grassroots_seq = 0
        # Delivery tags count from 1 per confirm-mode channel, in publish order.
        first = channel._grassroots_seq + 1
        pending = set(range(first, first + len(items)))
        confirmed: set[int] = set()
        returned: set[str] = set()

        def settle(tag, multiple):
            done = {t for t in pending if t <= tag} if multiple else {tag} & pending
            pending.difference_update(done)
            return done

        def on_ack(tag, multiple):
            confirmed.update(settle(tag, multiple))

        def on_nack(tag, multiple):
            settle(tag, multiple)

        def on_return(_exc, _exchange, _routing_key, message):
            returned.add(message.properties.get("message_id"))

        channel.events["basic_ack"].add(on_ack)
        channel.events["basic_nack"].add(on_nack)
        channel.events["basic_return"].add(on_return)
        try:
            for exchange, routing_key, body, props in items:
                extra = {}
                if props.get("expiration_ms") is not None:
                    extra["expiration"] = str(int(props["expiration_ms"]))
                msg = amqp.Message(
                    body,
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=props["message_id"],
                    application_headers=props["headers"],
                    user_id=self.user,  # checked by the broker: the connection's login
                    **extra,
                )
                channel._basic_publish(
                    msg, exchange=exchange, routing_key=routing_key, mandatory=True
                )
                channel._grassroots_seq += 1
            deadline = time.monotonic() + timeout
            while pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BusError(f"{len(pending)} publishes not confirmed in {timeout}s")
                try:
                    conn.drain_events(timeout=min(remaining, 1.0))
                except TimeoutError:
                    continue
        finally:
            channel.events["basic_ack"].discard(on_ack)
            channel.events["basic_nack"].discard(on_nack)
            channel.events["basic_return"].discard(on_return)
        if returned:
            log.error("the broker returned %d unroutable messages", len(returned))
        return {
            tag - first for tag in confirmed if items[tag - first][3]["message_id"] not in returned
        }

    def ping(self) -> None:
        """Raise unless the broker answers."""
        conn = self.connect()
        try:
            conn.ensure_connection(max_retries=1)
        finally:
            conn.release()
