"""``python -m services.mentorship.scheduler``: run mentorship's tick every
``MENTORSHIP_TICK_INTERVAL_SECONDS`` until SIGTERM/SIGINT. From the month's reminder day
(the 20th, or the next working day) the mentors without a talk that month are reminded and
each town gets its digest, once a month (see ``services.mentorship.domain.reminders``).
Several schedulers may run at once: the month's run record makes the reminders go out
once."""

from __future__ import annotations

import logging
import signal
import threading

from services.mentorship.config import Config
from services.mentorship.domain.common import city_today
from services.mentorship.domain.reminders import tick
from shared.db import Database
from shared.observability import configure_logging

log = logging.getLogger(__name__)


def run(config: Config, db: Database, stop: threading.Event) -> None:
    """Tick now and then every interval until ``stop`` is set; a failed tick (database
    away) is logged and retried at the next interval."""
    while not stop.is_set():
        try:
            done = tick(db.sessionmaker, config, city_today(config.TIME_ZONE))
            if done["reminders"] or done["towns"]:
                log.info("tick: %s", done)
        except Exception:  # noqa: BLE001 - keep scheduling; the next tick retries
            log.exception("tick failed")
        stop.wait(config.TICK_INTERVAL_SECONDS)


def main() -> None:
    """Entry point: configure, install signal handlers, loop."""
    config = Config()
    configure_logging("mentorship-scheduler", config.LOG_LEVEL)
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
