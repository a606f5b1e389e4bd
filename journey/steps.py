"""A month in a city, written once, over HTTP only, with tokens of the right roles.

``Journey(base_urls)`` takes the base URL of each service (``{"roster": "http://…", …}``;
in the embedded default they are all the same) and walks through the month step by step.
It creates its own cohort (cadres and trainees with codes unique to the run) in existing
towns, villages and units (roster has no HTTP endpoint to create those), and asserts only
on its own records: per-trainee reads, and the town dashboard's change from a snapshot
taken before the journey began.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from journey.http import HttpError, poll, request

SERVICES = ("roster", "mentorship", "reporting", "welfare", "notifier")
ROLES = ("integrity", "business", "responsible", "practical")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PASSWORD = "journey-Passw0rd!"


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
    home: dict[int, int] = field(default_factory=dict)  # trainee id -> village id at start
    tokens: dict[str, str] = field(default_factory=dict)  # account key -> token
    reports: dict[tuple[int, str], dict] = field(default_factory=dict)
    talked: set[int] = field(default_factory=set)
    returned: int | None = None
    fees: dict[int, int] = field(default_factory=dict)  # trainee id -> fee id
    need: int | None = None
    mover: int | None = None


def id_number(rng: random.Random, birth: dt.date) -> str:
    """A well-formed 18-digit resident identity number (GB 11643 check digit)."""
    body = f"440113{birth:%Y%m%d}{rng.randrange(100, 999)}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


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


class Journey:
    def __init__(
        self,
        base_urls: dict[str, str],
        *,
        city_username: str = "city",
        city_password: str = "demo",
        home_town_code: str = "T06",
        other_town_code: str = "T05",
        unit_code: str = "U08",
        trainees: int = 4,
        timeout: float = 30.0,
        today: dt.date | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.urls = {s: f"{base_urls[s].rstrip('/')}/api/v1/{s}" for s in SERVICES}
        self.city_login = (city_username, city_password)
        self.codes = (home_town_code, other_town_code, unit_code)
        self.size = trainees
        self.timeout = timeout
        self.today = today or dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
        self.month = f"{self.today:%Y-%m}"
        self.run = uuid.uuid4().hex[:6]
        self.rng = random.Random(self.run)
        self.log = log or (lambda _line: None)
        self.results: list[StepResult] = []
        self.c = Cohort()

    # -- plumbing ------------------------------------------------------------------------

    def call(self, service: str, method: str, path: str, body=None, token=None, **kw):
        return request(method, f"{self.urls[service]}{path}", body, token, **kw)[1]

    def get(self, service: str, path: str, token: str):
        return self.call(service, "GET", path, token=token)

    def login(self, username: str, password: str) -> str:
        body = {"grant_type": "password", "username": username, "password": password}
        return self.call("roster", "POST", "/auth/token", body)["access_token"]

    def account(self, role: str, scope_id: int | None, key: str) -> str:
        """An account of ``role`` for ``scope_id``, made by the city; its token."""
        if key not in self.c.tokens:
            username = f"j{self.run}-{key}"
            body = {"username": username, "role": role, "password": PASSWORD}
            if scope_id is not None:
                body["scope_id"] = scope_id
            self.call("roster", "POST", "/accounts", body, self.city)
            self.c.tokens[key] = self.login(username, PASSWORD)
        return self.c.tokens[key]

    def wait(self, what: str, probe):
        return poll(what, probe, timeout=self.timeout)

    def items(self, service: str, path: str, token: str) -> list[dict]:
        sep = "&" if "?" in path else "?"
        return self.get(service, f"{path}{sep}per_page=200", token)["items"]

    # -- running -------------------------------------------------------------------------

    def steps(self) -> list[tuple[str, Callable[[], str]]]:
        return [
            ("city signs in, finds the town, villages and unit", self.step_setup),
            ("import cadres (XLSX)", self.step_import_people),
            ("import trainees placed in villages (XLSX)", self.step_import_trainees),
            ("fill mentor gaps for the town and unit", self.step_fill_gaps),
            ("assign remaining gaps by hand; coverage complete", self.step_assign_by_hand),
            ("mentors record talks (one trainee has none)", self.step_talks),
            ("the month is open; trainees owe their forms", self.step_open_month),
            ("trainees submit forms (mentoring pre-filled)", self.step_submit),
            ("town returns one with a reason; trainee resubmits", self.step_return),
            ("town and unit approve every form", self.step_approve),
            ("placement fees created and paid", self.step_fees),
            ("a housing need: raised, assigned, resolved, confirmed", self.step_need),
            ("a trainee moves town: mentors change, no second fee", self.step_move),
            ("town dashboard shows exactly the journey's counts", self.step_dashboard),
            ("trainee inbox holds the expected notifications", self.step_inbox),
        ]

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

    # -- the steps -----------------------------------------------------------------------

    def step_setup(self) -> str:
        self.city = self.login(*self.city_login)
        home, other, unit = self.codes
        towns = {t["code"]: t for t in self.items("roster", "/towns", self.city)}
        units = {u["code"]: u for u in self.items("roster", "/units", self.city)}
        self.town, self.other_town, self.unit = towns[home], towns[other], units[unit]
        self.villages = self.items("roster", f"/villages?town_id={self.town['id']}", self.city)
        self.other_villages = self.items(
            "roster", f"/villages?town_id={self.other_town['id']}", self.city
        )
        assert len(self.villages) >= 2 and self.other_villages, "villages missing"
        assert {v["town_id"] for v in self.villages} == {self.town["id"]}, "town filter ignored"
        self.settle()
        self.baseline = self.dashboard()
        return (
            f"town {self.town['name']} ({home}), unit {self.unit['name']} ({unit}), run {self.run}"
        )

    def _person_row(self, key: str, kind: str, title: str, unit="", town="", village=""):
        birth = dt.date(1975 + self.rng.randrange(15), 1 + self.rng.randrange(12), 10)
        name = f"旅程{self.run[:3]}{key}"
        phone = f"139{self.rng.randrange(10**7, 10**8)}"
        return [name, "男", id_number(self.rng, birth), phone, kind, title, unit, town, village]

    def step_import_people(self) -> str:
        unit = self.unit["code"]
        # Only unit cadres: the town's deputy secretary and each village's secretary are the
        # demo's, the only eligible persons, so gap filling takes those seats in one action;
        # the unit's leadership and middle cadres are several, so those seats are by hand.
        rows = [
            ("leader", "领导班子成员", "副局长", unit, "", ""),
            ("cadre0", "中层干部", "科长", unit, "", ""),
            ("cadre1", "中层干部", "副科长", unit, "", ""),
        ]
        headers = [
            "姓名",
            "性别",
            "身份证号",
            "手机号",
            "职务类别",
            "职务",
            "单位编码",
            "镇编码",
            "村编码",
        ]
        sheet = xlsx(headers, [self._person_row(k, *rest) for k, *rest in rows])
        body = self.call(
            "roster", "POST", "/imports/people", token=self.city, raw=sheet, content_type=XLSX
        )
        assert body["imported"] == len(rows) and not body["errors"], body
        self.c.people = dict(zip([r[0] for r in rows], body["ids"], strict=True))
        return f"{body['imported']} cadres imported, ids {body['ids']}"

    def step_import_trainees(self) -> str:
        start = self.today.replace(day=1) + dt.timedelta(days=1)
        headers = [
            "姓名",
            "性别",
            "出生日期",
            "身份证号",
            "手机号",
            "学历",
            "届别",
            "单位编码",
            "村编码",
            "派驻日期",
        ]
        rows, keys = [], []
        for i in range(self.size):
            birth = dt.date(1999, 1 + i, 1 + i)
            village = self.villages[i % 2]
            keys.append((f"t{i}", village["id"]))
            rows.append(
                [
                    f"学员{self.run[:3]}{i}",
                    "女" if i % 2 else "男",
                    birth.isoformat(),
                    id_number(self.rng, birth),
                    f"137{self.rng.randrange(10**7, 10**8)}",
                    "硕士研究生",
                    self.today.year,
                    self.unit["code"],
                    village["code"],
                    start.isoformat(),
                ]
            )
        sheet = xlsx(headers, rows)
        body = self.call(
            "roster", "POST", "/imports/trainees", token=self.city, raw=sheet, content_type=XLSX
        )
        assert body["imported"] == self.size and not body["errors"], body
        for (key, village), tid in zip(keys, body["ids"], strict=True):
            self.c.trainees[key] = tid
            self.c.home[tid] = village
        mine = self.items("roster", f"/trainees?town_id={self.town['id']}", self.city)
        placed = {t["id"] for t in mine} & set(body["ids"])
        assert placed == set(body["ids"]), f"placed in town: {placed}"
        return f"{self.size} trainees imported and placed, ids {body['ids']}"

    def mentors(self, tid: int) -> dict[str, dict]:
        seats = self.get("mentorship", f"/trainees/{tid}/mentors", self.city)["mentors"]
        return {m["role"]: m for m in seats if m["active"]}

    def step_fill_gaps(self) -> str:
        ids = list(self.c.trainees.values())
        # mentorship learns of the trainees and cadres by events: wait for its projection
        self.wait(
            "mentorship to know the new trainees",
            lambda: all(
                request(
                    "GET",
                    f"{self.urls['mentorship']}/trainees/{t}/mentors",
                    token=self.city,
                    expect=None,
                )[0]
                == 200
                for t in ids
            ),
        )
        body = self.call(
            "mentorship",
            "POST",
            "/gaps/fill",
            {"town_id": self.town["id"], "unit_id": self.unit["id"]},
            self.city,
        )
        self.fill_answer = body
        filled = [f for f in body["filled"] if f["trainee_id"] in ids]
        held = sum(len(self.mentors(t)) for t in ids)
        assert held == len(filled), f"filled {len(filled)}, held {held}: {body}"
        self.filled_by_gap_fill = held
        return f"{held} of {4 * len(ids)} seats filled in one action"

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
            body = {
                "trainee_id": tid,
                "mentor_id": mentor,
                "role": role,
                "start_date": self.today.isoformat(),
            }
            self.call("mentorship", "POST", "/assignments", body, self.city)
            count += 1
        return count

    def step_assign_by_hand(self) -> str:
        ours = {"integrity": ["leader"], "business": ["cadre0", "cadre1"]}
        by_hand = 0
        for n, tid in enumerate(self.c.trainees.values()):
            by_hand += self.assign_missing(tid, ours, n)
        self.assigned_by_hand = by_hand
        for tid in self.c.trainees.values():
            held = self.mentors(tid)
            assert set(held) == set(ROLES), f"trainee {tid} seats {sorted(held)}"
        coverage = self.get(
            "mentorship",
            f"/coverage?town_id={self.town['id']}&unit_id={self.unit['id']}",
            self.city,
        )
        self.coverage = coverage
        return f"{by_hand} seats by hand; all {len(self.c.trainees)} trainees have 4 mentors"

    def mentor_token(self, person_id: int) -> str:
        return self.account("mentor", person_id, f"m{person_id}")

    def step_talks(self) -> str:
        ids = list(self.c.trainees.values())
        silent = ids[-1]
        for tid in ids[:-1]:
            seat = self.mentors(tid)["practical"]
            token = self.mentor_token(seat["mentor_id"])
            body = {
                "trainee_id": tid,
                "role": "practical",
                "mode": "in_person",
                "talk_date": self.today.isoformat(),
                "aspects": ["political", "practice"],
                "summary": "谈心谈话：本月驻村工作情况与下月计划。",
            }
            self.call("mentorship", "POST", "/talks", body, token)
            self.c.talked.add(tid)
        self.silent = silent
        talks = self.items("mentorship", "/talks", self.city)
        recorded = {t["trainee_id"] for t in talks if t["trainee_id"] in ids}
        assert recorded == self.c.talked, f"talks for {recorded}, expected {self.c.talked}"
        return f"{len(self.c.talked)} talks; trainee {silent} has none"

    def drill(self, tid: int, token: str | None = None) -> dict:
        return self.get(
            "reporting", f"/dashboard/trainees/{tid}?month={self.month}", token or self.city
        )

    def step_open_month(self) -> str:
        status, body = request(
            "POST",
            f"{self.urls['reporting']}/periods",
            {"code": self.month},
            self.city,
            expect=(200, 201, 409),
        )
        period = self.get("reporting", f"/periods/{self.month}", self.city)
        for tid in self.c.trainees.values():
            self.wait(
                f"trainee {tid}'s obligations for {self.month}",
                lambda tid=tid: (
                    {f["kind"] for f in self.drill(tid)["forms"]} >= {"effectiveness", "mentoring"}
                ),
            )
        how = "opened now" if status in (200, 201) else "already open (tick)"
        return f"{self.month} {how}, deadline {period['deadline']}"

    def trainee_token(self, tid: int) -> str:
        return self.account("trainee", tid, f"t{tid}")

    def step_submit(self) -> str:
        for tid in self.c.trainees.values():
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
                body = {"period": self.month, "kind": kind, "content": content, "submit": True}
                report = self.call("reporting", "POST", "/reports", body, token)
                assert report["status"] == "submitted", report
                self.c.reports[(tid, kind)] = report
            talks = self.c.reports[(tid, "mentoring")]["content"].get("talks", [])
            expected = 1 if tid in self.c.talked else 0
            assert len(talks) == expected, f"trainee {tid} mentoring form talks {talks}"
        return f"{len(self.c.reports)} forms submitted; mentoring forms carry their talks"

    def town_token(self) -> str:
        return self.account("town", self.town["id"], "town")

    def unit_token(self) -> str:
        return self.account("unit", self.unit["id"], "unit")

    def step_return(self) -> str:
        tid = next(iter(self.c.trainees.values()))
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
            "reporting",
            "PATCH",
            f"/reports/{report['id']}",
            {"content": content, "version": returned["version"]},
            token,
        )
        again = self.call(
            "reporting",
            "POST",
            f"/reports/{report['id']}/submit",
            {"version": edited["version"]},
            token,
        )
        assert again["status"] == "submitted", again
        self.c.reports[(tid, "effectiveness")] = again
        self.c.returned = tid
        return f"report {report['id']} of trainee {tid} returned and resubmitted"

    def step_approve(self) -> str:
        town, unit = self.town_token(), self.unit_token()
        for key, report in list(self.c.reports.items()):
            current = self.get("reporting", f"/reports/{report['id']}", town)
            for token in (town, unit):
                current = self.call(
                    "reporting",
                    "POST",
                    f"/reports/{report['id']}/approve",
                    {"version": current["version"]},
                    token,
                )
            assert current["status"] == "approved", current
            self.c.reports[key] = current
        return f"{len(self.c.reports)} forms approved by town then unit"

    def step_fees(self) -> str:
        for tid in self.c.trainees.values():
            fees = self.wait(
                f"placement fee of trainee {tid}",
                lambda tid=tid: self.items(
                    "welfare", f"/placement-fees?trainee_id={tid}", self.city
                ),
            )
            assert len(fees) == 1, fees
            fee = fees[0]
            paid = self.call(
                "welfare",
                "POST",
                f"/placement-fees/{fee['id']}/pay",
                {"paid_on": self.today.isoformat(), "payment_ref": f"J{self.run}-{tid}"},
                self.city,
            )
            self.c.fees[tid] = paid["id"]
            self.fee_amount = paid["amount_fen"]
        return f"{len(self.c.fees)} placement fees paid ({self.fee_amount} fen each)"

    def step_need(self) -> str:
        tid = list(self.c.trainees.values())[1]
        token = self.trainee_token(tid)
        need = self.call(
            "welfare",
            "POST",
            "/needs",
            {
                "category": "housing",
                "title": "周转房漏水",
                "description": "宿舍屋顶漏水，需要维修。",
            },
            token,
        )
        self.c.need = need["id"]
        self.call(
            "welfare",
            "POST",
            f"/needs/{need['id']}/assign",
            {"handler_role": "town", "handler_scope_id": self.town["id"]},
            self.city,
        )
        town = self.town_token()
        resolved = self.call(
            "welfare",
            "POST",
            f"/needs/{need['id']}/resolve",
            {"resolution": "已安排维修屋顶。"},
            town,
        )
        assert resolved["status"] == "resolved", resolved
        confirmed = self.call("welfare", "POST", f"/needs/{need['id']}/confirm", None, token)
        self.need_trainee = tid
        assert (confirmed["handler_role"], confirmed["handler_scope_id"]) == (
            "town",
            self.town["id"],
        ), confirmed
        actions = [(h["action"], h["by_role"]) for h in confirmed["history"]]
        assert actions == [
            ("raised", "trainee"),
            ("assigned", "city"),
            ("resolved", "town"),
            ("confirmed", "trainee"),
        ], actions
        assert confirmed["status"] == "closed", confirmed
        return f"need {need['id']}: {' -> '.join(a for a, _ in actions)} ({confirmed['status']})"

    def step_move(self) -> str:
        tid = list(self.c.trainees.values())[2]
        before = self.mentors(tid)
        village = self.other_villages[0]
        self.call(
            "roster",
            "POST",
            f"/trainees/{tid}/placements",
            {"village_id": village["id"], "start_date": self.today.isoformat()},
            self.city,
        )
        self.c.mover = tid

        def moved():
            seats = self.mentors(tid)
            gone = [
                r
                for r in ("responsible", "practical")
                if r not in seats or seats[r]["mentor_id"] != before[r]["mentor_id"]
            ]
            return seats if len(gone) == 2 else None

        self.wait(f"trainee {tid}'s town mentors to be released", moved)
        fill = self.call(
            "mentorship", "POST", "/gaps/fill", {"town_id": self.other_town["id"]}, self.city
        )
        by_fill = [f for f in fill["filled"] if f["trainee_id"] == tid]
        by_hand = self.assign_missing(tid, {})
        after = self.mentors(tid)
        assert set(after) == set(ROLES), after
        for role in ("integrity", "business"):
            assert after[role]["mentor_id"] == before[role]["mentor_id"], role
        for role in ("responsible", "practical"):
            assert after[role]["mentor_id"] != before[role]["mentor_id"], role
        # welfare has no read of its trainee projection; the drill-down of reporting (fed by
        # the same roster event) tells that the move has been announced and applied
        self.wait(
            f"reporting to see trainee {tid} in {self.other_town['name']}",
            lambda: self.drill(tid)["town_id"] == self.other_town["id"],
        )
        fees = self.items("welfare", f"/placement-fees?trainee_id={tid}", self.city)
        assert len(fees) == 1, f"placement fees after the move: {fees}"
        return (
            f"trainee {tid} moved to {village['name']}; responsible and practical seats "
            f"re-filled ({2 - len(by_fill) - by_hand} by mentorship on the move, "
            f"{len(by_fill)} by gap fill, {by_hand} by hand); "
            f"still one fee"
        )

    def settle(self) -> None:
        """Wait until the events already in flight (the demo city's, in the embedded default)
        have been applied, so the dashboard snapshot the journey compares against is final:
        every outbox backlog is 0 and the consumed-events counters stop moving for three
        reads in a row (``/metrics``). Skipped where the base URL serves no such metrics."""
        base = self.urls["roster"].rsplit("/api/v1/", 1)[0]
        readings: list[float] = []

        def quiet():
            status, text = request("GET", f"{base}/metrics", expect=None)
            if status != 200 or not isinstance(text, str):
                return True
            backlog = consumed = 0.0
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
        """What the journey added to its town's dashboard: every trainee still there owes
        two forms, approved on time (the returned one too, once resubmitted), has four
        mentors, a paid placement fee; all but the silent one had a talk; one need was
        resolved. The trainee who moved counts for the other town."""
        stay = [t for t in self.c.trainees.values() if t != self.c.mover]
        n, talked = len(stay), len([t for t in stay if t in self.c.talked])
        form = {"owed": n, "approved": n, "on_time": n, "late": 0, "missing": 0, "returned": 0}
        return {
            "trainees": {"owing": n, "on_time": n, "late": 0, "missing": 0, "returned": 0},
            "forms": {"effectiveness": form, "mentoring": form},
            "coverage": {"trainees": n, "covered": n},
            "talks": {"trainees": n, "with_talk": talked},
            "care": {
                "fees_paid": n,
                "fees_on_time": n,
                "needs_resolved": 1,
                "needs_on_time": 1,
                "visits": 0,
            },
        }

    def step_dashboard(self) -> str:
        expected = self.expected_change()

        def delta(now: dict, before: dict, shape: dict) -> dict:
            return {
                k: delta(now[k], before[k], v) if isinstance(v, dict) else now[k] - before[k]
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
        mover = self.drill(self.c.mover)
        assert mover["town_id"] == self.other_town["id"], mover
        silent = self.drill(self.silent)
        assert silent["talks"] == 0 and not silent["missing_roles"], silent
        n = expected["trainees"]["owing"]
        return (
            f"+{n} trainees, +{2 * n} approved forms, +{expected['talks']['with_talk']} with a talk"
        )

    def expected_inbox(self) -> dict[int, dict[str, int]]:
        """Each of our trainees' in-app notifications by event type, as the rules say:
        one per mentor assigned (the mover: two more), one per talk, the returned form, the
        placement fee paid, the need resolved. Registered after the month opened, they get
        no ``period.opened``."""
        expected = {}
        for tid in self.c.trainees.values():
            inbox = {
                "mentor.assigned": 4 + (2 if tid == self.c.mover else 0),
                "placement_fee.paid": 1,
            }
            if tid in self.c.talked:
                inbox["talk.recorded"] = 1
            if tid == self.c.returned:
                inbox["report.returned"] = 1
            if tid == self.need_trainee:
                inbox["need.resolved"] = 1
            expected[tid] = inbox
        return expected

    def step_inbox(self) -> str:
        expected = self.expected_inbox()
        seen: dict[int, dict[str, int]] = {}

        def counts(tid: int) -> dict[str, int]:
            got: dict[str, int] = {}
            for note in self.items("notifier", "/notifications", self.trainee_token(tid)):
                got[note["event_type"]] = got.get(note["event_type"], 0) + 1
            seen[tid] = got
            return got

        for tid, inbox in expected.items():
            try:
                self.wait(
                    f"trainee {tid}'s inbox",
                    lambda tid=tid, inbox=inbox: all(
                        counts(tid).get(kind, 0) >= n for kind, n in inbox.items()
                    ),
                )
            except AssertionError:
                raise AssertionError(f"trainee {tid}'s inbox {seen.get(tid)} != {inbox}") from None
            assert seen[tid] == inbox, f"trainee {tid}'s inbox {seen[tid]} != {inbox}"
        notes = self.items(
            "notifier",
            "/notifications?event_type=report.returned",
            self.trainee_token(self.c.returned),
        )
        assert "驻村天数与考勤不符" in notes[0]["body"], notes[0]
        total = sum(sum(inbox.values()) for inbox in expected.values())
        return f"{total} notifications in {len(expected)} inboxes, exactly as the rules say"


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
