"""``python -m services.mentorship.scheduler``: run mentorship's tick every
``MENTORSHIP_TICK_INTERVAL_SECONDS`` until SIGTERM/SIGINT. From the month's reminder day
(the 20th, or the next working day) the mentors without a talk that month are reminded and
each town gets its digest, once a month (see ``services.mentorship.domain.reminders``).
Several schedulers may run at once: the month's run record makes the reminders go out
once."""

from __future__ import annotations

import functools

from services.mentorship.config import Config
from services.mentorship.domain.common import city_today
from services.mentorship.domain.reminders import tick
from shared import scheduler


def _tick(config, db) -> dict:
    return tick(db.sessionmaker, config, city_today(config.TIME_ZONE))


def _worth_logging(done: dict) -> bool:
    return bool(done["reminders"] or done["towns"])


#: ``run(config, db, stop)``: the loop, in this process or in the embedded one
run = functools.partial(scheduler.run, _tick, _worth_logging)


def main() -> None:
    scheduler.main("mentorship-scheduler", Config(), run)


if __name__ == "__main__":
    main()
