"""``python -m services.notifier.worker``: send pending e-mail, SMS and webhook deliveries
and build the daily digests, until stopped. Several workers may run at once (rows are taken
with ``FOR UPDATE SKIP LOCKED``). Each channel has its own thread, so that a slow or failing
channel never holds up the others."""

from __future__ import annotations

import logging
import threading

from services.notifier.config import Config
from services.notifier.domain import deliveries
from shared.db import Database, utcnow
from shared.observability import configure_logging

log = logging.getLogger(__name__)

BATCH = 200


def _drain(step, stop: threading.Event) -> int:
    """Run ``step`` until nothing is due (at most a batch, to look at ``stop`` now and then)."""
    done = 0
    while done < BATCH and not stop.is_set() and step():
        done += 1
    return done


def channel_loop(db: Database, config, channel: str, stop: threading.Event) -> None:
    """Send ``channel``'s due rows (``email``, ``sms`` or ``webhook``) until ``stop``."""
    if channel == "webhook":

        def step():
            return deliveries.deliver_webhook(db, config)
    else:

        def step():
            return deliveries.deliver_one(db, config, channel)

    while not stop.is_set():
        try:
            if _drain(step, stop):
                continue
        except Exception:  # noqa: BLE001 - a database hiccup must not end the loop
            log.exception("%s delivery pass failed", channel)
        stop.wait(config.NOTIFIER_POLL_SECONDS)


def digest_loop(db: Database, config, stop: threading.Event) -> None:
    """Build the day's digests once the city's clock passes NOTIFIER_DIGEST_HOUR (items
    arriving later that day go into the next day's digest)."""
    while not stop.is_set():
        try:
            now = utcnow()
            if deliveries.digest_due(config, now):
                deliveries.build_digests(db, config, now)
        except Exception:  # noqa: BLE001
            log.exception("digest pass failed")
        stop.wait(config.NOTIFIER_DIGEST_INTERVAL_SECONDS)


def run_worker(
    db: Database,
    config,
    stop: threading.Event | None = None,
    channels=("email", "sms", "webhook"),
    digests: bool = True,
) -> None:
    """Every loop of the worker in its own thread, until ``stop`` is set."""
    stop = stop or threading.Event()
    threads = [
        threading.Thread(
            target=channel_loop, args=(db, config, c, stop), name=f"notify-{c}", daemon=True
        )
        for c in channels
    ]
    if digests:
        threads.append(
            threading.Thread(
                target=digest_loop, args=(db, config, stop), name="notify-digest", daemon=True
            )
        )
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(30)


def main() -> None:
    from shared.runtime import _stop_on_signals

    config = Config()
    configure_logging("notifier-worker", config.LOG_LEVEL)
    db = Database.of(config)
    stop = _stop_on_signals()
    log.info("worker started")
    run_worker(db, config, stop)
    log.info("worker stopped")


if __name__ == "__main__":
    main()
