"""Month-end form submission: requests per second one gunicorn worker sustains.

``python -m bench.reporting_submit`` creates a temporary PostgreSQL database, migrates it
to reporting's schema, seeds ``--trainees`` trainees (projection rows and tenures, in 100
towns and 200 units, all stationed) and opens the current month (its obligations: two
forms per trainee), starts ``gunicorn -w 1 'services.reporting.app:create_app()'`` on a
free port against it, and drives ``POST /api/v1/reporting/reports`` with ``submit: true``
(one request creates and submits one form: the month-end path) from ``--threads`` threads
(urllib, one token per trainee) for ``--seconds`` seconds or until every form is in.
Prints requests/s, p50 and p99 latency, and the status counts; the database is dropped at
the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import jwt
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization

from services.reporting.config import Config
from services.reporting.domain import periods
from services.reporting.domain.common import city_today
from services.reporting.models import Trainee
from services.reporting.models_reports import Report, TraineeTenure
from services.reporting.spec import SPEC
from shared import migrate
from shared.config import dev_keys
from shared.db import Database

ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PATH = "/api/v1/reporting/reports"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, trainees: int, today: dt.date) -> str:
    """Trainees and their tenures, then the current month opened; returns its code."""
    db = Database(url)
    rows = [
        {
            "id": i,
            "name": f"学员{i}",
            "cohort": 2025,
            "unit_id": 1 + i % 200,
            "town_id": 1 + i % 100,
            "village_id": 1000 + i % 500,
            "placement_start": dt.date(2026, 1, 1),
            "status": "active",
            "version": 1,
        }
        for i in range(1, trainees + 1)
    ]
    with db.transaction() as session:
        session.execute(sa.insert(Trainee), rows)
        session.execute(
            sa.insert(TraineeTenure),
            [{"trainee_id": r["id"], "active_from": dt.date(2026, 1, 1)} for r in rows],
        )
    code = periods.month_code(today)
    with db.transaction() as session:
        periods.open_period(session, code, Config(DATABASE_URL=url), today=today)
    db.dispose()
    return code


def trainee_tokens(private_pem: str, count: int) -> dict[int, str]:
    """One token per trainee, as roster issues them (the key is parsed once: parsing it
    per token would take longer than the run)."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    now = dt.datetime.now(dt.UTC)
    return {
        i: jwt.encode(
            {
                "sub": str(i),
                "role": "trainee",
                "scope": i,
                "name": "",
                "iss": "grassroots-roster",
                "aud": "grassroots",
                "iat": now,
                "nbf": now,
                "exp": now + dt.timedelta(hours=1),
                "jti": str(uuid.uuid4()),
            },
            key,
            algorithm="RS256",
        )
        for i in range(1, count + 1)
    }


def body(kind: str, code: str) -> bytes:
    content = (
        {
            "work_done": "参与百千万工程村庄规划编制，走访农户32户，整理民情日记。",
            "days_in_village": 20,
            "key_projects": ["百千万工程"],
            "results": "协调解决两户饮水问题",
            "problems": "方言沟通仍有困难",
            "next_month_plan": "筹备村集体经济项目",
        }
        if kind == "effectiveness"
        else {"account": "导师每月与我谈心，指导我做好群众工作。"}
    )
    payload = {"period": code, "kind": kind, "content": content, "submit": True}
    return json.dumps(payload, ensure_ascii=False).encode()


def drive(
    port: int,
    tokens: dict[int, str],
    code: str,
    threads: int,
    seconds: float,
    baseline: bool = False,
):
    """POST every (trainee, kind) once from ``threads`` threads until time is up (or, for
    the baseline, the bare insert endpoint's body)."""
    jobs = iter(itertools.product(sorted(tokens), ("effectiveness", "mentoring")))
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    bodies = {kind: body(kind, code) for kind in ("effectiveness", "mentoring")}
    if baseline:
        bodies = dict.fromkeys(bodies, json.dumps({"name": "学员", "qty": 1}).encode())
    url = f"http://127.0.0.1:{port}{'/items' if baseline else PATH}"
    deadline = time.monotonic() + seconds

    def worker():
        while time.monotonic() < deadline:
            with lock:
                job = next(jobs, None)
            if job is None:
                return
            trainee, kind = job
            request = urllib.request.Request(
                url,
                data=bodies[kind],
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {tokens[trainee]}",
                },
            )
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.monotonic() - started, latencies, statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=6000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--log-level", default="WARNING", help="the worker's LOG_LEVEL")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--baseline",
        default=None,
        help="path of ../shared/baseline: drive its bare insert endpoint instead, with the "
        "same client, for comparison",
    )
    args = parser.parse_args(argv)

    name = f"gr_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(args.admin_url).set(database=name).render_as_string(False)
    server = None
    try:
        migrate.upgrade(SPEC.migrations_dir, url)
        today = city_today("Asia/Shanghai")
        code = seed(url, args.trainees, today)
        private, public = dev_keys()
        tokens = trainee_tokens(private, args.trainees)
        port = free_port()
        env = {
            **os.environ,
            "REPORTING_DATABASE_URL": url,
            "JWT_PUBLIC_KEY": public,
            "BROKER_URL": "memory://",
            "LOG_LEVEL": args.log_level,
        }
        target = ["services.reporting.app:create_app()"]
        if args.baseline:
            sys.path.insert(0, args.baseline)
            env["BENCH_DB_URL"] = url
            os.environ["BENCH_DB_URL"] = url
            import bench_app  # the baseline's minimal app, for its table

            bench_app.Base.metadata.create_all(bench_app.engine)
            bench_app.engine.dispose()
            target = ["--chdir", args.baseline, "bench_app:app"]
        server = subprocess.Popen(
            [
                os.path.join(os.path.dirname(sys.executable), "gunicorn"),
                "-w",
                "1",
                "-b",
                f"127.0.0.1:{port}",
                *target,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        elapsed, latencies, statuses = drive(
            port, tokens, code, args.threads, args.seconds, bool(args.baseline)
        )
        latencies.sort()
        db = Database(url)
        with db.transaction() as session:
            stored = session.scalar(sa.select(sa.func.count()).select_from(Report))
        db.dispose()
        print(
            json.dumps(
                {
                    "requests": len(latencies),
                    "seconds": round(elapsed, 2),
                    "requests_per_second": round(len(latencies) / elapsed, 1),
                    "p50_ms": round(statistics.median(latencies) * 1000, 1),
                    "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
                    "statuses": statuses,
                    "reports_stored": stored,
                    "threads": args.threads,
                    "worker_log_level": args.log_level,
                    "app": "baseline" if args.baseline else "reporting",
                }
            )
        )
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(10)
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
