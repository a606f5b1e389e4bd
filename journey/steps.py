"""A month in a city, written once, over HTTP only, with tokens of the right roles.

``Journey(base_urls)`` takes the base URL of each service (``{"roster": "http://…", …}``;
in the embedded default they are all the same) and walks through the month step by step.
It builds its own corner of the city first (two towns, three villages, a unit, their
cadres and a cohort of trainees, all with codes unique to the run), so it runs the same on
an empty production system and on the embedded default's demo city, and it asserts only
on its own records: per-trainee reads, its towns' dashboards, its own addresses.

Two things come from outside HTTP, as they do in life:

- time: with ``clock_file`` (the file named by ``GRASSROOTS_CLOCK_FILE`` in every process
  of the system, see ``shared.clock``) the journey lets the month's deadline pass, so that
  the scheduler's tick marks the missing forms overdue and the notifier builds the day's
  digests; without it that step is skipped (and so are its consequences);
- the outside world: with ``receivers`` (``journey.receivers``: an SMTP server, an SMS
  gateway stand-in and the town's webhook receiver, which the notifier was configured to
  use) the journey counts every e-mail, text and webhook delivery against what the rules
  say its steps should have caused: exactly those, no more.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from journey.http import HttpError, poll, request
from shared.clock import city_today

SERVICES = ("roster", "mentorship", "reporting", "welfare", "notifier")
ROLES = ("integrity", "business", "responsible", "practical")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PASSWORD = "journey-Passw0rd!"
CITY_TZ = ZoneInfo("Asia/Shanghai")
MAIL_DOMAIN = "journey.example"
#: What the town's own system subscribes to (its webhook).
HOOK_EVENTS = [
    "trainee.placed",
    "mentor.released",
    "report.returned",
    "report.overdue",
    "need.raised",
    "need.resolved",
    "placement_fee.paid",
]
# Each trainee of the cohort has a part to play.
RETURNED, NEED, MOVER, SILENT, LATE = "t0", "t1", "t2", "t3", "t4"


@dataclass
class StepResult:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass
class Cohort:
    """What the journey made, by the ids the services gave it."""

    people: dict[str, int] = field(default_factory=dict)  # our key -> person id
    trainees: dict[str, int] = field(default_factory=dict)  # our key -> trainee id
    contact: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (email, phone)
    tokens: dict[str, str] = field(default_factory=dict)  # account key -> token
    reports: dict[tuple[int, str], dict] = field(default_factory=dict)
    talked: set[int] = field(default_factory=set)
    fees: dict[int, int] = field(default_factory=dict)  # trainee id -> fee id
    allocations: dict[int, int] = field(default_factory=dict)  # trainee id -> allocation id
    visited: set[int] = field(default_factory=set)


@dataclass
class Expected:
    """What the journey's steps should have caused the notifier to deliver, by the rules
    (services/notifier/domain/rules.py), counted per address (or inbox) and event type."""

    inbox: dict[int, Counter] = field(default_factory=dict)  # trainee id -> event types
    mail: dict[str, Counter] = field(default_factory=dict)  # e-mail -> event types
    sms: dict[str, Counter] = field(default_factory=dict)  # phone -> event types
    hooks: Counter = field(default_factory=Counter)  # the town's webhook: event types

    def add(self, book: dict, key, event_type: str, n: int = 1) -> None:
        book.setdefault(key, Counter())[event_type] += n


def id_number(rng: random.Random, birth: dt.date) -> str:
    """A well-formed 18-digit resident identity number (GB 11643 check digit)."""
    body = f"440113{birth:%Y%m%d}{rng.randrange(100, 999)}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def typed(phone: str) -> str:
    """An E.164 mobile number as a clerk types it in a sheet: ``139 1234 5678``."""
    national = phone.removeprefix("+86")
    return f"{national[:3]} {national[3:7]} {national[7:]}"


def xlsx(headers: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_xlsx(data: bytes) -> dict[str, list[list]]:
    """Every sheet of a workbook as rows of values (the header row first)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


class Journey:
    def __init__(
        self,
        base_urls: dict[str, str],
        *,
        city_username: str = "city",
        city_password: str = "demo",
        clock_file: Path | None = None,
        receivers=None,
        timeout: float = 60.0,
        log: Callable[[str], None] | None = None,
        metrics_token: str | None = None,
    ) -> None:
        self.urls = {s: f"{base_urls[s].rstrip('/')}/api/v1/{s}" for s in SERVICES}
        self.bases = sorted({base_urls[s].rstrip("/") for s in SERVICES})
        self.city_login = (city_username, city_password)
        self.clock_file = clock_file
        self.receivers = receivers
        self.timeout = timeout
        # /metrics answers only its bearer token (METRICS_TOKEN of the system walked)
        self.metrics_token = metrics_token or os.environ.get("METRICS_TOKEN")
        # the system's today: its clock file's when the journey has one, else this process's
        self.today = city_today(CITY_TZ.key, clock_file)
        # The cohort is placed before today, so that the move (today) comes after it:
        # early in the month the day before today, which on the 1st is last month's last
        # day (a trainee placed on a month's last day owes nothing for that month).
        self.placed_on = (
            self.today.replace(day=2) if self.today.day > 2 else self.today - dt.timedelta(1)
        )
        self.month = f"{self.today:%Y-%m}"
        self.quarter = f"{self.today.year}-Q{(self.today.month - 1) // 3 + 1}"
        self.run = uuid.uuid4().hex[:6]
        self.rng = random.Random(self.run)
        self.log = log or (lambda _line: None)
        self.results: list[StepResult] = []
        self.c = Cohort()
        self.expect = Expected()
        self.travelled = False
        self.names: dict[str, str] = {}  # trainee key -> name

    # -- plumbing ------------------------------------------------------------------------

    def call(self, service: str, method: str, path: str, body=None, token=None, **kw):
        return request(method, f"{self.urls[service]}{path}", body, token, **kw)[1]

    def get(self, service: str, path: str, token: str):
        return self.call(service, "GET", path, token=token)

    def download(self, service: str, path: str, token: str) -> bytes:
        return request("GET", f"{self.urls[service]}{path}", token=token, raw_body=True)[1]

    def login(self, username: str, password: str) -> str:
        body = {"grant_type": "password", "username": username, "password": password}
        return self.call("roster", "POST", "/auth/token", body)["access_token"]

    def account(self, role: str, scope_id: int | None, key: str, contact: str | None = None):
        """An account of ``role`` for ``scope_id`` with the e-mail and phone of ``contact``
        (our key of a person, trainee or office), made by the city; its token."""
        if key not in self.c.tokens:
            username = f"j{self.run}-{key}"
            body = {"username": username, "role": role, "password": PASSWORD}
            if scope_id is not None:
                body["scope_id"] = scope_id
            if contact is not None:
                body["email"], body["phone"] = self.c.contact[contact]
            self.call("roster", "POST", "/accounts", body, self.city)
            self.c.tokens[key] = self.login(username, PASSWORD)
        return self.c.tokens[key]

    def sign_in_again(self) -> None:
        """New tokens for the city and every account the journey made: tokens live on the
        system's clock (``shared.clock``), so moving it past their expiry expires them."""
        self.city = self.login(*self.city_login)
        for key in self.c.tokens:
            self.c.tokens[key] = self.login(f"j{self.run}-{key}", PASSWORD)

    def wait(self, what: str, probe):
        return poll(what, probe, timeout=self.timeout)

    def items(self, service: str, path: str, token: str) -> list[dict]:
        sep = "&" if "?" in path else "?"
        return self.get(service, f"{path}{sep}per_page=200", token)["items"]

    def contact(self, key: str) -> tuple[str, str]:
        """A run-unique e-mail address and mobile number for our key; the number as roster
        stores it and the gateway receives it (E.164; the sheets type it as clerks do)."""
        if key not in self.c.contact:
            phone = f"+8613{self.rng.randrange(10**8, 10**9)}"
            self.c.contact[key] = (f"{key}.{self.run}@{MAIL_DOMAIN}", phone)
        return self.c.contact[key]

    def tid(self, key: str) -> int:
        return self.c.trainees[key]

    def key_of(self, tid: int) -> str:
        return next(k for k, v in self.c.trainees.items() if v == tid)

    # -- running -------------------------------------------------------------------------

    def steps(self) -> list[tuple[str, Callable[[], str]]]:
        return [
            ("city sets up two towns, three villages, a unit; the town subscribes a webhook",
             self.step_setup),
            ("import cadres (XLSX)", self.step_import_people),
            ("import trainees placed in villages (XLSX)", self.step_import_trainees),
            ("fill mentor gaps for the town and unit in one action", self.step_fill_gaps),
            ("assign remaining gaps by hand; coverage complete", self.step_assign_by_hand),
            ("mentors record talks (one trainee has none)", self.step_talks),
            ("the month is open; trainees owe their forms", self.step_open_month),
            ("trainees submit forms (mentoring pre-filled); one does not", self.step_submit),
            ("town returns one with a reason; trainee resubmits", self.step_return),
            ("town and unit approve every submitted form", self.step_approve),
            ("placement fees created and paid", self.step_fees),
            ("the town houses two trainees", self.step_housing),
            ("a Spring Festival campaign records visits", self.step_campaign),
            ("a housing need: raised, assigned, resolved, confirmed", self.step_need),
            ("a trainee moves town: mentors change, housing flagged, no second fee",
             self.step_move),
            ("the deadline passes: the tick marks the missing forms overdue, digests go out",
             self.step_overdue),
            ("town dashboard shows exactly the journey's counts", self.step_dashboard),
            ("the quarter's assessment ranks the towns with explanations", self.step_assessment),
            ("exports open as XLSX with the expected rows", self.step_exports),
            ("every trainee's inbox holds exactly the expected notifications", self.step_inbox),
            ("SMTP, SMS and the town's webhook got exactly the expected messages",
             self.step_deliveries),
        ]  # fmt: skip

    def execute(self, stop_on_failure: bool = True) -> list[StepResult]:
        for name, step in self.steps():
            started = time.perf_counter()
            try:
                detail = step() or ""
                result = StepResult(name, True, time.perf_counter() - started, detail)
            except Exception as exc:  # noqa: BLE001 - reported, then the journey stops
                text = str(exc) if isinstance(exc, (AssertionError, HttpError)) else repr(exc)
                if not isinstance(exc, AssertionError):
                    text += "\n" + traceback.format_exc(limit=3)
                result = StepResult(name, False, time.perf_counter() - started, text)
            self.results.append(result)
            self.log(format_line(result))
            if not result.ok and stop_on_failure:
                break
        return self.results

    @property
    def ok(self) -> bool:
        return len(self.results) == len(self.steps()) and all(r.ok for r in self.results)

    # -- setting up ----------------------------------------------------------------------

    def step_setup(self) -> str:
        self.city = self.login(*self.city_login)
        code = f"J{self.run.upper()}"

        def make(kind: str, body: dict) -> dict:
            return self.call("roster", "POST", f"/{kind}", body, self.city)

        # names with characters outside the BMP's common set, as real place names have
        self.town = make("towns", {"code": f"{code}A", "name": f"石𬌗镇{self.run[:3]}"})
        self.other_town = make("towns", {"code": f"{code}B", "name": f"龘岭镇{self.run[:3]}"})
        self.villages = [
            make(
                "villages", {"code": f"{code}A{i}", "name": f"𠀾{i}村", "town_id": self.town["id"]}
            )
            for i in (1, 2)
        ]
        self.other_village = make(
            "villages", {"code": f"{code}B1", "name": "上𬌗村", "town_id": self.other_town["id"]}
        )
        self.unit = make("units", {"code": f"{code}U", "name": f"区委办{self.run[:3]}"})
        # money needs a policy in force from the cohort's placement: a new installation has
        # none yet, the demo has one
        first = self.placed_on.replace(day=1)
        policies = self.items("welfare", "/policies", self.city)
        if not any(p["effective_from"] <= first.isoformat() for p in policies):
            self.call(
                "welfare", "POST", "/policies",
                {"effective_from": first.isoformat(), "monthly_amount_fen": 200000,
                 "placement_fee_fen": 300000, "note": "旅程：市级标准"},
                self.city,
            )  # fmt: skip
        # the town's secretary and the unit's clerk sign in with accounts of their own
        self.contact("town")
        self.contact("unit")
        self.account("town", self.town["id"], "town", contact="town")
        self.account("unit", self.unit["id"], "unit", contact="unit")
        # the town's own system: a client credential, and its webhook subscription
        client = self.call(
            "roster", "POST", "/accounts",
            {"username": f"j{self.run}-townit", "role": "town", "scope_id": self.town["id"],
             "kind": "client"},
            self.city,
        )  # fmt: skip
        machine = self.call(
            "roster", "POST", "/auth/token",
            {"grant_type": "client_credentials", "client_id": client["username"],
             "client_secret": client["client_secret"]},
        )["access_token"]  # fmt: skip
        self.subscription = None
        if self.receivers is not None:
            subscription = self.call(
                "notifier", "POST", "/subscriptions",
                {"url": self.receivers.webhook_url, "event_types": HOOK_EVENTS,
                 "description": "镇信息系统"},
                machine,
            )  # fmt: skip
            self.receivers.secret = subscription["secret"]
            self.subscription = subscription["id"]
        self.settle()
        self.baseline = self.dashboard()
        return (
            f"towns {self.town['name']} and {self.other_town['name']}, unit "
            f"{self.unit['name']}, run {self.run}"
            + (f"; webhook subscription {self.subscription}" if self.subscription else "")
        )

    def _person_row(self, key: str, kind: str, title: str, unit="", town="", village=""):
        birth = dt.date(1975 + self.rng.randrange(15), 1 + self.rng.randrange(12), 10)
        email, phone = self.contact(key)
        name = f"旅程{self.run[:3]}{key}"
        return [name, "男", id_number(self.rng, birth), typed(phone), email, kind, title, unit,
                town, village]  # fmt: skip

    def step_import_people(self) -> str:
        unit, town, other = self.unit["code"], self.town["code"], self.other_town["code"]
        (a1, a2), b1 = (v["code"] for v in self.villages), self.other_village["code"]
        # One deputy secretary per town and one secretary per village: the only eligible
        # persons, so gap filling takes those seats in one action. The unit has two leaders
        # and two middle cadres: several eligible, so the unit's seats are assigned by hand.
        rows = [
            ("deputyA", "镇党委副书记", "党委副书记", "", town, ""),
            ("deputyB", "镇党委副书记", "党委副书记", "", other, ""),
            ("secA1", "村党组织书记", "村党支部书记", "", town, a1),
            ("secA2", "村党组织书记", "村党支部书记", "", town, a2),
            ("secB1", "村党组织书记", "村党支部书记", "", other, b1),
            ("leader0", "领导班子成员", "副主任", unit, "", ""),
            ("leader1", "领导班子成员", "副主任", unit, "", ""),
            ("cadre0", "中层干部", "科长", unit, "", ""),
            ("cadre1", "中层干部", "副科长", unit, "", ""),
        ]
        headers = ["姓名", "性别", "身份证号", "手机号", "邮箱", "职务类别", "职务", "单位编码",
                   "镇编码", "村编码"]  # fmt: skip
        sheet = xlsx(headers, [self._person_row(k, *rest) for k, *rest in rows])
        body = self.call(
            "roster", "POST", "/imports/people", token=self.city, raw=sheet, content_type=XLSX
        )
        assert body["imported"] == len(rows) and not body["errors"], body
        self.c.people = dict(zip([r[0] for r in rows], body["ids"], strict=True))
        return f"{body['imported']} cadres imported"

    def step_import_trainees(self) -> str:
        start = self.placed_on
        headers = ["姓名", "性别", "出生日期", "身份证号", "手机号", "邮箱", "学历", "届别",
                   "单位编码", "村编码", "派驻日期"]  # fmt: skip
        rows, keys = [], []
        # t0 t2 t4 in the first village, t1 t3 in the second
        for i in range(5):
            key = f"t{i}"
            birth = dt.date(1999, 1 + i, 1 + i)
            email, phone = self.contact(key)
            village = self.villages[i % 2]
            keys.append(key)
            self.names[key] = f"学员{self.run[:3]}{i}𠀾"
            rows.append([self.names[key], "女" if i % 2 else "男", birth.isoformat(),
                         id_number(self.rng, birth), typed(phone), email, "硕士研究生",
                         self.today.year, self.unit["code"], village["code"],
                         start.isoformat()])  # fmt: skip
        sheet = xlsx(headers, rows)
        body = self.call(
            "roster", "POST", "/imports/trainees", token=self.city, raw=sheet, content_type=XLSX
        )
        assert body["imported"] == len(rows) and not body["errors"], body
        self.c.trainees = dict(zip(keys, body["ids"], strict=True))
        mine = self.items("roster", f"/trainees?town_id={self.town['id']}", self.city)
        placed = {t["id"] for t in mine} & set(body["ids"])
        assert placed == set(body["ids"]), f"placed in town: {placed}"
        self.expect.hooks["trainee.placed"] += len(rows)
        return f"{len(rows)} trainees imported and placed, ids {body['ids']}"

    # -- mentors -------------------------------------------------------------------------

    def mentors(self, tid: int) -> dict[str, dict]:
        seats = self.get("mentorship", f"/trainees/{tid}/mentors", self.city)["mentors"]
        return {m["role"]: m for m in seats if m["active"]}

    def assigned(self, tid: int, person_id: int) -> None:
        """Expect the notices of one mentor assignment: the mentor and the trainee, each
        in the inbox and by e-mail."""
        person = next(k for k, v in self.c.people.items() if v == person_id)
        key = self.key_of(tid)
        self.expect.add(self.expect.inbox, tid, "mentor.assigned")
        self.expect.add(self.expect.mail, self.c.contact[key][0], "mentor.assigned")
        self.expect.add(self.expect.mail, self.c.contact[person][0], "mentor.assigned")

    def step_fill_gaps(self) -> str:
        ids = list(self.c.trainees.values())
        # mentorship learns of the trainees and cadres by events: wait for its projection
        self.wait(
            "mentorship to know the new trainees",
            lambda: all(
                request("GET", f"{self.urls['mentorship']}/trainees/{t}/mentors",
                        token=self.city, expect=None)[0] == 200
                for t in ids
            ),
        )  # fmt: skip
        body = self.call(
            "mentorship", "POST", "/gaps/fill",
            {"town_id": self.town["id"], "unit_id": self.unit["id"]}, self.city,
        )  # fmt: skip
        filled = [f for f in body["filled"] if f["trainee_id"] in ids]
        held = {t: self.mentors(t) for t in ids}
        assert sum(map(len, held.values())) == len(filled), f"filled {len(filled)}: {body}"
        for tid, seats in held.items():
            assert set(seats) == {"responsible", "practical"}, f"trainee {tid}: {sorted(seats)}"
            for seat in seats.values():
                self.assigned(tid, seat["mentor_id"])
        self.filled_by_gap_fill = len(filled)
        return f"{len(filled)} of {4 * len(ids)} seats filled in one action"

    def assign_missing(self, tid: int, ours: dict[str, list[str]], n: int = 0) -> int:
        """Assign each empty seat by hand: our own cadres for the unit's seats, else the
        first suggested candidate with spare capacity. The number of seats assigned."""
        held, count = self.mentors(tid), 0
        suggestions = None
        for role in ROLES:
            if role in held:
                continue
            if role in ours:
                mentor = self.c.people[ours[role][n % len(ours[role])]]
            else:
                if suggestions is None:
                    suggestions = self.get("mentorship", f"/trainees/{tid}/suggestions", self.city)
                entry = next(r for r in suggestions["roles"] if r["role"] == role)
                spare = [c for c in entry["candidates"] if not c["at_capacity"]]
                assert spare, f"no candidate for trainee {tid}'s {role} seat: {entry}"
                mentor = spare[0]["person_id"]
            body = {"trainee_id": tid, "mentor_id": mentor, "role": role,
                    "start_date": self.today.isoformat()}  # fmt: skip
            self.call("mentorship", "POST", "/assignments", body, self.city)
            self.assigned(tid, mentor)
            count += 1
        return count

    def step_assign_by_hand(self) -> str:
        ours = {"integrity": ["leader0", "leader1"], "business": ["cadre0", "cadre1"]}
        by_hand = sum(
            self.assign_missing(tid, ours, n) for n, tid in enumerate(self.c.trainees.values())
        )
        self.assigned_by_hand = by_hand
        for tid in self.c.trainees.values():
            held = self.mentors(tid)
            assert set(held) == set(ROLES), f"trainee {tid} seats {sorted(held)}"
        coverage = self.get(
            "mentorship", f"/coverage?town_id={self.town['id']}&unit_id={self.unit['id']}",
            self.city,
        )  # fmt: skip
        self.coverage = coverage
        return f"{by_hand} seats by hand; all {len(self.c.trainees)} trainees have 4 mentors"

    def mentor_token(self, person_id: int) -> str:
        key = next(k for k, v in self.c.people.items() if v == person_id)
        return self.account("mentor", person_id, f"m{key}", contact=key)

    def step_talks(self) -> str:
        for key, tid in self.c.trainees.items():
            if key == SILENT:
                continue
            seat = self.mentors(tid)["practical"]
            body = {
                "trainee_id": tid,
                "role": "practical",
                "mode": "in_person",
                "talk_date": self.today.isoformat(),
                "aspects": ["political", "practice"],
                "summary": "谈心谈话：本月驻村工作情况与下月计划。",
            }
            self.call("mentorship", "POST", "/talks", body, self.mentor_token(seat["mentor_id"]))
            self.c.talked.add(tid)
            self.expect.add(self.expect.inbox, tid, "talk.recorded")  # inbox only
        ids = set(self.c.trainees.values())
        talks = self.items("mentorship", "/talks", self.city)
        recorded = {t["trainee_id"] for t in talks if t["trainee_id"] in ids}
        assert recorded == self.c.talked, f"talks for {recorded}, expected {self.c.talked}"
        return f"{len(self.c.talked)} talks; trainee {self.tid(SILENT)} has none"

    # -- reports -------------------------------------------------------------------------

    def drill(self, tid: int, token: str | None = None) -> dict:
        return self.get(
            "reporting", f"/dashboard/trainees/{tid}?month={self.month}", token or self.city
        )

    def step_open_month(self) -> str:
        status, _ = request(
            "POST", f"{self.urls['reporting']}/periods", {"code": self.month}, self.city,
            expect=(200, 201, 409),
        )  # fmt: skip
        self.period = self.get("reporting", f"/periods/{self.month}", self.city)
        for tid in self.c.trainees.values():
            self.wait(
                f"trainee {tid}'s obligations for {self.month}",
                lambda tid=tid: (
                    {f["kind"] for f in self.drill(tid)["forms"]} >= {"effectiveness", "mentoring"}
                ),
            )
        how = "opened now" if status in (200, 201) else "already open (the tick)"
        return f"{self.month} {how}, deadline {self.period['deadline']}"

    def trainee_token(self, tid: int) -> str:
        key = self.key_of(tid)
        return self.account("trainee", tid, key, contact=key)

    def step_submit(self) -> str:
        for key, tid in self.c.trainees.items():
            if key == LATE:
                continue
            token = self.trainee_token(tid)
            if tid in self.c.talked:
                self.wait(
                    f"talk of trainee {tid} to reach reporting",
                    lambda tid=tid: self.drill(tid)["talks"] >= 1,
                )
            eff = {
                "work_done": "参与百千万工程项目推进",
                "days_in_village": 20,
                "key_projects": ["百千万工程"],
                "results": "完成入户走访",
                "problems": "无",
                "next_month_plan": "继续驻村",
            }
            for kind, content in (("effectiveness", eff), ("mentoring", {"account": "本月收获"})):
                # a draft first, saved, then submitted: as a trainee fills it in over days
                body = {"period": self.month, "kind": kind, "content": content}
                draft = self.call("reporting", "POST", "/reports", body, token)
                assert draft["status"] == "draft", draft
                report = self.call(
                    "reporting", "POST", f"/reports/{draft['id']}/submit",
                    {"version": draft["version"]}, token,
                )  # fmt: skip
                assert report["status"] == "submitted" and not report["late"], report
                self.c.reports[(tid, kind)] = report
            talks = self.c.reports[(tid, "mentoring")]["content"].get("talks", [])
            expected = 1 if tid in self.c.talked else 0
            assert len(talks) == expected, f"trainee {tid} mentoring form talks {talks}"
        return (
            f"{len(self.c.reports)} forms submitted (mentoring forms carry their talks); "
            f"trainee {self.tid(LATE)} submits nothing"
        )

    def town_token(self) -> str:
        return self.c.tokens["town"]

    def unit_token(self) -> str:
        return self.c.tokens["unit"]

    def step_return(self) -> str:
        tid = self.tid(RETURNED)
        report = self.c.reports[(tid, "effectiveness")]
        reason = "驻村天数与考勤不符，请核对后重新提交。"
        body = {"reason": reason, "version": report["version"]}
        returned = self.call(
            "reporting", "POST", f"/reports/{report['id']}/return", body, self.town_token()
        )
        assert returned["status"] == "returned", returned
        token = self.trainee_token(tid)
        content = {**report["content"], "days_in_village": 18}
        edited = self.call(
            "reporting", "PATCH", f"/reports/{report['id']}",
            {"content": content, "version": returned["version"]}, token,
        )  # fmt: skip
        again = self.call(
            "reporting", "POST", f"/reports/{report['id']}/submit",
            {"version": edited["version"]}, token,
        )  # fmt: skip
        assert again["status"] == "submitted", again
        self.c.reports[(tid, "effectiveness")] = again
        self.expect.add(self.expect.inbox, tid, "report.returned")
        self.expect.add(self.expect.mail, self.c.contact[RETURNED][0], "report.returned")
        self.expect.add(self.expect.sms, self.c.contact[RETURNED][1], "report.returned")
        self.expect.hooks["report.returned"] += 1
        return f"report {report['id']} of trainee {tid} returned and resubmitted"

    def step_approve(self) -> str:
        town, unit = self.town_token(), self.unit_token()
        for key, report in list(self.c.reports.items()):
            current = self.get("reporting", f"/reports/{report['id']}", town)
            for token in (town, unit):
                current = self.call(
                    "reporting", "POST", f"/reports/{report['id']}/approve",
                    {"version": current["version"]}, token,
                )  # fmt: skip
            assert current["status"] == "approved", current
            self.c.reports[key] = current
        return f"{len(self.c.reports)} forms approved by town then unit"

    # -- welfare -------------------------------------------------------------------------

    def step_fees(self) -> str:
        for key, tid in self.c.trainees.items():
            fees = self.wait(
                f"placement fee of trainee {tid}",
                lambda tid=tid: self.items(
                    "welfare", f"/placement-fees?trainee_id={tid}", self.city
                ),
            )
            assert len(fees) == 1, fees
            paid = self.call(
                "welfare", "POST", f"/placement-fees/{fees[0]['id']}/pay",
                {"paid_on": self.today.isoformat(), "payment_ref": f"J{self.run}-{tid}"},
                self.city,
            )  # fmt: skip
            self.c.fees[tid] = paid["id"]
            self.fee_amount = paid["amount_fen"]
            email, phone = self.c.contact[key]
            self.expect.add(self.expect.inbox, tid, "placement_fee.paid")
            self.expect.add(self.expect.mail, email, "placement_fee.paid")
            self.expect.add(self.expect.sms, phone, "placement_fee.paid")
            self.expect.hooks["placement_fee.paid"] += 1
        return f"{len(self.c.fees)} placement fees paid ({self.fee_amount} fen each)"

    def step_housing(self) -> str:
        town = self.town_token()
        housing = self.call(
            "welfare", "POST", "/housing",
            {"address": f"{self.town['name']}政府大院3号楼", "beds": 4, "rooms": 2,
             "source": "converted_idle_house"},
            town,
        )  # fmt: skip
        for key in (RETURNED, MOVER):
            tid = self.tid(key)
            allocation = self.call(
                "welfare", "POST", f"/housing/{housing['id']}/allocations",
                {"trainee_id": tid, "start_date": self.today.isoformat()}, town,
            )  # fmt: skip
            self.c.allocations[tid] = allocation["id"]
        now = self.get("welfare", f"/housing/{housing['id']}", town)
        assert now["occupied"] == 2 and now["vacancies"] == 2, now
        self.housing = housing["id"]
        return f"housing {housing['id']}: 2 of 4 beds in use"

    def step_campaign(self) -> str:
        first = self.today.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        campaign = self.call(
            "welfare", "POST", "/campaigns",
            {"name": f"春节走访慰问{self.run}", "starts_on": first.isoformat(),
             "ends_on": last.isoformat(), "organisers": "市委组织部、各镇（街）"},
            self.city,
        )  # fmt: skip
        town = self.town_token()
        for key in (RETURNED, NEED, SILENT):
            tid = self.tid(key)
            self.call(
                "welfare", "POST", f"/campaigns/{campaign['id']}/visits",
                {"trainee_id": tid, "visit_date": self.today.isoformat(),
                 "visitor": "镇党委书记", "gifts": "慰问金、春联", "notes": "生活安排妥当"},
                town,
            )  # fmt: skip
            self.c.visited.add(tid)
        coverage = self.get("welfare", f"/campaigns/{campaign['id']}/coverage", town)
        path = f"/campaigns/{campaign['id']}/not-visited"
        missed = {t["id"] for t in self.items("welfare", path, town)}
        ours = set(self.c.trainees.values())
        assert missed & ours == {self.tid(MOVER), self.tid(LATE)}, missed
        self.campaign = campaign["id"]
        assert coverage["visited"] == 3 and coverage["not_visited"] == 2, coverage
        return (
            f"campaign {campaign['id']}: {coverage['visited']} of {coverage['active']} "
            f"trainees of the town visited; not visited: {sorted(missed & ours)}"
        )

    def step_need(self) -> str:
        tid = self.tid(NEED)
        token = self.trainee_token(tid)
        need = self.call(
            "welfare", "POST", "/needs",
            {"category": "housing", "title": "周转房漏水",
             "description": "宿舍屋顶漏水，需要维修。", "handler_role": "village",
             "handler_scope_id": self.villages[1]["id"]},
            token,
        )  # fmt: skip
        # raised to the village: its party secretary and the town hear of it
        self.expect.add(self.expect.mail, self.c.contact["secA2"][0], "need.raised")
        self.expect.add(self.expect.mail, self.c.contact["town"][0], "need.raised")
        self.expect.hooks["need.raised"] += 1
        self.call(
            "welfare", "POST", f"/needs/{need['id']}/assign",
            {"handler_role": "town", "handler_scope_id": self.town["id"]}, self.city,
        )  # fmt: skip
        resolved = self.call(
            "welfare", "POST", f"/needs/{need['id']}/resolve",
            {"resolution": "已安排维修屋顶。"}, self.town_token(),
        )  # fmt: skip
        assert resolved["status"] == "resolved", resolved
        confirmed = self.call("welfare", "POST", f"/needs/{need['id']}/confirm", None, token)
        actions = [(h["action"], h["by_role"]) for h in confirmed["history"]]
        assert actions == [
            ("raised", "trainee"), ("assigned", "city"), ("resolved", "town"),
            ("confirmed", "trainee"),
        ], actions  # fmt: skip
        assert confirmed["status"] == "closed", confirmed
        self.expect.add(self.expect.inbox, tid, "need.resolved")
        self.expect.add(self.expect.mail, self.c.contact[NEED][0], "need.resolved")
        self.expect.hooks["need.resolved"] += 1
        return f"need {need['id']}: {' -> '.join(a for a, _ in actions)} ({confirmed['status']})"

    def step_move(self) -> str:
        tid = self.tid(MOVER)
        before = self.mentors(tid)
        self.call(
            "roster", "POST", f"/trainees/{tid}/placements",
            {"village_id": self.other_village["id"], "start_date": self.today.isoformat()},
            self.city,
        )  # fmt: skip
        # town A's system hears of the trainee leaving; the town's two seats are vacated
        self.expect.hooks["trainee.placed"] += 1

        def released():
            seats = self.mentors(tid)
            return all(
                r not in seats or seats[r]["mentor_id"] != before[r]["mentor_id"]
                for r in ("responsible", "practical")
            )

        self.wait(f"trainee {tid}'s town mentors to be released", released)
        fill = self.call(
            "mentorship", "POST", "/gaps/fill", {"town_id": self.other_town["id"]}, self.city
        )
        by_fill = [f for f in fill["filled"] if f["trainee_id"] == tid]
        by_hand = self.assign_missing(tid, {})
        after = self.mentors(tid)
        assert set(after) == set(ROLES), after
        for role in ("integrity", "business"):
            assert after[role]["mentor_id"] == before[role]["mentor_id"], role
        assert after["responsible"]["mentor_id"] == self.c.people["deputyB"], after
        assert after["practical"]["mentor_id"] == self.c.people["secB1"], after
        for role in ("responsible", "practical"):  # two new assignments, however made
            self.assigned(tid, after[role]["mentor_id"])
        # the bed in town A is flagged for the town to release
        flagged = self.wait(
            f"trainee {tid}'s housing allocation to be flagged",
            lambda: self.items("welfare", f"/allocations?trainee_id={tid}&flagged=true",
                               self.town_token()),
        )  # fmt: skip
        assert [a["id"] for a in flagged] == [self.c.allocations[tid]], flagged
        stays = self.tid(RETURNED)
        assert not self.items(
            "welfare", f"/allocations?trainee_id={stays}&flagged=true", self.town_token()
        ), "a trainee who stayed is flagged"
        self.wait(
            f"reporting to see trainee {tid} in {self.other_town['name']}",
            lambda: self.drill(tid)["town_id"] == self.other_town["id"],
        )
        fees = self.items("welfare", f"/placement-fees?trainee_id={tid}", self.city)
        assert len(fees) == 1, f"placement fees after the move: {fees}"
        return (
            f"trainee {tid} moved to {self.other_village['name']}; responsible and practical "
            f"seats re-filled ({2 - len(by_fill) - by_hand} by mentorship on the move, "
            f"{len(by_fill)} by gap fill, {by_hand} by hand); bed flagged; "
            f"still one fee"
        )

    # -- time passes ---------------------------------------------------------------------

    def step_overdue(self) -> str:
        if self.clock_file is None:
            return "skipped: no clock to move (run with --embedded or --production)"
        from shared.clock import travel_to

        deadline = dt.date.fromisoformat(self.period["deadline"])
        overdue_day = deadline + dt.timedelta(days=1)
        late = self.tid(LATE)
        # 10:00 in the city on the day after the deadline: the scheduler's next tick
        # opens the next month and sends the notices of the forms still missing
        travel_to(self.clock_file, dt.datetime.combine(overdue_day, dt.time(10), CITY_TZ))
        self.travelled = True
        self.sign_in_again()
        token = self.trainee_token(late)

        def overdue_notes():
            notes = self.items("notifier", "/notifications?event_type=report.overdue", token)
            return notes if len(notes) >= 2 else None

        notes = self.wait(f"trainee {late}'s overdue notices", overdue_notes)
        assert len(notes) == 2, notes
        # the digest items of both notices are written with them; at 19:00 the worker
        # builds the day's digest for the town and the unit
        travel_to(self.clock_file, dt.datetime.combine(overdue_day, dt.time(19), CITY_TZ))
        self.sign_in_again()
        digests = {}
        for office in ("town", "unit"):
            digests[office] = self.wait(
                f"the {office}'s digest",
                lambda office=office: self.items(
                    "notifier", "/notifications?event_type=digest", self.c.tokens[office]
                ),
            )
            assert len(digests[office]) == 1, digests[office]
            body = digests[office][0]["body"]
            assert body.count(self.names[LATE]) == 2, f"the {office}'s digest: {body}"
        email, phone = self.c.contact[LATE]
        self.expect.add(self.expect.inbox, late, "report.overdue", 2)
        self.expect.add(self.expect.mail, email, "report.overdue", 2)
        self.expect.add(self.expect.sms, phone, "report.overdue", 2)
        self.expect.hooks["report.overdue"] += 2
        for office in ("town", "unit"):
            self.expect.add(self.expect.mail, self.c.contact[office][0], "digest")
        # the tick opened the next month too, and the next quarter when the month begins
        # one: every active trainee is told of each
        opened = 1 + (f"{overdue_day.year}-Q{(overdue_day.month - 1) // 3 + 1}" != self.quarter)
        for key, tid in self.c.trainees.items():
            self.expect.add(self.expect.inbox, tid, "period.opened", opened)
            self.expect.add(self.expect.mail, self.c.contact[key][0], "period.opened", opened)
        return (
            f"clock moved to {overdue_day} 10:00 then 19:00; trainee {late}: 2 overdue "
            f"notices; one digest each for the town and the unit"
        )

    # -- figures -------------------------------------------------------------------------

    def settle(self) -> None:
        """Wait until the events already in flight (the demo city's, in the embedded default)
        have been applied: every outbox backlog is 0 and the consumed-events counters stop
        moving for three reads in a row (``/metrics`` of every base URL)."""
        readings: list[float] = []

        def quiet():
            backlog = consumed = 0.0
            for base in self.bases:
                status, text = request(
                    "GET", f"{base}/metrics", token=self.metrics_token, expect=None
                )
                if status != 200 or not isinstance(text, str):
                    raise AssertionError(
                        f"{base}/metrics answered {status}: settle() reads every service's "
                        f"/metrics with the system's METRICS_TOKEN (set it in the environment)"
                    )
                for line in text.splitlines():
                    if line.startswith("grassroots_outbox_backlog"):
                        backlog += float(line.rsplit(" ", 1)[1])
                    elif line.startswith("grassroots_events_consumed_total"):
                        consumed += float(line.rsplit(" ", 1)[1])
            readings.append(-1.0 if backlog else consumed)
            last = readings[-3:]
            return len(last) == 3 and last[0] >= 0 and len(set(last)) == 1

        poll("the events in flight to be applied", quiet, timeout=self.timeout, interval=0.3)

    def dashboard(self) -> dict:
        return self.get(
            "reporting", f"/dashboard?month={self.month}&town_id={self.town['id']}", self.city
        )

    def expected_change(self) -> dict:
        """What the journey added to its town's dashboard for the month: every trainee still
        there owes two forms, approved on time (the returned one too, once resubmitted),
        but for the one who submitted nothing; each has four mentors and a paid fee; all
        but the silent one had a talk; three were visited; one need was resolved. The
        trainee who moved counts for the other town."""
        stay = [t for k, t in self.c.trainees.items() if k != MOVER]
        n, talked = len(stay), len([t for t in stay if t in self.c.talked])
        form = {"owed": n, "approved": n - 1, "on_time": n - 1, "late": 0, "missing": 1,
                "returned": 0}  # fmt: skip
        return {
            "trainees": {"owing": n, "on_time": n - 1, "late": 0, "missing": 1, "returned": 0},
            "forms": {"effectiveness": form, "mentoring": form},
            "coverage": {"trainees": n, "covered": n},
            "talks": {"trainees": n, "with_talk": talked},
            "care": {"fees_paid": n, "fees_on_time": n, "needs_resolved": 1, "needs_on_time": 1,
                     "visits": len(self.c.visited), "trainees_visited": len(self.c.visited)},
        }  # fmt: skip

    def step_dashboard(self) -> str:
        expected = self.expected_change()

        def delta(now: dict, before: dict, shape: dict) -> dict:
            # a new town's dashboard has no form kinds yet: what is absent counts as 0
            return {
                k: delta(now.get(k, {}), before.get(k, {}), v)
                if isinstance(v, dict)
                else now.get(k, 0) - before.get(k, 0)
                for k, v in shape.items()
            }

        # the dashboard is fed by events: wait until it has caught up, then compare exactly
        def caught_up():
            change = delta(self.dashboard(), self.baseline, expected)
            self.last_change = change
            return change == expected

        try:
            self.wait("the town dashboard to show the journey's counts", caught_up)
        except AssertionError:
            raise AssertionError(f"dashboard change {self.last_change} != {expected}") from None
        mover = self.drill(self.tid(MOVER))
        assert mover["town_id"] == self.other_town["id"], mover
        silent = self.drill(self.tid(SILENT))
        assert silent["talks"] == 0 and not silent["missing_roles"], silent
        n = expected["trainees"]["owing"]
        return (
            f"+{n} trainees owing, +{2 * (n - 1)} approved forms, 1 trainee missing both, "
            f"+{expected['talks']['with_talk']} with a talk, +{len(self.c.visited)} visits"
        )

    def step_assessment(self) -> str:
        assessment = self.call(
            "reporting", "POST", "/assessments", {"party_kind": "town", "period": self.quarter},
            self.city,
        )  # fmt: skip
        scores = {s["party_id"]: s for s in assessment["scores"]}
        ours = [scores[t["id"]] for t in (self.town, self.other_town)]
        by_score = sorted(assessment["scores"], key=lambda s: -Decimal(s["score"]))
        ranks = [s["rank"] for s in by_score]
        assert ranks == sorted(ranks), "ranks do not follow the scores"
        for score in ours:
            assert score["indicators"], score
            for indicator in score["indicators"]:
                assert indicator["name"] and indicator["weight"] is not None, indicator
        a, b = ours
        # town A has a trainee who submitted nothing; town B's only trainee did everything
        timeliness = next(i for i in a["indicators"] if i["indicator"] == "report_timeliness")
        assert timeliness["numerator"] < timeliness["denominator"], timeliness
        self.assessment = assessment["id"]
        return (
            f"{self.quarter}: {len(scores)} towns ranked; {a['party_name']} #{a['rank']} "
            f"({a['score']}), {b['party_name']} #{b['rank']} ({b['score']}); "
            f"{len(a['indicators'])} indicators explained each"
        )

    def step_exports(self) -> str:
        town = self.town["id"]
        query = f"format=xlsx&period={self.month}&town_id={town}"
        reports = read_xlsx(self.download("reporting", f"/reports?{query}", self.city))
        (rows,) = reports.values()
        assert rows[0][:2] == ["编号", "学员编号"], rows[0]
        stay_ids = {t for k, t in self.c.trainees.items() if k not in (MOVER, LATE)}
        got = Counter(row[1] for row in rows[1:])
        assert got == Counter({t: 2 for t in stay_ids}), f"report export rows {got}"
        assert {row[7] for row in rows[1:]} == {"已通过"}, [row[7] for row in rows[1:]]
        missing = read_xlsx(self.download(
            "reporting", f"/dashboard/missing?format=xlsx&month={self.month}&town_id={town}",
            self.city))  # fmt: skip
        (mrows,) = missing.values()
        late_rows = [r for r in mrows[1:] if r[0] == self.tid(LATE) and r[6] == self.month]
        assert len(late_rows) == 2, mrows
        assert not [r for r in mrows[1:] if r[6] == self.month and r[0] != self.tid(LATE)], mrows
        ranking = read_xlsx(self.download(
            "reporting", f"/assessments/{self.assessment}?format=xlsx", self.city))  # fmt: skip
        first = next(iter(ranking.values()))
        names = {row[2] for row in first[1:]}
        assert {self.town["name"], self.other_town["name"]} <= names, names
        return (
            f"reports: {len(rows) - 1} rows; missing: {len(late_rows)} rows for {self.month}; "
            f"assessment: {len(ranking)} sheets, {len(first) - 1} towns"
        )

    # -- what was delivered --------------------------------------------------------------

    def step_inbox(self) -> str:
        expected = self.expect.inbox
        seen: dict[int, Counter] = {}

        def counts(tid: int) -> Counter:
            notes = self.items("notifier", "/notifications", self.trainee_token(tid))
            seen[tid] = Counter(note["event_type"] for note in notes)
            return seen[tid]

        for tid, inbox in expected.items():
            try:
                self.wait(f"trainee {tid}'s inbox",
                          lambda tid=tid, inbox=inbox: counts(tid) >= inbox)  # fmt: skip
            except AssertionError:
                raise AssertionError(f"trainee {tid}'s inbox {seen.get(tid)} != {inbox}") from None
            assert seen[tid] == inbox, f"trainee {tid}'s inbox {dict(seen[tid])} != {dict(inbox)}"
        notes = self.items(
            "notifier", "/notifications?event_type=report.returned",
            self.trainee_token(self.tid(RETURNED)),
        )  # fmt: skip
        assert "驻村天数与考勤不符" in notes[0]["body"], notes[0]
        total = sum(sum(inbox.values()) for inbox in expected.values())
        return f"{total} notifications in {len(expected)} inboxes, exactly as the rules say"

    def step_deliveries(self) -> str:
        if self.receivers is None:
            return "skipped: no SMTP, SMS or webhook receivers were attached"
        r = self.receivers
        ours_mail = {email for email, _ in self.c.contact.values()}
        ours_phone = {phone for _, phone in self.c.contact.values()}

        def mail_now() -> dict[str, Counter]:
            got: dict[str, Counter] = {}
            for mail in list(r.mails):
                for to in mail.to:
                    if to in ours_mail:
                        got.setdefault(to, Counter())[mail.event_type] += 1
            return got

        sms_types: dict[str, str] = {}

        def sms_now() -> dict[str, Counter]:
            got: dict[str, Counter] = {}
            for text in list(r.texts):
                for to in text.to:
                    if to in ours_phone:
                        got.setdefault(to, Counter())[self.sms_type(text, sms_types)] += 1
            return got

        def hooks_now() -> Counter:
            return Counter(h.event_type for h in list(r.hooks))

        def arrived():
            return (
                all(mail_now().get(a, Counter()) >= c for a, c in self.expect.mail.items())
                and all(sms_now().get(p, Counter()) >= c for p, c in self.expect.sms.items())
                and hooks_now() >= self.expect.hooks
            )

        try:
            self.wait("every expected e-mail, text and webhook delivery", arrived)
        except AssertionError:
            pass  # the exact comparison below says what is missing
        time.sleep(1.0)  # anything extra in flight shows up here, to be counted as extra
        mails, texts, hooks = mail_now(), sms_now(), hooks_now()
        problems = []
        for name, got, want in (("e-mail", mails, self.expect.mail),
                                ("SMS", texts, self.expect.sms)):  # fmt: skip
            for address in sorted(set(got) | set(want)):
                if got.get(address, Counter()) != want.get(address, Counter()):
                    problems.append(f"{name} {address}: got {dict(got.get(address, {}))}, "
                                    f"expected {dict(want.get(address, {}))}")  # fmt: skip
        if hooks != self.expect.hooks:
            problems.append(f"webhook: got {dict(hooks)}, expected {dict(self.expect.hooks)}")
        unsigned = [h for h in r.hooks if not h.signed]
        if unsigned:
            problems.append(f"{len(unsigned)} webhook deliveries with a bad signature")
        if r.sms_refused:
            problems.append(f"{r.sms_refused} SMS calls without the gateway token")
        assert not problems, "\n".join(problems)
        return (
            f"{sum(sum(c.values()) for c in mails.values())} e-mails to {len(mails)} addresses, "
            f"{sum(sum(c.values()) for c in texts.values())} texts to {len(texts)} phones, "
            f"{sum(hooks.values())} signed webhook deliveries: exactly as expected"
        )

    def sms_type(self, text, cache: dict[str, str]) -> str:
        """The event type of a text, from the notifier's delivery log (the city's view),
        by the reference (the delivery's id) the gateway was given."""
        if text.reference not in cache:
            for tid in self.c.trainees.values():
                for row in self.items(
                    "notifier", f"/deliveries?channel=sms&recipient=trainee:{tid}", self.city
                ):
                    cache[str(row["id"])] = row["event_type"]
        return cache.get(text.reference, "unknown")


def format_line(result: StepResult) -> str:
    mark = "PASS" if result.ok else "FAIL"
    line = f"{mark}  {result.seconds:6.2f}s  {result.name}"
    if result.detail:
        line += f"\n                {result.detail}"
    return line


def report(results: list[StepResult]) -> str:
    total = sum(r.seconds for r in results)
    passed = sum(r.ok for r in results)
    lines = [format_line(r) for r in results]
    lines.append(f"{passed}/{len(results)} steps passed in {total:.1f}s")
    return "\n".join(lines)
