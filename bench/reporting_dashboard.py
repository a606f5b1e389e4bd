"""The city dashboard for one month at province scale, with 24 months of data.

``python -m bench.reporting_dashboard`` creates a temporary PostgreSQL database, migrates
it to reporting's schema and bulk-loads (COPY) 20,000 trainees in 100 towns (5 villages
each) and 200 units; 24 monthly periods and their 8 quarters; every obligation (two forms
a month, the quarterly report a quarter: about 1.1 million) with its form in a realistic
mix (on time, late, returned, draft, none); the dashboard's read models (one
``report_month`` and one ``oversight_month`` row per trainee and month, mentor
assignments with their dates). Then it times 20
runs (after one warm-up) of:

- ``dashboard()`` for the whole city and the last full month (the domain function);
- the same for one town;
- the city's 12 months up to it, one ``dashboard()`` each (there is no year view);
- ``GET /api/v1/reporting/dashboard?month=...`` end to end (Flask test client);
- the missing list's first page, end to end.

and prints p50 / p95 (nearest rank) in ms. The database is dropped at the end
(``--keep`` keeps it). Options: ``--trainees``, ``--months``, ``--runs``, ``--admin-url``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import statistics
import time
import uuid
from collections.abc import Callable

import sqlalchemy as sa

from services.reporting.app import create_app
from services.reporting.config import Config
from services.reporting.domain import report_months
from services.reporting.domain.common import city_today
from services.reporting.domain.dashboard import dashboard
from services.reporting.spec import SPEC
from shared import migrate
from shared.auth import issue_token
from shared.clock import month_end, utcnow
from shared.db import Database

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TOWNS, VILLAGES_PER_TOWN, UNITS = 100, 5, 200
#: Mentors' ids (from MENTORS to twice that): the dashboard reads who only for scopes.
MENTORS = 10_000
ROLES = ("integrity", "business", "responsible", "practical")
BITS = {"integrity": 1, "business": 2, "responsible": 4, "practical": 8}
#: A form's fate: (status, late) or None for no form at all, with weights.
FATES = (
    ("approved", False),
    ("submitted", False),
    ("submitted", True),
    ("returned", False),
    ("draft", False),
    None,
)
FATE_WEIGHTS = (0.55, 0.22, 0.08, 0.03, 0.04, 0.08)


def months_back(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the ``count`` full months before ``today``'s month, oldest first."""
    first = today.replace(day=1)
    out = []
    for _ in range(count):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        out.append(first)
    return out[::-1]


#: The columns of reporting's ``period`` table, in the order :func:`period_rows` fills.
PERIOD_COLUMNS = (
    "id",
    "code",
    "kind",
    "starts_on",
    "ends_on",
    "policy_deadline",
    "deadline",
    "extended_to",
    "extension_reason",
    "opened_at",
    "opened_by",
)


def period_rows(months: list[dt.date], now: dt.datetime, first_id: int = 1) -> list[tuple]:
    """Rows of ``period``: every month, and every quarter whose last month is in ``months``
    (ids from ``first_id``; policy deadlines, no extension)."""
    periods: list[tuple] = []
    for month in months:
        deadline = month_end(month) + dt.timedelta(days=5)
        periods.append((first_id + len(periods), f"{month:%Y-%m}", "month", month,
                        month_end(month), deadline, deadline, None, "", now, "bench"))  # fmt: skip
        if month.month % 3 == 0:
            first = dt.date(month.year, month.month - 2, 1)
            deadline = month_end(month) + dt.timedelta(days=10)
            periods.append((first_id + len(periods), f"{month.year}-Q{month.month // 3}",
                            "quarter", first, month_end(month), deadline, deadline, None, "",
                            now, "bench"))  # fmt: skip
    return periods


#: The columns of ``obligation``, ``report`` and ``report_month``, in the order
#: :func:`report_history` fills them.
OBLIGATION_COLUMNS = ("id", "trainee_id", "period_id", "kind", "created_at")
REPORT_COLUMNS = (
    "id",
    "obligation_id",
    "trainee_id",
    "period_id",
    "kind",
    "status",
    "step",
    "chain",
    "content",
    "late",
    "submissions",
    "first_submitted_at",
    "submitted_at",
    "returned_reason",
    "approved_at",
    "created_at",
    "updated_at",
    "version",
)
REPORT_MONTH_COLUMNS = ("month", "trainee_id", *report_months.KINDS)
OVERSIGHT_COLUMNS = (
    "trainee_id",
    "month",
    "unit_id",
    "town_id",
    "talks",
    "visits",
    "fees_paid",
    "fees_on_time",
    "needs_resolved",
    "needs_on_time",
)


def report_history(
    periods: list[tuple],
    trainee_ids,
    rng: random.Random,
    now: dt.datetime,
    first_obligation: int = 0,
    first_report: int = 0,
) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Rows of ``obligation``, ``report`` and the dashboard's ``report_month`` for
    ``periods`` (rows of :func:`period_rows`): every trainee owes each period's forms, each
    form's fate drawn from :data:`FATES`; ids follow ``first_obligation`` and
    ``first_report``."""
    obligations, reports, states = [], [], {}
    for period in periods:
        kinds = ("effectiveness", "mentoring") if period[2] == "month" else ("quarterly",)
        month = report_months.shown_in(period[1])
        for trainee_id in trainee_ids:
            row = states.setdefault((month, trainee_id), dict.fromkeys(report_months.KINDS))
            for kind in kinds:
                obligation_id = first_obligation + len(obligations) + 1
                obligations.append((obligation_id, trainee_id, period[0], kind, now))
                fate = rng.choices(FATES, FATE_WEIGHTS)[0]
                row[kind] = report_months.state_of(*(fate or (None, False)))
                if fate is None:
                    continue
                status, late = fate
                submitted = now if status != "draft" else None
                reports.append(
                    (
                        first_report + len(reports) + 1,
                        obligation_id,
                        trainee_id,
                        period[0],
                        kind,
                        status,
                        None,
                        "town,unit",
                        "{}",
                        late,
                        int(submitted is not None),
                        submitted,
                        submitted,
                        "请补充" if status == "returned" else "",
                        now if status == "approved" else None,
                        now,
                        now,
                        1,
                    )
                )
    months_rows = [
        (month, trainee_id, *row.values()) for (month, trainee_id), row in states.items()
    ]
    return obligations, reports, months_rows


def fill_seats(conn, month: dt.date) -> None:
    """Each ``report_month`` row of ``month`` gets the seats its trainee held on the
    month's last day (after a bulk load of spans; ``conn`` a SQLAlchemy connection)."""
    conn.execute(
        report_months.SEATS_OF_MONTH, {"month": month, "last": report_months.month_end(month)}
    )


def copy(conn, table: str, columns: tuple[str, ...], rows) -> int:
    """COPY rows into ``table`` (psycopg's COPY FROM STDIN); returns the count."""
    n = 0
    with conn.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
            for row in rows:
                out.write_row(row)
                n += 1
    return n


def load(db: Database, trainees: int, months: list[dt.date], rng: random.Random) -> dict:
    """Fill the database; returns counts."""
    started = time.perf_counter()
    now = utcnow()
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        counts = {}
        copy(
            conn,
            "town",
            ("id", "code", "name", "version"),
            ((t, f"T{t}", f"镇{t}", 1) for t in range(1, TOWNS + 1)),
        )
        villages = [
            (t * 100 + v, t) for t in range(1, TOWNS + 1) for v in range(1, VILLAGES_PER_TOWN + 1)
        ]
        copy(
            conn,
            "village",
            ("id", "code", "name", "town_id", "version"),
            ((v, f"V{v}", f"村{v}", t, 1) for v, t in villages),
        )
        copy(
            conn,
            "unit",
            ("id", "code", "name", "version"),
            ((u, f"U{u}", f"单位{u}", 1) for u in range(1, UNITS + 1)),
        )
        places = {}
        trainee_rows = []
        for trainee_id in range(1, trainees + 1):
            unit = rng.randint(1, UNITS)
            village, town = rng.choice(villages) if rng.random() < 0.9 else (None, None)
            places[trainee_id] = (unit, town, village)
            trainee_rows.append(
                (trainee_id, f"学员{trainee_id}", 2025, unit, town, village, months[0], "active", 1)
            )
        counts["trainees"] = copy(
            conn,
            "trainee",
            (
                "id",
                "name",
                "cohort",
                "unit_id",
                "town_id",
                "village_id",
                "placement_start",
                "status",
                "version",
            ),
            trainee_rows,
        )
        periods = period_rows(months, now)
        copy(conn, "period", PERIOD_COLUMNS, periods)
        obligations, reports, months_rows = report_history(
            periods, range(1, trainees + 1), rng, now
        )
        counts["obligations"] = copy(conn, "obligation", OBLIGATION_COLUMNS, obligations)
        counts["reports"] = copy(conn, "report", REPORT_COLUMNS, reports)
        del obligations, reports
        month_rows = []
        for trainee_id, (unit, town, _village) in places.items():
            for month in months:
                talks = rng.choices((0, 1, 2, 3), (0.15, 0.4, 0.3, 0.15))[0]
                visits = 1 if rng.random() < 0.1 else 0
                fees = 1 if rng.random() < 0.01 else 0
                needs = 1 if rng.random() < 0.05 else 0
                if talks or visits or fees or needs:
                    month_rows.append(
                        (
                            trainee_id,
                            month,
                            unit,
                            town,
                            talks,
                            visits,
                            fees,
                            fees if rng.random() < 0.8 else 0,
                            needs,
                            needs if rng.random() < 0.7 else 0,
                        )
                    )
        counts["oversight_months"] = copy(
            conn,
            "oversight_month",
            OVERSIGHT_COLUMNS,
            month_rows,
        )
        spans = []
        for trainee_id, (_unit, _town, village) in places.items():
            roles = ROLES if village is not None else ROLES[:2]
            for role in roles:
                if rng.random() < 0.03:
                    continue  # a seat never filled
                start = months[0] - dt.timedelta(days=30)
                end = None
                if rng.random() < 0.1:  # replaced once: two assignments
                    end = rng.choice(months) + dt.timedelta(days=10)
                    spans.append((trainee_id, role, BITS[role], start, end))
                    start = end + dt.timedelta(days=1)
                spans.append((trainee_id, role, BITS[role], start, None))
        counts["mentor_assignments"] = copy(
            conn,
            "mentor_assignment",
            (
                "id",
                "trainee_id",
                "mentor_id",
                "role",
                "active",
                "role_bit",
                "start_date",
                "end_date",
            ),
            (
                (n, trainee_id, MENTORS + n % MENTORS, role, end is None, bit, start, end)
                for n, (trainee_id, role, bit, start, end) in enumerate(spans, start=1)
            ),
        )
        held: dict[int, list] = {}
        for trainee_id, _role, bit, start, end in spans:
            held.setdefault(trainee_id, []).append((bit, start, end))
        counts["report_months"] = copy(
            conn,
            "report_month",
            (*REPORT_MONTH_COLUMNS, "seats"),
            (
                (*row, report_months.held(held.get(row[1], ()), report_months.month_end(row[0])))
                for row in months_rows
            ),
        )
        del months_rows
        conn.commit()
    finally:
        raw.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    counts["months"] = f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}"
    counts["load_seconds"] = round(time.perf_counter() - started, 1)
    return counts


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
    """p50 / p95 (nearest rank) / max of the timings."""
    ordered = sorted(times)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
    return (
        f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, "
        f"max {ordered[-1]:.1f} ms ({len(ordered)} runs)"
    )


def run(admin_url: str, trainees: int, month_count: int, runs: int, keep: bool) -> None:
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
        months = months_back(today, month_count)
        print("loading ...", flush=True)
        print("loaded:", load(db, trainees, months, random.Random(20260301)), flush=True)
        month = months[-1]

        def city():
            with db.transaction() as session:
                return dashboard(session, month, today=today)

        def town():
            with db.transaction() as session:
                return dashboard(session, month, today=today, town_id=1)

        times, board = timed(city, runs)
        print(f"dashboard() city, {month:%Y-%m}: {summary(times)}")
        print("  ", json.dumps(board.as_dict(), ensure_ascii=False))
        times, _ = timed(town, runs)
        print(f"dashboard() one town: {summary(times)}")

        def year():
            for one in months[-12:]:
                with db.transaction() as session:
                    dashboard(session, one, today=today)

        times, _ = timed(year, runs)
        print(f"dashboard() city, the 12 months up to {month:%Y-%m} (12 reads): {summary(times)}")

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

        def get(path: str):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (response.status_code, response.data[:300])
            return response.data

        times, _ = timed(lambda: get(f"/api/v1/reporting/dashboard?month={month:%Y-%m}"), runs)
        print(f"GET /dashboard (city, end to end): {summary(times)}")
        times, _ = timed(
            lambda: get(f"/api/v1/reporting/dashboard/missing?month={month:%Y-%m}"), runs
        )
        print(f"GET /dashboard/missing first page (city, end to end): {summary(times)}")
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
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    run(args.admin_url, args.trainees, args.months, args.runs, args.keep)


if __name__ == "__main__":
    main()
