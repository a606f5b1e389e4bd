"""A province on a running :class:`deploy.stack.LocalStack`, for the month-end benchmark.

What goes through which path (each step is timed and reported):

- HTTP, one request each: towns, villages, units (roster has no bulk path for places), the
  welfare policy, the gap fill per town (mentorship's bulk path), opening this month
  (reporting: every trainee's two obligations in one request), generating last month's
  subsidies (welfare, one request), opening this quarter (the scaling matrix's forms).
- HTTP bulk import, CSV in chunks (roster's ``/imports/people`` and ``/imports/trainees``;
  chunks because one request must finish within gunicorn's 30 s timeout).
- Events through RabbitMQ, as in production: every other service learns the places,
  cadres, trainees and assignments from roster's and mentorship's events.
- SQL COPY into the owning services' tables (history only, 24 months: going through HTTP
  would take hours): reporting's periods, obligations and reports and its ``report_month``
  and ``oversight_month`` read models; mentorship's talks; welfare's subsidies of the older months.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import sqlalchemy as sa

from bench.reporting_dashboard import (
    OBLIGATION_COLUMNS,
    OVERSIGHT_COLUMNS,
    PERIOD_COLUMNS,
    REPORT_COLUMNS,
    REPORT_MONTH_COLUMNS,
    copy,
    fill_seats,
    month_end,
    months_back,
    period_rows,
    report_history,
)
from journey.http import request
from shared.clock import utcnow

CSV = "text/csv"
#: Trainees per import request (one request must end within gunicorn's 30 s timeout).
CHUNK = 1000


@dataclass
class Sizes:
    trainees: int
    towns: int
    villages: int
    units: int
    months: int

    @classmethod
    def for_trainees(cls, trainees: int, months: int = 24) -> Sizes:
        """The province's shape scaled to ``trainees`` (20,000: 100 towns, 1,000 villages,
        200 units)."""
        towns = max(2, trainees // 200)
        return cls(trainees, towns, towns * 10, max(2, trainees // 100), months)


@dataclass
class Province:
    sizes: Sizes
    today: dt.date
    town_ids: list[int] = field(default_factory=list)
    village_ids: list[int] = field(default_factory=list)
    unit_ids: list[int] = field(default_factory=list)
    trainee_ids: list[int] = field(default_factory=list)
    #: trainee id -> the person id of their village's secretary (their practical mentor)
    practical: dict[int, int] = field(default_factory=dict)
    steps: list[dict] = field(default_factory=list)

    @property
    def month(self) -> str:
        return f"{self.today:%Y-%m}"

    @property
    def quarter(self) -> str:
        return f"{self.today.year}-Q{(self.today.month - 1) // 3 + 1}"


class Builder:
    def __init__(self, stack, city_token: str, sizes: Sizes, today: dt.date, log=print) -> None:
        self.stack = stack
        self.token = city_token
        self.sizes = sizes
        self.p = Province(sizes, today)
        self.log = log
        self.rng = random.Random(8)
        self.history = months_back(today, sizes.months)
        self.placement_start = (self.history[0] - dt.timedelta(days=1)).replace(day=1)

    def url(self, service: str, path: str) -> str:
        return f"{self.stack.urls[service]}/api/v1/{service}{path}"

    def call(self, service, method, path, body=None, **kw):
        return request(method, self.url(service, path), body, self.token, **kw)[1]

    def step(self, name: str, path: str, fn, *args):
        started = time.perf_counter()
        detail = fn(*args)
        seconds = time.perf_counter() - started
        self.p.steps.append(
            {"step": name, "path": path, "seconds": round(seconds, 1), "detail": detail}
        )
        self.log(f"  {name}: {seconds:.1f} s ({detail})")
        return detail

    # -- the steps -------------------------------------------------------------------------

    def build(self, settle) -> Province:
        s = self.sizes
        self.step("towns, villages, units", "HTTP POST, one each", self.places)
        self.step("subsidy policy", "HTTP POST", self.policy)
        self.step(f"{s.towns + s.villages + s.units} cadres", "HTTP CSV import", self.people)
        chunks = f"HTTP CSV import (chunks of {CHUNK}, 2 at once)"
        self.step(f"{s.trainees} trainees", chunks, self.trainees)
        # Gap fill needs mentorship's copy of the trainees; the other services go on taking
        # roster's events while the fill and the history load run (both cores busy).
        # Reporting's and welfare's history need only roster's trainees: loaded meanwhile.
        with ThreadPoolExecutor(1) as pool:
            early = pool.submit(self._early_history)
            self.step(
                "events reach mentorship", "RabbitMQ (relays, consumers)", settle, "mentorship"
            )
            self.step("mentor gap fill, per town", "HTTP POST /gaps/fill, 2 at once", self.gap_fill)
            self.step(
                f"{s.months} months of history",
                "SQL COPY (reporting's and welfare's from the trainees' import on, meanwhile)",
                self.load_history,
                early,
            )
        self.step("events reach every service", "RabbitMQ (relays, consumers)", settle)
        # Once every assignment has reached reporting (the settle above).
        self.step("mentor seats of the history", "SQL UPDATE", self.history_seats)
        self.step(f"open {self.p.month}", "HTTP POST /periods", self.open_period, self.p.month)
        self.step(f"open {self.p.quarter}", "HTTP POST /periods", self.open_period, self.p.quarter)
        self.step("last month's subsidies", "HTTP POST /subsidies/generate", self.subsidies)
        self.step("events reach every service", "RabbitMQ (relays, consumers)", settle)
        self.step("planner statistics", "SQL ANALYZE, every service's database", self.analyze)
        return self.p

    def analyze(self) -> str:
        """ANALYZE after the bulk load, as an operator would after a restore: the COPY left
        the tables without statistics, and the plans of the burst's first statements
        (prepared ones keep theirs) would be made from none."""
        for url in self.stack.database_urls.values():
            engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    conn.execute(sa.text("ANALYZE"))
            finally:
                engine.dispose()
        return f"{len(self.stack.database_urls)} databases"

    def places(self) -> str:
        s = self.sizes

        def post(args):
            kind, body = args
            return self.call("roster", "POST", f"/{kind}", body)["id"]

        with ThreadPoolExecutor(4) as pool:
            self.p.town_ids = list(
                pool.map(
                    post,
                    [("towns", {"code": f"T{t:03d}", "name": f"𬌗镇{t}"}) for t in range(s.towns)],
                )
            )
            self.p.village_ids = list(
                pool.map(
                    post,
                    [
                        (
                            "villages",
                            {
                                "code": f"V{v:04d}",
                                "name": f"𠀾村{v}",
                                "town_id": self.p.town_ids[v % s.towns],
                            },
                        )
                        for v in range(s.villages)
                    ],
                )
            )
            self.p.unit_ids = list(
                pool.map(
                    post,
                    [("units", {"code": f"U{u:03d}", "name": f"单位{u}"}) for u in range(s.units)],
                )
            )
        return f"{s.towns} towns, {s.villages} villages, {s.units} units"

    def policy(self) -> str:
        body = {
            "effective_from": self.placement_start.isoformat(),
            "monthly_amount_fen": 200000,
            "placement_fee_fen": 300000,
            "note": "基准测试",
        }
        self.policy_id = self.call("welfare", "POST", "/policies", body)["id"]
        return f"from {self.placement_start}"

    def _csv(self, headers: list[str], rows: list[list]) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows(rows)
        return out.getvalue().encode()

    def people(self) -> str:
        s = self.sizes
        rows = (
            [
                [f"副书记{t}", "男", "town_party_deputy", "党委副书记", "", f"T{t:03d}", ""]
                for t in range(s.towns)
            ]
            + [
                [f"村书记{v}", "女", "village_party_secretary", "村党支部书记", "", "", f"V{v:04d}"]
                for v in range(s.villages)
            ]
            + [
                [f"领导{u}", "男", "unit_leadership", "副主任", f"U{u:03d}", "", ""]
                for u in range(s.units)
            ]
        )
        headers = [
            "name",
            "gender",
            "position_kind",
            "title",
            "unit_code",
            "town_code",
            "village_code",
        ]
        ids = []
        for i in range(0, len(rows), 1000):
            body = self.call(
                "roster",
                "POST",
                "/imports/people",
                raw=self._csv(headers, rows[i : i + 1000]),
                content_type=CSV,
            )
            assert not body["errors"], body["errors"][:3]
            ids += body["ids"]
        self.secretaries = ids[s.towns : s.towns + s.villages]
        return f"{len(ids)} people with positions"

    def trainees(self) -> str:
        s = self.sizes
        headers = ["name", "gender", "cohort", "unit_code", "village_code", "placement_start"]
        start = self.placement_start.isoformat()
        chunks = []
        for lo in range(0, s.trainees, CHUNK):
            rows = []
            for i in range(lo, min(lo + CHUNK, s.trainees)):
                rows.append(
                    [
                        f"学员{i}𠀾",
                        "女" if i % 2 else "男",
                        2024,
                        f"U{i % s.units:03d}",
                        f"V{i % s.villages:04d}",
                        start,
                    ]
                )
            chunks.append(self._csv(headers, rows))

        def post(raw):
            body = self.call("roster", "POST", "/imports/trainees", raw=raw, content_type=CSV)
            assert not body["errors"], body["errors"][:3]
            return body["ids"]

        with ThreadPoolExecutor(2) as pool:  # roster's two web workers
            for ids in pool.map(post, chunks):  # in the order of the rows
                self.p.trainee_ids += ids
        villages = [i % s.villages for i in range(s.trainees)]
        self.p.practical = {
            t: self.secretaries[v] for t, v in zip(self.p.trainee_ids, villages, strict=True)
        }
        return f"{len(self.p.trainee_ids)} trainees placed"

    def gap_fill(self) -> str:
        def fill(town_id):
            body = self.call("mentorship", "POST", "/gaps/fill", {"town_id": town_id})
            return len(body["filled"]), len(body.get("gaps", []))

        # two at once (mentorship's two web workers): fills lock the mentors they share in
        # id order, so they wait for each other rather than deadlock
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(fill, self.p.town_ids))
        filled = sum(r[0] for r in results)
        gaps = sum(r[1] for r in results)
        return f"{filled} assignments made, {gaps} gaps left, {len(results)} requests"

    def open_period(self, code: str) -> str:
        self.call("reporting", "POST", "/periods", {"code": code}, expect=(200, 201))
        return code

    def subsidies(self) -> str:
        month = f"{self.history[-1]:%Y-%m}"
        body = self.call("welfare", "POST", "/subsidies/generate", {"month": month})
        return f"{month}: {body['created']} subsidies"

    # -- history, by COPY ------------------------------------------------------------------

    def _early_history(self) -> dict:
        started = time.perf_counter()
        counts = {**self._reporting_history(), **self._subsidy_history()}
        self.log(f"    reporting's and welfare's history: {time.perf_counter() - started:.1f} s")
        return counts

    def load_history(self, early) -> str:
        """The talks (they need the gap fill's assignments), then the rest, loaded since the
        trainees' import, once it is done."""
        counts = dict(self._talk_history())
        counts.update(early.result())
        return ", ".join(f"{v} {k}" for k, v in counts.items())

    def history_seats(self) -> str:
        """The seats held on each history month's last day, into ``report_month`` (the
        COPY wrote none: the assignments' dates come from mentorship's events)."""
        engine = sa.create_engine(self.stack.database_urls["reporting"])
        try:
            with engine.begin() as conn:
                for month in self.history:
                    fill_seats(conn, month)
        finally:
            engine.dispose()
        return f"{len(self.history)} months"

    def _raw(self, service: str):
        engine = sa.create_engine(self.stack.database_urls[service])
        return engine, engine.raw_connection()

    def _roster_trainees(self) -> list[tuple]:
        """(id, unit, town, village) of every trainee, from roster (the source): the other
        services' copies may still be catching up with roster's events meanwhile."""
        engine = sa.create_engine(self.stack.database_urls["roster"])
        try:
            with engine.connect() as conn:
                query = "SELECT id, unit_id, town_id, village_id FROM trainee ORDER BY id"
                return [tuple(r) for r in conn.execute(sa.text(query))]
        finally:
            engine.dispose()

    def _reporting_history(self) -> dict:
        engine, raw = self._raw("reporting")
        try:
            conn = raw.driver_connection
            trainees = [t[:3] for t in self._roster_trainees()]
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT (SELECT coalesce(max(id), 0) FROM period), "
                    "(SELECT coalesce(max(id), 0) FROM obligation), "
                    "(SELECT coalesce(max(id), 0) FROM report)"
                )
                base, first_obligation, first_report = cur.fetchone()
            now = utcnow()
            periods = period_rows(self.history, now, first_id=base + 1)
            copy(conn, "period", PERIOD_COLUMNS, periods)
            obligations, reports, report_months = report_history(
                periods,
                [trainee_id for trainee_id, _unit, _town in trainees],
                self.rng,
                now,
                first_obligation,
                first_report,
            )
            copy(conn, "obligation", OBLIGATION_COLUMNS, obligations)
            copy(conn, "report", REPORT_COLUMNS, reports)
            copy(conn, "report_month", REPORT_MONTH_COLUMNS, report_months)
            months = [
                (t, m, u, town, 1, 0, 0, 0, 0, 0) for t, u, town in trainees for m in self.history
            ]
            copy(
                conn,
                "oversight_month",
                OVERSIGHT_COLUMNS,
                months,
            )
            with conn.cursor() as cur:
                for table in ("period", "obligation", "report"):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
            conn.commit()
            return {
                "periods": len(periods),
                "obligations": len(obligations),
                "reports": len(reports),
                "report months": len(report_months),
                "oversight months": len(months),
            }
        finally:
            raw.close()
            engine.dispose()

    def _talk_history(self) -> dict:
        engine, raw = self._raw("mentorship")
        try:
            conn = raw.driver_connection
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT trainee_id, mentor_id, t.unit_id, t.town_id, t.village_id "
                    "FROM assignment a JOIN trainee t ON t.id = a.trainee_id "
                    "WHERE a.role = 'practical' AND a.end_date IS NULL"
                )
                seats = cur.fetchall()
            now = utcnow()
            aspects = json.dumps(["political", "practice"])
            rows = (
                (
                    t,
                    m,
                    "practical",
                    month + dt.timedelta(days=9),
                    "in_person",
                    aspects,
                    "谈心谈话：驻村工作情况。",
                    "",
                    u,
                    town,
                    v,
                    now,
                    "",
                    "bench",
                    now,
                )
                for t, m, u, town, v in seats
                for month in self.history
            )
            n = copy(
                conn,
                "talk",
                (
                    "trainee_id",
                    "mentor_id",
                    "mentor_role",
                    "talk_date",
                    "mode",
                    "aspects",
                    "summary",
                    "guidance",
                    "unit_id",
                    "town_id",
                    "village_id",
                    "acknowledged_at",
                    "reflection",
                    "recorded_by",
                    "created_at",
                ),
                rows,
            )
            conn.commit()
            return {"talks": n}
        finally:
            raw.close()
            engine.dispose()

    def _subsidy_history(self) -> dict:
        engine, raw = self._raw("welfare")
        try:
            conn = raw.driver_connection
            trainees = [t for t in self._roster_trainees() if t[3] is not None]
            now = utcnow()
            rows = []
            for month in self.history[:-1]:  # the last one is generated through HTTP
                days = month_end(month).day
                paid = month_end(month) + dt.timedelta(days=10)
                for t, u, town, v in trainees:
                    rows.append(
                        (
                            t,
                            f"{month:%Y-%m}",
                            u,
                            town,
                            v,
                            days,
                            days,
                            200000,
                            self.policy_id,
                            "paid",
                            "",
                            "bench",
                            now,
                            "bench",
                            now,
                            paid,
                            f"P{month:%Y%m}",
                            "bench",
                            now,
                        )
                    )
            n = copy(
                conn,
                "subsidy",
                (
                    "trainee_id",
                    "month",
                    "unit_id",
                    "town_id",
                    "village_id",
                    "days_stationed",
                    "days_in_month",
                    "amount_fen",
                    "policy_id",
                    "status",
                    "reason",
                    "approved_by",
                    "approved_at",
                    "paid_by",
                    "paid_at",
                    "paid_on",
                    "payment_ref",
                    "created_by",
                    "created_at",
                ),
                rows,
            )
            conn.commit()
            return {"subsidies": n}
        finally:
            raw.close()
            engine.dispose()
