"""Security worlds: each service's seeded world (``tests/worlds.py``; roster's own seed)
with objects of both halves made through the API, and the ids each half owns.

Half A: town 1, unit 1, trainees 1 and 3, mentor 105 (practical mentor of trainee 1).
Half B: town 2, unit 2, trainee 2, mentor 108 (practical mentor of trainee 2).
A token of one half must never read, list, export or change an object of the other.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field

import pytest

from shared.clock import city_today
from tests.conftest import make_token, migrated
from tests.evidence_files import photo
from tests.worlds import build_world

API = "/api/v1"
TODAY = city_today("Asia/Shanghai")
MONTH = f"{TODAY:%Y-%m}"
LAST_MONTH = f"{TODAY.replace(day=1) - dt.timedelta(days=1):%Y-%m}"


def bearer(role: str, scope: int | None = None) -> dict:
    """A token for the whole run: ``make security`` lasts longer than make_token's ten
    minutes (an expired module-level token failed every later suite with 401)."""
    return {"Authorization": f"Bearer {make_token(role, scope, ttl_seconds=6 * 3600)}"}


@dataclass
class SecurityWorld:
    """A service's app with both halves seeded, and what each half owns."""

    service: str
    app: object
    db: object
    # tokens of each half: {"A": {"town": headers, ...}, "B": {...}}
    tokens: dict
    # the scope ids behind the tokens: {"A": {"town": 1, ...}, ...}
    scopes: dict
    # ids each half owns, per resource (the first path segment): owned["needs"]["B"]
    owned: dict = field(default_factory=lambda: defaultdict(lambda: {"A": set(), "B": set()}))
    # text that only an object of a half carries (a trainee's name): never in the other's
    markers: dict = field(default_factory=dict)
    # path parameters that are not ids (codes, days, kinds, years) and values to use
    literals: dict = field(default_factory=dict)
    base: object = None

    @property
    def tokens_scope(self) -> dict:
        return self.scopes

    @property
    def client(self):
        return self.app.test_client()

    def call(self, method: str, path: str, headers: dict, body=None, expect=(200, 201)):
        response = self.client.open(
            f"{API}/{self.service}{path}", method=method, json=body, headers=headers
        )
        assert response.status_code in expect, (method, path, response.get_data(as_text=True))
        return response.get_json()

    def upload(self, path: str, headers: dict, half: str) -> dict:
        """Attach a photo as evidence at ``path`` (multipart); ``half`` owns it."""
        response = self.client.post(
            f"{API}/{self.service}{path}",
            data={"file": (io.BytesIO(photo()), f"佐证{half}.jpg")},
            content_type="multipart/form-data",
            headers=headers,
        )
        assert response.status_code == 201, (path, response.get_data(as_text=True))
        evidence = response.get_json()
        self.own("evidence", half, evidence["id"])
        return evidence

    def own(self, resource: str, half: str, *ids) -> None:
        self.owned[resource][half].update(int(i) for i in ids)


CITY = bearer("city")
HALVES = {
    "A": {"town": 1, "unit": 1, "mentor": 105, "trainee": 1},
    "B": {"town": 2, "unit": 2, "mentor": 108, "trainee": 2},
}
TRAINEES = {"A": (1, 3), "B": (2,)}
TOWNS = {"A": 1, "B": 2}
UNITS = {"A": 1, "B": 2}
MENTORS = {"A": 105, "B": 108}
VILLAGES = {"A": (11, 12), "B": (21,)}
NAMES = {"A": ("甲方学员壹", "甲方学员叁"), "B": ("乙方学员贰",)}


def _tokens(ids: dict | None = None) -> dict:
    halves = ids or HALVES
    return {
        half: {role: bearer(role, scope) for role, scope in scopes.items()}
        for half, scopes in halves.items()
    }


def _base(service: str, url: str, **config):
    # Distinctive trainee names: they must never show up in the other half's answers.
    names = {
        trainee_id: name
        for half, ids in TRAINEES.items()
        for trainee_id, name in zip(ids, NAMES[half], strict=True)
    }
    return build_world(service, url, names=names, **config)


def _halves_common(sw: SecurityWorld) -> None:
    for half in ("A", "B"):
        sw.own("trainees", half, *TRAINEES[half])
        sw.own("towns", half, TOWNS[half])
        sw.own("units", half, UNITS[half])
        sw.own("villages", half, *VILLAGES[half])
        sw.markers[half] = NAMES[half]


# -- mentorship ---------------------------------------------------------------------------


def seed_mentorship(url: str) -> SecurityWorld:
    world = _base("mentorship", url)
    sw = SecurityWorld("mentorship", world.app, world.db, _tokens(), HALVES, base=world)
    _halves_common(sw)
    day = (TODAY - dt.timedelta(days=1)).isoformat()
    project = sw.call("POST", "/projects", CITY, {"name": "百千万工程", "category": "key"})
    for half in ("A", "B"):
        trainee, mentor, unit, town = TRAINEES[half][0], MENTORS[half], UNITS[half], TOWNS[half]
        leader = 101 if half == "A" else 109
        for mentor_id, role in ((mentor, "practical"), (leader, "integrity")):
            a = sw.call(
                "POST",
                "/assignments",
                CITY,
                {
                    "trainee_id": trainee,
                    "mentor_id": mentor_id,
                    "role": role,
                    "start_date": "2026-01-01",
                },
            )
            sw.own("assignments", half, a["id"])
        talk = sw.call(
            "POST",
            "/talks",
            bearer("mentor", mentor),
            {
                "trainee_id": trainee,
                "talk_date": day,
                "mode": "in_person",
                "aspects": ["political", "care"],
                "summary": f"谈心{NAMES[half][0]}",
                "follow_ups": [{"action": "跟进", "due_date": TODAY.isoformat()}],
            },
        )
        sw.own("talks", half, talk["id"])
        sw.upload(f"/talks/{talk['id']}/evidence", bearer("mentor", mentor), half)
        sw.own("follow-ups", half, *(f["id"] for f in talk.get("follow_ups", [])))
        part = sw.call(
            "POST", f"/projects/{project['id']}/participants", CITY, {"trainee_id": trainee}
        )
        sw.own("participations", half, part["id"])
        show = sw.call(
            "POST",
            "/showcases",
            bearer("town", town),
            {"trainee_id": trainee, "title": f"风采{half}", "story": "故事"},
            expect=(201,),
        )
        sw.own("showcases", half, show["id"])
        event = sw.call(
            "POST",
            "/training-events",
            CITY,
            {
                "title": f"培训{half}",
                "kind": "training",
                "date": day,
                "hours": 2,
                "invite": {"town_ids": [town], "unit_ids": [unit]},
            },
        )
        sw.own("training-events", half, event["id"])
        sw.call(
            "POST",
            f"/training-events/{event['id']}/attendance",
            CITY,
            {"trainee_ids": [trainee], "attended": True},
        )
    # Projects are the city's key work, listed for everyone; their participants are not.
    sw.literals["projects"] = project["id"]
    sw.literals["role"] = "practical"  # a mentor role's duties: the city's, read by all
    return sw


# -- welfare --------------------------------------------------------------------------------


def seed_welfare(url: str) -> SecurityWorld:
    world = _base("welfare", url)
    sw = SecurityWorld("welfare", world.app, world.db, _tokens(), HALVES, base=world)
    _halves_common(sw)
    sw.call(
        "POST",
        "/policies",
        CITY,
        {
            "effective_from": "2025-01-01",
            "monthly_amount_fen": 100_000,
            "placement_fee_fen": 300_000,
        },
    )
    campaign = sw.call(
        "POST",
        "/campaigns",
        CITY,
        {
            "name": "春节走访",
            "organisers": "组织部",
            "starts_on": (TODAY - dt.timedelta(days=10)).isoformat(),
            "ends_on": (TODAY + dt.timedelta(days=10)).isoformat(),
        },
    )
    sw.literals["campaigns"] = campaign["id"]
    sw.call("POST", "/subsidies/generate", CITY, {"month": LAST_MONTH})
    for half in ("A", "B"):
        trainee, town = TRAINEES[half][0], TOWNS[half]
        need = sw.call(
            "POST",
            "/needs",
            bearer("trainee", trainee),
            {"category": "life", "title": f"需求{NAMES[half][0]}"},
            expect=(201,),
        )
        sw.own("needs", half, need["id"])
        house = sw.call(
            "POST",
            "/housing",
            bearer("town", town),
            {"address": f"{half}镇周转房", "beds": 2, "rooms": 1, "source": "new_build"},
            expect=(201,),
        )
        spare = sw.call(
            "POST",
            "/housing",
            bearer("town", town),
            {"address": f"{half}镇空房", "beds": 1, "rooms": 1, "source": "new_build"},
            expect=(201,),
        )
        sw.own("housing", half, house["id"], spare["id"])
        alloc = sw.call(
            "POST",
            f"/housing/{house['id']}/allocations",
            bearer("town", town),
            {"trainee_id": trainee, "start_date": "2026-01-01"},
            expect=(201,),
        )
        sw.own("allocations", half, alloc["id"])
        conv = sw.call(
            "POST",
            "/conversions",
            bearer("town", town),
            {"address": f"{half}旧房", "status": "planned"},
            expect=(201,),
        )
        sw.own("conversions", half, conv["id"])
        visit = sw.call(
            "POST",
            f"/campaigns/{campaign['id']}/visits",
            CITY,
            {"trainee_id": trainee, "visit_date": TODAY.isoformat(), "visitor": "组织部"},
            expect=(201,),
        )
        sw.own("visits", half, visit["id"])
        sw.upload(f"/visits/{visit['id']}/evidence", bearer("town", town), half)
        sw.call(
            "PUT",
            f"/facilities/{town}/canteen",
            bearer("town", town),
            {"state": "in_progress", "started_on": "2026-01-01"},
        )
        sw.call("PUT", f"/budgets/{town}/{TODAY.year}", CITY, {"amount_fen": 1_000_000})
    # subsidies and placement fees were generated per trainee; sort them by half
    for resource, path in (("subsidies", "/subsidies"), ("placement-fees", "/placement-fees")):
        for item in sw.call("GET", f"{path}?per_page=200", CITY)["items"]:
            half = "A" if item["trainee_id"] in TRAINEES["A"] else "B"
            sw.own(resource, half, item["id"])
    sw.literals.update(kind="canteen", year=TODAY.year)
    return sw


# -- reporting ------------------------------------------------------------------------------


def seed_reporting(url: str) -> SecurityWorld:
    from services.reporting.domain import periods

    world = _base("reporting", url)
    for half in ("A", "B"):
        village = VILLAGES[half][0]
        world.assign(
            10 + TOWNS[half],
            TRAINEES[half][0],
            MENTORS[half],
            "practical",
            unit_id=UNITS[half],
            town_id=TOWNS[half],
            village_id=village,
        )
    with world.db.transaction() as s:
        periods.open_period(s, MONTH, world.config, today=TODAY)
    sw = SecurityWorld("reporting", world.app, world.db, _tokens(), HALVES, base=world)
    _halves_common(sw)
    for half in ("A", "B"):
        trainee, town, unit = TRAINEES[half][0], TOWNS[half], UNITS[half]
        report = sw.call(
            "POST",
            "/reports",
            bearer("trainee", trainee),
            {
                "period": MONTH,
                "kind": "effectiveness",
                "content": {"work_done": f"工作{NAMES[half][0]}", "days_in_village": 20},
                "submit": True,
            },
            expect=(201,),
        )
        sw.own("reports", half, report["id"])
        leader = 101 if half == "A" else 109  # the responsible mentor writes the evaluation
        world.assign(20 + town, trainee, leader, "responsible", unit, town, VILLAGES[half][0])
        evaluation = sw.call(
            "POST",
            "/evaluations",
            bearer("mentor", leader),
            {
                "trainee_id": trainee,
                "kind": "annual",
                "year": TODAY.year,
                "grade": "competent",
                "summary": f"鉴定{NAMES[half][0]}",
            },
            expect=(201,),
        )
        sw.own("evaluations", half, evaluation["id"])
        sw.call(
            "POST",
            "/mentor-ratings",
            bearer("trainee", trainee),
            {"mentor_id": MENTORS[half], "year": TODAY.year, "score": 4},
            expect=(201,),
        )
        for kind, party in (("town", town), ("unit", unit), ("trainee", trainee)):
            duty = sw.call(
                "POST",
                "/duty-items",
                CITY,
                {
                    "party_kind": kind,
                    "party_id": party,
                    "title": f"责任{half}{kind}",
                    "due_date": f"{TODAY.year}-12-31",
                    "year": TODAY.year,
                },
                expect=(201,),
            )
            sw.own("duty-items", half, duty["id"])
            sw.upload(f"/duty-items/{duty['id']}/evidence", CITY, half)
        visit = sw.call(
            "POST",
            "/supervision-visits",
            CITY,
            {
                "kind": "inspection",
                "party_kind": "town",
                "party_id": town,
                "visit_date": TODAY.isoformat(),
                "team": "督导组",
                "checked": "台账",
                "findings": [{"finding": f"问题{half}", "due_date": f"{TODAY.year}-12-31"}],
            },
            expect=(201,),
        )
        sw.own("supervision-visits", half, visit["id"])
        sw.upload(f"/supervision-visits/{visit['id']}/evidence", CITY, half)
        for item in sw.call("GET", "/rectifications?per_page=200", CITY)["items"]:
            if item.get("visit_id") == visit["id"]:
                sw.own("rectifications", half, item["id"])
                sw.upload(f"/rectifications/{item['id']}/evidence", bearer("town", town), half)
    sw.literals.update(code=MONTH, day=f"{TODAY.year}-10-01", year=TODAY.year)
    return sw


# -- notifier -------------------------------------------------------------------------------


def seed_notifier(url: str) -> SecurityWorld:
    from tests.notifier.conftest import TEST_SETTINGS, feed_accounts
    from tests.notifier.test_rules import DUE, where

    world = _base("notifier", url, **TEST_SETTINGS)
    feed_accounts(world)
    sw = SecurityWorld("notifier", world.app, world.db, _tokens(), HALVES, base=world)
    _halves_common(sw)
    for half in ("A", "B"):
        trainee = TRAINEES[half][0]
        world.feed("report.due_soon", {"trainee_id": trainee, **DUE, **where(trainee)})
        sub = sw.call(
            "POST",
            "/subscriptions",
            bearer("town", TOWNS[half]),
            {"url": f"http://127.0.0.1:9/hook{half}", "event_types": ["need.raised"]},
            expect=(201,),
        )
        sw.own("subscriptions", half, sub["id"])
    for half in ("A", "B"):
        trainee = TRAINEES[half][0]
        items = sw.call("GET", "/notifications?per_page=200", bearer("trainee", trainee))["items"]
        sw.own("notifications", half, *(n["id"] for n in items))
        # deliveries of the half's notifications (e-mail, SMS) as the city lists them
    for item in sw.call("GET", "/deliveries?per_page=200", CITY)["items"]:
        nid = item.get("notification_id")
        for half in ("A", "B"):
            if nid in sw.owned["notifications"][half]:
                sw.own("deliveries", half, item["id"])
    return sw


# -- roster ---------------------------------------------------------------------------------


def seed_roster(url: str) -> SecurityWorld:
    from services.roster.app import create_app
    from services.roster.config import Config
    from services.roster.domain.auth import PASSWORD_METHOD
    from services.roster.spec import SPEC
    from tests.roster.conftest import FAST_HASH, seed

    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(PASSWORD_METHOD, "value", FAST_HASH)
        db = migrated(SPEC, url)
        ids = seed(db)
        app = create_app(Config(DATABASE_URL=url, BROKER_URL="memory://"), db)
        halves = {
            "A": {
                "town": ids["town_a"],
                "unit": ids["unit_x"],
                "mentor": ids["cadre_a"],
                "trainee": ids["in_a"],
            },
            "B": {
                "town": ids["town_b"],
                "unit": ids["unit_y"],
                "mentor": ids["cadre_b1"],
                "trainee": ids["in_b"],
            },
        }
        sw = SecurityWorld("roster", app, db, _tokens(halves), halves)
        for half, tag, unit, extra in (
            ("A", "a", "unit_x", ("unplaced",)),
            ("B", "b", "unit_y", ()),
        ):
            sw.own("trainees", half, ids[f"in_{tag}"], *(ids[k] for k in extra))
            sw.own("towns", half, ids[f"town_{tag}"])
            sw.own("units", half, ids[unit])
            sw.own("villages", half, ids[f"village_{tag}1"], ids[f"village_{tag}2"])
            sw.markers[half] = (f"学员in_{tag}",) + (("学员unplaced",) if extra else ())
            account = sw.call(
                "POST",
                "/accounts",
                CITY,
                {
                    "username": f"town-{tag}",
                    "kind": "user",
                    "password": "a-long-password-1",
                    "role": "town",
                    "scope_id": ids[f"town_{tag}"],
                },
                expect=(201,),
            )
            sw.own("accounts", half, account["id"])
        sw.own("people", "A", ids["cadre_a"], ids["cadre_x"])
        sw.own("people", "B", ids["cadre_b1"], ids["cadre_y"])
        sw.literals["ids"] = ids
    return sw


SEEDS = {
    "roster": seed_roster,
    "mentorship": seed_mentorship,
    "reporting": seed_reporting,
    "welfare": seed_welfare,
    "notifier": seed_notifier,
}


def security_world(service: str, url: str) -> SecurityWorld:
    return SEEDS[service](url)
