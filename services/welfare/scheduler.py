"""``python -m services.welfare.scheduler``: run welfare's tick every
``WELFARE_TICK_INTERVAL_SECONDS`` until SIGTERM/SIGINT. From the first tick after a month
ends (in the city's time zone) the month's subsidies are generated, as ``system:tick``.
Several schedulers may run at once: runs of a month take turns on its run record and only
add what is missing, so each subsidy is created once."""

from __future__ import annotations

import logging
import signal
import threading

from services.welfare.config import Config
from services.welfare.domain.common import city_today
from services.welfare.domain.money import tick
from shared.db import Database
from shared.observability import configure_logging

log = logging.getLogger(__name__)


def run(config: Config, db: Database, stop: threading.Event) -> None:
    """Tick now and then every interval until ``stop`` is set; a failed tick (database
    away) is logged and retried at the next interval."""
    while not stop.is_set():
        try:
            done = tick(db.sessionmaker, city_today(config.TIME_ZONE))
            if any(done["generated"].values()):
                log.info("tick: %s", done)
        except Exception:  # noqa: BLE001 - keep scheduling; the next tick retries
            log.exception("tick failed")
        stop.wait(config.TICK_INTERVAL_SECONDS)


def main() -> None:
    """Entry point: configure, install signal handlers, loop."""
    config = Config()
    configure_logging("welfare-scheduler", config.LOG_LEVEL)
    db = Database(config.DATABASE_URL)
    stop = threading.Event()

    def handler(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    log.info("scheduler started, every %ss", config.TICK_INTERVAL_SECONDS)
    run(config, db, stop)
    db.dispose()
    log.info("scheduler stopped")


if __name__ == "__main__":
    main()
