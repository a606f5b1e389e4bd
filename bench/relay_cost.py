"""The relay's CPU per event at a month-end commit rate, with and without its linger.

``python -m bench.relay_cost [--rate 250] [--seconds 8] [--lingers 0,0.05]`` creates a
PostgreSQL database with roster's schema, starts the production relay (``python -m
shared.relay --services roster``, RabbitMQ on ``BROKER_URL``, an exchange of its own) once
per linger, commits ``--rate`` outbox rows a second one transaction each (as month-end
requests do, every commit a NOTIFY) for ``--seconds``, waits until every row is sent, and
prints the relay's CPU milliseconds per event (from /proc) and the lag from the row's
``created_at`` to its ``sent_at`` (p50, p99). Lingers are run in turn, twice, interleaved,
so that both see the same machine. The database and the exchange are dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid

import sqlalchemy as sa
from kombu import Connection, Exchange, Queue

from deploy.stack import PG_ADMIN_URL
from services.roster.models import Outbox
from services.roster.spec import SPEC
from shared import migrate
from shared.db import Database
from shared.outbox import record_event

BROKER_URL = os.environ.get("BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
TRAINEE = {"name": "张𠀾", "cohort": 2026, "unit_id": 1, "status": "active", "version": 1}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def run_once(url: str, exchange: str, linger: float, rate: float, seconds: float) -> dict:
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(sa.delete(Outbox.__table__))
    env = {
        **os.environ,
        "ROSTER_DATABASE_URL": url,
        "ROSTER_BROKER_URL": BROKER_URL,
        "EVENTS_EXCHANGE": exchange,
        "QUEUE_PREFIX": exchange,
        "RELAY_LINGER_SECONDS": str(linger),
        "LOG_LEVEL": "WARNING",
    }
    relay = subprocess.Popen(
        [sys.executable, "-m", "shared.relay", "--services", "roster"], env=env
    )
    try:
        time.sleep(2.0)  # started, listening, the empty outbox read
        before = cpu_seconds(relay.pid)
        count, start = 0, time.monotonic()
        while time.monotonic() - start < seconds:
            with db.transaction() as session:
                record_event(
                    session, Outbox, "trainee.registered", {**TRAINEE, "id": count + 1},
                    producer="roster", at_once=True,
                )  # fmt: skip
            count += 1
            time.sleep(max(0.0, start + count / rate - time.monotonic()))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with db.engine.connect() as conn:
                left = conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
            if not left:
                break
            time.sleep(0.1)
        used = cpu_seconds(relay.pid) - before
        with db.engine.connect() as conn:
            lags = sorted(
                row[0]
                for row in conn.execute(
                    sa.text(
                        "SELECT EXTRACT(EPOCH FROM sent_at - created_at) FROM outbox"
                        " WHERE sent_at IS NOT NULL"
                    )
                )
            )
    finally:
        relay.terminate()
        relay.wait(30)
        db.dispose()
    if len(lags) != count:
        raise SystemExit(f"relay_cost: {count - len(lags)} of {count} events not sent in 30 s")
    return {
        "linger": linger,
        "events": count,
        "cpu_ms_per_event": 1000 * used / count,
        "lag_p50_ms": 1000 * float(statistics.median(lags)),
        "lag_p99_ms": 1000 * float(lags[int(0.99 * (len(lags) - 1))]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=250.0, help="commits a second")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--lingers", default="0,0.05")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    lingers = [float(x) for x in args.lingers.split(",")]
    name = f"gr_relay_cost_{uuid.uuid4().hex[:8]}"
    exchange = f"bench.{name}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(False)
    results = []
    # a queue bound to every event: the relay's messages must be routable to be confirmed
    sink = Queue(f"{exchange}.sink", Exchange(exchange, "topic", durable=True), routing_key="#")
    try:
        with Connection(BROKER_URL) as conn:
            sink(conn.channel()).declare()
        migrate.upgrade(SPEC.migrations_dir, url)
        for _ in range(args.rounds):
            for linger in lingers:
                results.append(run_once(url, exchange, linger, args.rate, args.seconds))
                print(results[-1], flush=True)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        with Connection(BROKER_URL) as conn:
            sink(conn.channel()).delete()
            for each in (exchange, f"{exchange}.roster"):  # the events', roster's own
                Exchange(each, "topic")(conn.channel()).delete()
    print(f"\n{args.rate:.0f} commits/s for {args.seconds:.0f} s, one event each:\n")
    print("| linger s | events | relay CPU ms per event | lag p50 ms | lag p99 ms |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['linger']:g} | {r['events']:,} | {r['cpu_ms_per_event']:.2f} "
            f"| {r['lag_p50_ms']:.0f} | {r['lag_p99_ms']:.0f} |"
        )


if __name__ == "__main__":
    main()
