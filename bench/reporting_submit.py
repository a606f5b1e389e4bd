"""Month-end form submission: requests per second one gunicorn worker sustains.

``python -m bench.reporting_submit`` creates a temporary PostgreSQL database, migrates it
to reporting's schema, seeds ``--trainees`` trainees (projection rows and tenures, in 100
towns and 200 units, all stationed) and opens the current month (its obligations: two
forms per trainee), starts ``gunicorn -w 1 'services.reporting.app:create_app()'`` on a
free port against it, and drives ``POST /api/v1/reporting/reports`` with ``submit: true``
(one request creates and submits one form: the month-end path) from ``--threads`` threads
(urllib, one token per trainee) for ``--seconds`` seconds or until every form is in.
Prints requests/s, p50 and p99 latency, the status counts and the worker's CPU
milliseconds per request (from /proc: less sensitive than req/s to whatever else runs on
the machine); the database is dropped at the end (``--keep`` keeps it).

``--talks`` drives mentorship's ``POST /api/v1/mentorship/talks`` instead (each trainee
has one mentor of its own, who records two talks with it: one token per mentor).
``--profile FILE`` records the worker with ``py-spy --gil`` (raw stacks, for
:mod:`bench.hot`) and adds the GIL milliseconds per request to the result: the CPU a
request costs in Python.
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

from services.mentorship import models as mentorship_models
from services.mentorship.spec import SPEC as MENTORSHIP_SPEC
from services.reporting.config import Config
from services.reporting.domain import periods
from services.reporting.domain.common import city_today
from services.reporting.models import Report, Trainee, TraineeTenure
from services.reporting.spec import SPEC
from shared import migrate
from shared.clock import utcnow
from shared.config import dev_keys
from shared.db import Database

ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PATH = "/api/v1/reporting/reports"
TALKS_PATH = "/api/v1/mentorship/talks"
RATE = 200  # py-spy samples per second
MENTOR = 1_000_000  # trainee i's mentor is person MENTOR + i


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: str) -> float:
    """User + system CPU the process has used (the worker's cost, whatever else runs)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def seed_talks(url: str, trainees: int, today: dt.date) -> str:
    """Mentorship's side: trainees in villages, each with one practical mentor of its own."""
    m = mentorship_models
    db = Database(url)
    start = today - dt.timedelta(days=60)
    with db.transaction() as session:
        session.execute(sa.insert(m.Unit), [{"id": 1, "code": "U1", "name": "单位", "version": 1}])
        session.execute(
            sa.insert(m.Trainee),
            [
                {"id": i, "name": f"学员{i}", "cohort": 2025, "unit_id": 1, "town_id": 1,
                 "village_id": 100 + i % 50, "placement_start": start, "status": "active",
                 "version": 1}
                for i in range(1, trainees + 1)
            ],
        )  # fmt: skip
        session.execute(
            sa.insert(m.Assignment),
            [
                {"trainee_id": i, "mentor_id": MENTOR + i, "role": "practical",
                 "start_date": start, "active": True, "vacated": False}
                for i in range(1, trainees + 1)
            ],
        )  # fmt: skip
    db.dispose()
    return today.isoformat()


def trainee_tokens(private_pem: str, count: int, role: str = "trainee") -> dict[int, str]:
    """One token per trainee (or per trainee's mentor), as roster issues them (the key is
    parsed once: parsing it per token would take longer than the run)."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    now = utcnow()  # the clock the services check tokens on
    scope = MENTOR if role == "mentor" else 0
    return {
        i: jwt.encode(
            {
                "sub": str(scope + i),
                "role": role,
                "scope": scope + i,
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
    if kind == "talk":
        talk = {"talk_date": code, "mode": "in_person", "aspects": ["political", "practice"],
                "summary": "谈心谈话：交流驻村工作体会，提醒注意工作方法。"}  # fmt: skip
        return json.dumps(talk, ensure_ascii=False).encode()
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
    talks: bool = False,
):
    """POST every (trainee, kind) once from ``threads`` threads until time is up (or, for
    the baseline, the bare insert endpoint's body; with ``talks``, two talks a trainee)."""
    kinds = ("talk", "talk ") if talks else ("effectiveness", "mentoring")
    jobs = iter(itertools.product(sorted(tokens), kinds))
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    bodies = {kind: body(kind.strip(), code) for kind in kinds}
    if talks:
        bodies = {
            (t, k): json.dumps({"trainee_id": t, **json.loads(v)}).encode()
            for t in tokens
            for k, v in bodies.items()
        }
    if baseline:
        bodies = dict.fromkeys(bodies, json.dumps({"name": "学员", "qty": 1}).encode())
    url = f"http://127.0.0.1:{port}{'/items' if baseline else TALKS_PATH if talks else PATH}"
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
                data=bodies[(trainee, kind) if talks and not baseline else kind],
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
    parser.add_argument("--talks", action="store_true", help="drive mentorship's talks")
    parser.add_argument("--profile", default=None, help="py-spy --gil the worker into FILE")
    args = parser.parse_args(argv)

    name = f"gr_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(args.admin_url).set(database=name).render_as_string(False)
    server = None
    try:
        spec = MENTORSHIP_SPEC if args.talks else SPEC
        migrate.upgrade(spec.migrations_dir, url)
        today = city_today("Asia/Shanghai")
        code = (seed_talks if args.talks else seed)(url, args.trainees, today)
        private, public = dev_keys()
        tokens = trainee_tokens(private, args.trainees, "mentor" if args.talks else "trainee")
        port = free_port()
        env = {
            **os.environ,
            f"{spec.name.upper()}_DATABASE_URL": url,
            "JWT_PUBLIC_KEY": public,
            "BROKER_URL": "memory://",
            "LOG_LEVEL": args.log_level,
        }
        target = [f"services.{spec.name}.app:create_app()"]
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
        with open(f"/proc/{server.pid}/task/{server.pid}/children") as f:
            worker = f.read().split()[0]
        cpu_before = cpu_seconds(worker)
        spy = None
        if args.profile:
            spy = subprocess.Popen(
                [os.path.join(os.path.dirname(sys.executable), "py-spy"), "record", "--gil",
                 "--nonblocking", "--rate", str(RATE), "--format", "raw", "-o", args.profile,
                 "--pid", worker],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1)
        elapsed, latencies, statuses = drive(
            port, tokens, code, args.threads, args.seconds, bool(args.baseline), args.talks
        )
        cpu_ms = round((cpu_seconds(worker) - cpu_before) * 1000 / len(latencies), 2)
        gil_ms = None
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
            with open(args.profile, encoding="utf-8", errors="replace") as f:
                samples = sum(int(line.rsplit(" ", 1)[1]) for line in f if line.strip())
            gil_ms = round(samples / RATE * 1000 / len(latencies), 2)
        latencies.sort()
        db = Database(url)
        with db.transaction() as session:
            table = mentorship_models.Talk if args.talks else Report
            stored = session.scalar(sa.select(sa.func.count()).select_from(table))
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
                    "rows_stored": stored,
                    "cpu_ms_per_request": cpu_ms,
                    "gil_ms_per_request": gil_ms,
                    "threads": args.threads,
                    "worker_log_level": args.log_level,
                    "app": "baseline" if args.baseline else spec.name,
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
