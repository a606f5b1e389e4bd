"""``python -m services.reporting.scheduler``: run the tick every ``TICK_INTERVAL_SECONDS``
until SIGTERM/SIGINT. Several schedulers may run at once (``--scale``): the tick's unique
keys make each period open once and each notice go out once."""

from __future__ import annotations

import functools

from services.reporting.config import Config
from services.reporting.domain.common import city_today
from services.reporting.domain.periods import tick
from shared import scheduler


def _tick(config, db) -> dict:
    return tick(db.sessionmaker, config, city_today(config.TIME_ZONE))


def _worth_logging(done: dict) -> bool:
    return bool(done["opened"] or done["due_soon"] or done["overdue"])


#: ``run(config, db, stop)``: the loop, in this process or in the embedded one
run = functools.partial(scheduler.run, _tick, _worth_logging)


def main() -> None:
    scheduler.main("reporting-scheduler", Config(), run)


if __name__ == "__main__":
    main()
