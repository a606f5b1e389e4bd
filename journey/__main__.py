"""``python -m journey --embedded``: start the embedded default, walk through the month,
print the report (each step, its result, its seconds). ``--url`` runs it against a system
already running (all services under one base URL). Exit status 0 when every step passed."""

from __future__ import annotations

import argparse
import sys
import time

from journey.steps import SERVICES, Journey, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m journey", description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--embedded", action="store_true", help="start the embedded default")
    mode.add_argument("--url", help="base URL of a running system (every service under it)")
    parser.add_argument("--city-user", default="city")
    parser.add_argument("--city-password", default="demo")
    args = parser.parse_args(argv)

    def walk(base: str) -> Journey:
        journey = Journey({s: base for s in SERVICES}, city_username=args.city_user,
                          city_password=args.city_password)  # fmt: skip
        journey.execute()
        return journey

    started = time.perf_counter()
    if args.embedded:
        from journey.embedded import embedded

        print("starting the embedded default …", flush=True)
        with embedded() as base:
            ready = time.perf_counter() - started
            print(f"embedded default ready at {base} in {ready:.1f}s", flush=True)
            journey = walk(base)
    else:
        journey = walk(args.url)
    print(report(journey.results))
    print(f"total with start-up: {time.perf_counter() - started:.1f}s")
    return 0 if journey.ok else 1


if __name__ == "__main__":
    sys.exit(main())
