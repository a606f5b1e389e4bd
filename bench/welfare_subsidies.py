"""Generating a month's subsidies at province scale.

``python -m bench.welfare_subsidies`` creates a temporary PostgreSQL database, migrates it
to welfare's schema, bulk-loads 20,000 trainees (projections) in 100 towns (5 villages
each) with placement starts spread over the past year, a share arriving during the month
and a share having left during it, and placement-fee entitlements for most of them; then
times ``generate`` for one month (the function the endpoint calls: one SELECT, the
pro-rata in Python, one bulk ``INSERT ... ON CONFLICT DO NOTHING``), and a second run of
the same month (creates nothing). Each run is timed in a fresh transaction and committed.

The database is dropped at the end (``--keep`` keeps it). Options: ``--trainees``,
``--admin-url``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
import uuid

import sqlalchemy as sa

from services.welfare.domain import policy, subsidies
from services.welfare.models import Departure, PlacementFee, Subsidy, Town, Trainee, Village
from services.welfare.spec import SPEC
from shared import migrate
from shared.db import Database

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TOWNS, VILLAGES_PER_TOWN = 100, 5
MONTH = "2026-10"
CHUNK = 10_000


def insert_all(db: Database, model, rows: list[dict]) -> None:
    """Bulk insert in chunks."""
    with db.transaction() as session:
        for start in range(0, len(rows), CHUNK):
            session.execute(sa.insert(model), rows[start : start + CHUNK])


def load(db: Database, trainees: int) -> None:
    """Towns, villages, trainees, entitlements and departures, bulk-loaded."""
    rng = random.Random(7)
    insert_all(
        db,
        Town,
        [{"id": t, "code": f"T{t}", "name": f"镇{t}", "version": 1} for t in range(1, TOWNS + 1)],
    )
    villages = [
        {"id": t * 10 + v, "code": f"V{t}{v}", "name": f"村{t}-{v}", "town_id": t, "version": 1}
        for t in range(1, TOWNS + 1)
        for v in range(VILLAGES_PER_TOWN)
    ]
    insert_all(db, Village, villages)
    first, last = subsidies.month_bounds(MONTH)
    rows, fees, departures = [], [], []
    for i in range(1, trainees + 1):
        village = villages[i % len(villages)]
        roll = rng.random()
        if roll < 0.05:  # arrives during the month
            start = first + dt.timedelta(days=rng.randrange(31))
        else:
            start = first - dt.timedelta(days=rng.randrange(1, 365))
        status = "active"
        if 0.05 <= roll < 0.08:  # leaves during the month
            status = "completed"
            departures.append(
                {"trainee_id": i, "left_on": first + dt.timedelta(days=rng.randrange(31))}
            )
        rows.append(
            {
                "id": i,
                "name": f"学员{i}",
                "cohort": 2025,
                "unit_id": 1 + i % 200,
                "town_id": village["town_id"],
                "village_id": village["id"],
                "placement_start": start,
                "status": status,
                "version": 1,
            }
        )
        if roll < 0.9:
            fees.append(
                {
                    "trainee_id": i,
                    "unit_id": 1 + i % 200,
                    "town_id": village["town_id"],
                    "village_id": village["id"],
                    "placement_start": start,
                    "amount_fen": 300_000,
                    "due_on": start + dt.timedelta(days=30),
                    "status": "due",
                    "source_event_id": str(uuid.uuid4()),
                }
            )
    insert_all(db, Trainee, rows)
    insert_all(db, PlacementFee, fees)
    insert_all(db, Departure, departures)
    with db.transaction() as session:
        policy.create_policy(
            session,
            {
                "effective_from": dt.date(2025, 1, 1),
                "monthly_amount_fen": 100_000,
                "placement_fee_fen": 300_000,
            },
            "bench",
            30,
        )
        session.execute(sa.text("ANALYZE"))


def timed(db: Database) -> tuple[float, dict]:
    started = time.perf_counter()
    with db.transaction() as session:
        result = subsidies.generate(session, MONTH, "bench", dt.date(2026, 11, 1))
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trainees", type=int, default=20_000)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    name = f"bench_welfare_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = (
        sa.engine.make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    )
    try:
        migrate.upgrade(SPEC.migrations_dir, url)
        db = Database(url)
        started = time.perf_counter()
        load(db, args.trainees)
        print(f"loaded {args.trainees} trainees in {time.perf_counter() - started:.1f} s")
        seconds, result = timed(db)
        print(
            f"generate {MONTH}: {result['created']} subsidies of {result['stationed']} stationed, "
            f"{result['total_fen'] / 100:,.2f} yuan, in {seconds * 1000:.0f} ms"
        )
        seconds, again = timed(db)
        print(f"generate {MONTH} again: {again['created']} new, in {seconds * 1000:.0f} ms")
        with db.transaction() as session:
            stored = session.scalar(sa.select(sa.func.count()).select_from(Subsidy))
        print(f"subsidies stored: {stored}")
        db.dispose()
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
