"""``python -m shared.relay --services roster,mentorship,reporting,welfare``: one process
that publishes several services' outboxes.

Five relay processes held about 465 MiB between them, idle most of the month (issue 22);
one process holds one interpreter. Each service keeps what is its own: its outbox is read
from its own ``<SERVICE>_DATABASE_URL`` and published with its own broker login
(``<SERVICE>_BROKER_URL``, ``deploy/broker.py``: a login may publish only its own
service's events), one thread, database and broker connection per service. The thread
waits for its outbox's NOTIFY on PostgreSQL (``shared.outbox.run_relay``), so an idle
thread costs nothing.

Every service's ``outbox`` table has the columns of :class:`shared.outbox.OutboxMixin`, so
the relay declares the model itself and imports no service. ``--services <name>`` relays
one service alone.
"""

from __future__ import annotations

import argparse
import logging
import threading

from sqlalchemy.orm import DeclarativeBase

from shared.bus import Bus
from shared.config import BaseConfig
from shared.db import Database
from shared.observability import configure_logging
from shared.outbox import OutboxMixin, run_relay
from shared.runtime import _stop_on_signals

log = logging.getLogger(__name__)

#: The services whose outbox has events to publish (notifier publishes none,
#: ``deploy/broker.py``).
DEFAULT_SERVICES = ("roster", "mentorship", "reporting", "welfare")


def outbox_model(service: str) -> type:
    """A model of ``service``'s ``outbox`` table, on a metadata of its own."""

    class Base(DeclarativeBase):
        pass

    return type(f"{service.title()}Outbox", (OutboxMixin, Base), {})


def service_config(service: str) -> BaseConfig:
    """``service``'s settings from the environment (its database, its broker login)."""
    return type(f"{service.title()}RelayConfig", (BaseConfig,), {"SERVICE": service})()


class ServiceRelay:
    """One service's relay inside the process: its database, broker login and thread."""

    def __init__(self, service: str, config: BaseConfig | None = None) -> None:
        config = config or service_config(service)
        self.service = service
        self.db = Database.of(config)
        self.bus = Bus(config.BROKER_URL, config.EVENTS_EXCHANGE, config.QUEUE_PREFIX)
        self.model = outbox_model(service)
        self.timing = {
            "poll_seconds": config.RELAY_POLL_SECONDS,
            "linger": config.RELAY_LINGER_SECONDS,
        }
        self.thread: threading.Thread | None = None

    def start(self, stop: threading.Event, failed: list[str]) -> None:
        def run() -> None:
            try:
                run_relay(self.db, self.model, self.bus, stop=stop, **self.timing)
            except BaseException:
                log.exception("relay of %s failed", self.service)
                failed.append(self.service)
                stop.set()  # the process exits; its supervisor starts it again

        self.thread = threading.Thread(target=run, name=f"relay-{self.service}", daemon=True)
        self.thread.start()

    def join(self, timeout: float | None = None) -> None:
        if self.thread is not None:
            self.thread.join(timeout)
        self.db.dispose()


def run(services: list[str], stop: threading.Event) -> list[str]:
    """Relay ``services``' outboxes until ``stop`` is set (or one relay fails); returns
    the services whose relay failed."""
    relays = [ServiceRelay(service) for service in services]
    failed: list[str] = []
    for relay in relays:
        relay.start(stop, failed)
    stop.wait()
    for relay in relays:
        relay.join(30)
    return failed


def main(argv: list[str] | None = None) -> int:
    """``python -m shared.relay``."""
    parser = argparse.ArgumentParser(prog="python -m shared.relay")
    parser.add_argument(
        "--services",
        default=",".join(DEFAULT_SERVICES),
        help="comma-separated services whose outboxes to publish (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    services = [s.strip() for s in args.services.split(",") if s.strip()]
    configure_logging("relay", service_config(services[0]).LOG_LEVEL)
    stop = _stop_on_signals()
    log.info("relay started for %s", ", ".join(services))
    failed = run(services, stop)
    log.info("relay stopped")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
