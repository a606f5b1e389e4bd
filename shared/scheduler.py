"""A service's scheduler process: its tick now and then every interval until SIGTERM or
SIGINT. A tick that fails (the database away) is logged and retried at the next interval.
Several schedulers may run at once: each service's tick makes its own effects happen once
(a run record, unique keys), so this loop only keeps time."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from shared.db import Database
from shared.observability import configure_logging

log = logging.getLogger(__name__)

#: ``tick(config, db)`` does one round and says what it did; ``worth_logging(done)``
#: whether that was anything (an idle tick logs nothing).
Tick = Callable[[object, Database], dict]


def run(
    tick: Tick,
    worth_logging: Callable[[dict], bool],
    config,
    db: Database,
    stop: threading.Event,
) -> None:
    """Tick now and then every ``config.TICK_INTERVAL_SECONDS`` until ``stop`` is set."""
    while not stop.is_set():
        try:
            done = tick(config, db)
            if worth_logging(done):
                log.info("tick: %s", done)
        except Exception:  # noqa: BLE001 - keep scheduling; the next tick retries
            log.exception("tick failed")
        stop.wait(config.TICK_INTERVAL_SECONDS)


def main(name: str, config, run_loop: Callable[[object, Database, threading.Event], None]):
    """A scheduler process: logging as ``name``, the signals, the loop, a clean exit."""
    configure_logging(name, config.LOG_LEVEL)
    db = Database.of(config)
    stop = threading.Event()

    def handler(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    log.info("scheduler started, every %ss", config.TICK_INTERVAL_SECONDS)
    run_loop(config, db, stop)
    db.dispose()
    log.info("scheduler stopped")
