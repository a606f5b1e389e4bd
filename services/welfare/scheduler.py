"""``python -m services.welfare.scheduler``: run welfare's tick every
``WELFARE_TICK_INTERVAL_SECONDS`` until SIGTERM/SIGINT. From the first tick after a month
ends (in the city's time zone) the month's subsidies are generated, as ``system:tick``.
Several schedulers may run at once: runs of a month take turns on its run record and only
add what is missing, so each subsidy is created once."""

from __future__ import annotations

import functools

from services.welfare.config import Config
from services.welfare.domain.common import city_today
from services.welfare.domain.subsidies import tick
from shared import scheduler


def _tick(config, db) -> dict:
    return tick(db.sessionmaker, city_today(config.TIME_ZONE))


def _worth_logging(done: dict) -> bool:
    return bool(any(done["generated"].values()))


#: ``run(config, db, stop)``: the loop, in this process or in the embedded one
run = functools.partial(scheduler.run, _tick, _worth_logging)


def main() -> None:
    scheduler.main("welfare-scheduler", Config(), run)


if __name__ == "__main__":
    main()
