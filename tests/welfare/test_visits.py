"""Care visits (走访慰问): the city opens a campaign with a date range; the city, units and
towns record visits to trainees in their scope within those dates; coverage counts the
active trainees in the caller's scope visited at least once, and lists those not yet
visited; a visit may register a need on the trainee's behalf."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from services.welfare.domain.common import city_today
from services.welfare.models import Campaign, Need, Outbox, Visit
from tests.conftest import auth
from tests.welfare.test_housing import copy_world

API = "/api/v1/welfare/campaigns"
CITY = auth("city")
TOWN1 = auth("town", 1)
TOWN2 = auth("town", 2)
UNIT1 = auth("unit", 1)
TODAY = city_today("Asia/Shanghai")
STARTS = TODAY - dt.timedelta(days=20)
ENDS = TODAY + dt.timedelta(days=10)
DAY = (TODAY - dt.timedelta(days=2)).isoformat()


@pytest.fixture
def world(tmp_path):
    world = copy_world(tmp_path)
    yield world
    world.db.dispose()


def count(world, model) -> int:
    with world.db.transaction() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def campaign(world) -> int:
    response = world.client.post(
        API,
        json={
            "name": "2026年春节走访慰问",
            "starts_on": STARTS.isoformat(),
            "ends_on": ENDS.isoformat(),
            "organisers": "市委组织部、各用人单位",
        },
        headers=CITY,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def visit(world, campaign_id: int, trainee_id: int, headers=TOWN1, **body):
    body = {
        "trainee_id": trainee_id,
        "visitor": "市委组织部 张科长",
        "visit_date": DAY,
        "gifts": "慰问金、春联、米面油",
        **body,
    }
    return world.client.post(f"{API}/{campaign_id}/visits", json=body, headers=headers)


def test_only_the_city_opens_a_campaign_and_bad_ones_are_refused(world):
    good = {
        "name": "2026年春节走访慰问",
        "starts_on": "2026-01-20",
        "ends_on": "2026-02-20",
        "organisers": "市委组织部",
    }
    for headers in (TOWN1, UNIT1, auth("trainee", 1)):
        assert world.client.post(API, json=good, headers=headers).status_code == 403
    bad = [
        {"ends_on": "2026-01-19"},
        {"name": "  "},
        {"organisers": ""},
        {"starts_on": "2026-02-31"},
        {"budget_fen": 100},
    ]
    for change in bad:
        response = world.client.post(API, json={**good, **change}, headers=CITY)
        assert response.status_code in (400, 422), change
    assert count(world, Campaign) == 0


def test_a_town_records_a_visit_and_it_is_announced(world):
    campaign_id = campaign(world)
    response = visit(world, campaign_id, 1, notes="了解住宿和工作情况")
    assert response.status_code == 201, response.get_json()
    recorded = response.get_json()
    assert (recorded["trainee_id"], recorded["gifts"]) == (1, "慰问金、春联、米面油")
    with world.db.transaction() as session:
        [row] = session.scalars(sa.select(Outbox).where(Outbox.type == "visit.recorded"))
        payload = row.envelope["payload"]
    assert (payload["visit_id"], payload["campaign_id"], payload["town_id"]) == (
        recorded["id"],
        campaign_id,
        1,
    )


def test_a_visit_outside_the_campaign_or_in_the_future_is_refused(world):
    campaign_id = campaign(world)
    bad = [
        {"visit_date": (STARTS - dt.timedelta(days=1)).isoformat()},
        {"visit_date": (TODAY + dt.timedelta(days=1)).isoformat()},
        {"visit_date": "not a date"},
        {"visitor": ""},
        {"cash_fen": 50000},
        {"need": {"category": "money", "title": "x"}},
    ]
    for change in bad:
        response = visit(world, campaign_id, 1, **change)
        assert response.status_code in (400, 422), change
    assert visit(world, 999, 1).status_code == 404
    assert (count(world, Visit), count(world, Need)) == (0, 0)


def test_visitors_reach_only_trainees_in_their_scope(world):
    campaign_id = campaign(world)
    assert visit(world, campaign_id, 2, headers=TOWN1).status_code == 404
    assert visit(world, campaign_id, 2, headers=UNIT1).status_code == 404
    assert visit(world, campaign_id, 1, headers=auth("mentor", 105)).status_code == 403
    assert visit(world, campaign_id, 1, headers=auth("trainee", 1)).status_code == 403
    assert count(world, Visit) == 0


def test_a_visit_can_register_a_need_on_the_trainees_behalf(world):
    campaign_id = campaign(world)
    response = visit(
        world,
        campaign_id,
        1,
        needs_raised="希望解决周末回家交通问题",
        need={"category": "life", "title": "周末交通不便"},
    )
    assert response.status_code == 201, response.get_json()
    need_id = response.get_json()["need_id"]
    need = world.client.get(f"/api/v1/welfare/needs/{need_id}", headers=auth("trainee", 1))
    assert need.get_json()["raised_by_role"] == "town"
    assert need.get_json()["title"] == "周末交通不便"


def test_coverage_counts_active_trainees_in_scope_visited_at_least_once(world):
    campaign_id = campaign(world)
    world.trainee(4, 1)
    world.place(4, 1, 1, 12)
    world.trainee(5, 1)
    world.place(5, 1, 1, 12)
    world.status(5, "withdrawn", 1, TODAY)
    assert visit(world, campaign_id, 1).status_code == 201
    assert visit(world, campaign_id, 1, visitor="区财政局 李局长").status_code == 201
    city = world.client.get(f"{API}/{campaign_id}/coverage", headers=CITY).get_json()
    # Active: 1, 2, 3 and 4 (5 withdrew); visited: 1, twice, counted once.
    assert (city["active"], city["visited"], city["not_visited"], city["rate"]) == (4, 1, 3, 0.25)
    town1 = world.client.get(f"{API}/{campaign_id}/coverage", headers=TOWN1).get_json()
    assert (town1["active"], town1["visited"]) == (2, 1)
    town2 = world.client.get(f"{API}/{campaign_id}/coverage", headers=TOWN2).get_json()
    assert (town2["active"], town2["visited"], town2["rate"]) == (1, 0, 0.0)
    unit1 = world.client.get(f"{API}/{campaign_id}/not-visited", headers=UNIT1).get_json()
    assert [t["id"] for t in unit1["items"]] == [3, 4]
    city_missing = world.client.get(f"{API}/{campaign_id}/not-visited", headers=CITY).get_json()
    assert [t["id"] for t in city_missing["items"]] == [2, 3, 4]
    trainee = world.client.get(f"{API}/{campaign_id}/coverage", headers=auth("trainee", 1))
    assert trainee.status_code == 403


def test_each_caller_reads_only_the_visits_in_its_scope(world):
    campaign_id = campaign(world)
    visit(world, campaign_id, 1)
    visit(world, campaign_id, 2, headers=TOWN2)
    url = f"{API}/{campaign_id}/visits"
    assert world.client.get(url, headers=CITY).get_json()["total"] == 2
    own = world.client.get(url, headers=auth("trainee", 1)).get_json()
    assert [v["trainee_id"] for v in own["items"]] == [1]
    assert world.client.get(url, headers=TOWN2).get_json()["items"][0]["trainee_id"] == 2
    assert world.client.get(url, headers=auth("trainee", 3)).get_json()["total"] == 0
