"""``python -m journey --embedded | --production | --url URL``: walk through a month in a
city and print the report (each step, its result, its seconds). ``--embedded`` starts the
embedded default, ``--production`` every production process on this machine (new
PostgreSQL databases, RabbitMQ names; see ``deploy.stack``), ``--both`` one after the
other; ``--url`` walks against a system already running (every service under one base
URL; without a movable clock and receivers, the deadline and delivery checks are skipped;
``METRICS_TOKEN`` in the environment is the token its /metrics answers).
Exit status 0 when every step passed."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from journey.steps import CITY_TZ, SERVICES, Journey, report
from shared.clock import parse_moment


def _moment(text: str) -> dt.datetime:
    return parse_moment(text, CITY_TZ.key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m journey", description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--embedded", action="store_true", help="start the embedded default")
    mode.add_argument("--production", action="store_true", help="start the production processes")
    mode.add_argument("--both", action="store_true", help="production, then embedded")
    mode.add_argument("--url", help="base URL of a running system (every service under it)")
    parser.add_argument("--city-user", default="city")
    parser.add_argument("--city-password", default="demo")
    parser.add_argument(
        "--at",
        type=_moment,
        help="start the system's clock at this moment (ISO date or date and time, city time "
        "unless it has an offset), e.g. 2026-12-31T23:15 — the journey on any day of the year",
    )
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        print(line, flush=True)

    if args.url:
        started = time.perf_counter()
        journey = Journey({s: args.url for s in SERVICES}, city_username=args.city_user,
                          city_password=args.city_password, log=say)  # fmt: skip
        journey.execute()
        print(report(journey.results))
        print(f"total: {time.perf_counter() - started:.1f}s")
        return 0 if journey.ok else 1

    from journey.runner import run

    modes = ["production", "embedded"] if args.both else (
        ["embedded"] if args.embedded else ["production"])  # fmt: skip
    outcomes = []
    for name in modes:
        say(f"== {name}: starting the system …")
        outcome = run(name, log=say, at=args.at)
        outcomes.append(outcome)
        say(report(outcome.journey.results).rsplit("\n", 1)[-1])
    say("")
    for o in outcomes:
        walked = sum(r.seconds for r in o.journey.results)
        state = "PASSED" if o.journey.ok else "FAILED"
        say(f"{o.mode:<10} {state}: start-up {o.startup:.1f}s, journey {walked:.1f}s, "
            f"in all {o.total:.1f}s")  # fmt: skip
    return 0 if all(o.journey.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
