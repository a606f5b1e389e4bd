"""City-wide one-talk-a-month compliance at province scale.

``python -m bench.mentorship_compliance`` creates a temporary PostgreSQL database, migrates
it to mentorship's schema, loads 20,000 trainees in 100 towns (5 villages each) and 200
units, their mentor assignments, and 12 months of talks (about 1.5 per trainee and month,
about 20% of trainee-months with none), then times:

- ``monthly_compliance`` for the whole city and one month (the function the endpoint
  calls), 5 runs after one warm-up: min / median / p95 in ms; again for the last month of
  a quarter, where the quarterly role reads three months of talks;
- the same for one town;
- the XLSX and CSV exports of the city-wide report;
- the JSON endpoint end to end (Flask test client, marshmallow dump included).

The database is dropped at the end (``--keep`` keeps it). Options: ``--trainees``,
``--admin-url``, ``--runs``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from services.mentorship.api.compliance import export_csv, export_xlsx
from services.mentorship.app import create_app
from services.mentorship.config import Config
from services.mentorship.domain.common import city_today
from services.mentorship.domain.talks import monthly_compliance
from services.mentorship.models import Assignment, Person, Talk, Town, Trainee, Unit, Village
from services.mentorship.spec import SPEC
from shared import migrate
from shared.auth import issue_token
from shared.db import Database

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TOWNS, VILLAGES_PER_TOWN, UNITS = 100, 5, 200
CHUNK = 10_000
MODES = ("in_person", "phone", "video")
ASPECTS = ("political", "practice", "conduct", "care")
#: Talks in a trainee-month: none for ~20%, then 1-3 (mean about 1.5 over all months).
TALKS_PER_MONTH = (0, 1, 2, 3)
TALKS_WEIGHTS = (0.20, 0.30, 0.35, 0.15)


def months_back(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the ``count`` full months before ``today``'s month, oldest first."""
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.append(first)
    return months[::-1]


def chunked(rows: list[dict], size: int = CHUNK) -> Iterable[list[dict]]:
    """Successive slices of ``size`` rows."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def insert_all(db: Database, model, rows: list[dict]) -> None:
    """Bulk insert in chunks (executemany through the ORM's bulk INSERT)."""
    with db.transaction() as session:
        for chunk in chunked(rows):
            session.execute(sa.insert(model), chunk)


def leader(unit: int, i: int) -> int:
    """A member of a unit's leadership. Person ids go by block, so that a trainee's
    mentors are found arithmetically."""
    return 1_000_000 + unit * 100 + i


def cadre(unit: int, i: int) -> int:
    """A middle cadre of a unit."""
    return 2_000_000 + unit * 100 + i


def deputy(town: int) -> int:
    """A town's deputy party secretary."""
    return 3_000_000 + town


def secretary(village: int) -> int:
    """A village's party secretary."""
    return 4_000_000 + village


def load(db: Database, trainees: int, today: dt.date, rng: random.Random) -> dict:
    """Fill the database; returns counts."""
    started = time.perf_counter()
    months = months_back(today, 12)
    seat_start = months[0] - dt.timedelta(days=31)
    insert_all(
        db,
        Town,
        [{"id": t, "code": f"T{t}", "name": f"镇{t}", "version": 1} for t in range(1, TOWNS + 1)],
    )
    villages = [
        (t * 100 + v, t) for t in range(1, TOWNS + 1) for v in range(1, VILLAGES_PER_TOWN + 1)
    ]
    insert_all(
        db,
        Village,
        [
            {"id": v, "code": f"V{v}", "name": f"村{v}", "town_id": t, "version": 1}
            for v, t in villages
        ],
    )
    insert_all(
        db,
        Unit,
        [{"id": u, "code": f"U{u}", "name": f"单位{u}", "version": 1} for u in range(1, UNITS + 1)],
    )
    # Mentors: per unit 5 leaders and 20 middle cadres; one deputy per town; one secretary
    # per village.
    people = []
    for u in range(1, UNITS + 1):
        people += [{"id": leader(u, i), "name": f"领导{u}-{i}", "version": 1} for i in range(5)]
        people += [{"id": cadre(u, i), "name": f"中层{u}-{i}", "version": 1} for i in range(20)]
    people += [{"id": deputy(t), "name": f"副书记{t}", "version": 1} for t in range(1, TOWNS + 1)]
    people += [{"id": secretary(v), "name": f"书记{v}", "version": 1} for v, _ in villages]
    insert_all(db, Person, people)

    trainee_rows, seat_rows, mentors = [], [], {}
    for trainee_id in range(1, trainees + 1):
        unit = rng.randint(1, UNITS)
        stationed = rng.random() < 0.9
        village, town = rng.choice(villages) if stationed else (None, None)
        # 2% left during the year: their seats end on the day they left.
        left_on = None
        if rng.random() < 0.02:
            left_on = rng.choice(months[:-1]) + dt.timedelta(days=rng.randint(0, 27))
        trainee_rows.append(
            {
                "id": trainee_id,
                "name": f"学员{trainee_id}",
                "cohort": rng.choice((2024, 2025)),
                "unit_id": unit,
                "town_id": town,
                "village_id": village,
                "placement_start": seat_start if stationed else None,
                "status": "completed" if left_on else "active",
                "version": 1,
            }
        )
        seats = {
            "integrity": leader(unit, trainee_id % 5),
            "business": cadre(unit, trainee_id % 20),
        }
        if stationed:
            seats |= {"responsible": deputy(town), "practical": secretary(village)}
        mentors[trainee_id] = (seats, left_on, (unit, town, village))
        for role, mentor_id in seats.items():
            seat_rows.append(
                {
                    "trainee_id": trainee_id,
                    "mentor_id": mentor_id,
                    "role": role,
                    "start_date": seat_start,
                    "end_date": left_on,
                    "active": left_on is None,
                    "end_reason": "trainee_left" if left_on else None,
                    "vacated": False,
                    "assigned_by": "bench",
                }
            )
    insert_all(db, Trainee, trainee_rows)
    insert_all(db, Assignment, seat_rows)

    talks = 0
    with db.transaction() as session:
        batch = []
        for trainee_id, (seats, left_on, (unit, town, village)) in mentors.items():
            roles = list(seats)
            weights = [3 if r == "practical" else 2 if r == "responsible" else 1 for r in roles]
            for first in months:
                if left_on is not None and first > left_on:
                    break
                days = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first
                for _ in range(rng.choices(TALKS_PER_MONTH, TALKS_WEIGHTS)[0]):
                    role = rng.choices(roles, weights)[0]
                    batch.append(
                        {
                            "trainee_id": trainee_id,
                            "mentor_id": seats[role],
                            "mentor_role": role,
                            "talk_date": first + dt.timedelta(days=rng.randrange(days.days)),
                            "mode": rng.choice(MODES),
                            "aspects": rng.sample(ASPECTS, rng.randint(1, 4)),
                            "summary": "谈心谈话记录",
                            "guidance": "",
                            "unit_id": unit,
                            "town_id": town,
                            "village_id": village,
                            "reflection": "",
                            "recorded_by": "bench",
                        }
                    )
                    if len(batch) == CHUNK:
                        session.execute(sa.insert(Talk), batch)
                        talks += len(batch)
                        batch = []
        if batch:
            session.execute(sa.insert(Talk), batch)
            talks += len(batch)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    return {
        "trainees": trainees,
        "assignments": len(seat_rows),
        "talks": talks,
        "months": f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}",
        "load_seconds": round(time.perf_counter() - started, 1),
    }


def timed(fn: Callable[[], object], runs: int) -> tuple[list[float], object]:
    """Milliseconds of ``runs`` calls after one warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def summary(times: list[float]) -> str:
    """min / median / p95 (nearest rank) of the timings."""
    ordered = sorted(times)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]  # nearest rank
    return (
        f"min {ordered[0]:.1f} ms, median {statistics.median(ordered):.1f} ms, "
        f"p95 {p95:.1f} ms ({len(ordered)} runs)"
    )


def run(admin_url: str, trainees: int, runs: int, keep: bool) -> None:
    """Create the database, load it, time, and drop it."""
    name = f"gr_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    db = None
    try:
        migrate.upgrade(SPEC.migrations_dir, url)
        db = Database(url)
        config = Config(DATABASE_URL=url, BROKER_URL="memory://", LOG_LEVEL="WARNING")
        today = city_today(config.TIME_ZONE)
        print("loading ...", flush=True)
        figures = load(db, trainees, today, random.Random(20260101))
        print("loaded:", figures)
        month = months_back(today, 1)[0]
        cadence = config.TALK_CADENCE
        print(f"month {month:%Y-%m}, cadence {cadence}")

        def city():
            with db.transaction() as session:
                return monthly_compliance(session, month, cadence)

        def town():
            with db.transaction() as session:
                return monthly_compliance(session, month, cadence, town_id=1)

        times, report = timed(city, runs)
        print(
            f"city-wide compliance: {summary(times)}; {report.total} trainees, "
            f"{report.compliant} compliant, rate {report.rate}"
        )
        quarter_end = next(m for m in reversed(months_back(today, 12)) if m.month % 3 == 0)

        def city_quarter_end():
            with db.transaction() as session:
                return monthly_compliance(session, quarter_end, cadence)

        times, _ = timed(city_quarter_end, runs)
        print(
            f"city-wide compliance for {quarter_end:%Y-%m} (a quarter's last month: the "
            f"quarterly role reads 3 months of talks): {summary(times)}"
        )
        times, town_report = timed(town, runs)
        print(f"one town's compliance: {summary(times)}; {town_report.total} trainees")
        times, body = timed(lambda: export_xlsx(report), runs)
        print(f"XLSX export (city-wide): {summary(times)}; {len(body) // 1024} KiB")
        times, body = timed(lambda: export_csv(report), runs)
        print(f"CSV export (city-wide): {summary(times)}; {len(body) // 1024} KiB")

        app = create_app(config, db)
        token = issue_token(
            config.JWT_PRIVATE_KEY,
            subject="bench",
            role="city",
            scope_id=None,
            issuer=config.JWT_ISSUER,
            audience=config.JWT_AUDIENCE,
            ttl_seconds=600,
        )
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        path = f"/api/v1/mentorship/compliance?month={month:%Y-%m}"

        def endpoint(fmt: str = "json"):
            response = client.get(f"{path}&format={fmt}", headers=headers)
            assert response.status_code == 200, response.status_code
            return response.data

        times, body = timed(endpoint, runs)
        print(
            f"GET /compliance JSON (city-wide, end to end): {summary(times)}; "
            f"{len(body) // 1024} KiB"
        )
        times, body = timed(lambda: endpoint("xlsx"), runs)
        print(f"GET /compliance XLSX (city-wide, end to end): {summary(times)}")
    finally:
        if db is not None:
            db.dispose()
        if keep:
            print(f"kept database {name}")
        else:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--trainees", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    run(args.admin_url, args.trainees, args.runs, args.keep)


if __name__ == "__main__":
    main()
