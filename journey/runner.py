"""Run the journey against a system started for it, in either way the system runs:

- ``embedded``: ``python -m embedded`` (one process, SQLite, in-process broker, demo city);
- ``production``: every Procfile process (gunicorn web, relays, consumers, the scheduler,
  the notifier's worker) on new PostgreSQL databases and RabbitMQ names
  (``deploy.stack.LocalStack``).

Both get the same outside world (``journey.receivers``) and the same movable clock
(``GRASSROOTS_CLOCK_FILE``), a one-second tick and digest check, so that the whole month,
deadline included, fits in a minute or two."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from journey.receivers import Receivers
from journey.steps import SERVICES, Journey
from shared import clock

FAST = {
    "TICK_INTERVAL_SECONDS": "1",
    "NOTIFIER_DIGEST_INTERVAL_SECONDS": "1",
    "NOTIFIER_POLL_SECONDS": "0.2",
}


@dataclass
class Outcome:
    mode: str
    journey: Journey
    startup: float  # seconds until the system answered
    total: float  # seconds in all, start and stop included


@contextlib.contextmanager
def system(
    mode: str, workdir: Path, env: dict, **stack_options
) -> Iterator[tuple[dict[str, str], tuple]]:
    """``(base URLs by service, city login)`` of a freshly started system
    (``stack_options``: ``pg_admin_url``, ``amqp_url`` of the production mode)."""
    if mode == "embedded":
        from journey.embedded import embedded

        with embedded(workdir, env=env) as base:
            yield {s: base for s in SERVICES}, ("city", "demo")
    elif mode == "production":
        from deploy.stack import LocalStack

        with LocalStack(workdir, env=env, **stack_options) as stack:
            yield dict(stack.urls), stack.city
    else:
        raise ValueError(f"unknown mode {mode}")


def run(
    mode: str,
    workdir: Path | None = None,
    log: Callable[[str], None] | None = None,
    at: dt.datetime | None = None,
    **stack_options,
) -> Outcome:
    """Start the system in ``mode``, walk the journey, stop the system: an :class:`Outcome`.

    The system's clock starts at ``at`` when given, else at this process's clock (a test
    run's pinned moment, or the real time)."""
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="journey-")))
        receivers = Receivers().start()
        stack.callback(receivers.stop)
        clock_file = workdir / "clock"
        if at is not None:
            clock.travel_to(clock_file, at)
        else:
            clock.set_offset(clock_file, clock.offset().total_seconds())
        # /metrics answers only this token (settle() reads it)
        metrics_token = secrets.token_urlsafe(24)
        env = {**FAST, **receivers.env, "GRASSROOTS_CLOCK_FILE": str(clock_file),
               "METRICS_TOKEN": metrics_token}  # fmt: skip
        with system(mode, workdir, env, **stack_options) as (urls, (username, password)):
            startup = time.perf_counter() - started
            if log:
                log(f"{mode}: system ready in {startup:.1f}s")
            journey = Journey(
                urls, city_username=username, city_password=password,
                clock_file=clock_file, receivers=receivers, log=log,
                metrics_token=metrics_token,
            )  # fmt: skip
            journey.execute()
    return Outcome(mode, journey, startup, time.perf_counter() - started)
