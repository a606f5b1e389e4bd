"""Supervision (督导调研): the city records its visits to towns and units; each finding is a
rectification item with an owner and a time limit, open until closed once with evidence,
overdue after its time limit; a town or unit sees and closes only its own items."""

from __future__ import annotations

import csv
import datetime as dt
import io

from services.reporting.domain.common import city_today
from services.reporting.domain.supervision import figures
from services.reporting.models import Rectification, SupervisionVisit
from tests.conftest import auth
from tests.reporting.test_dashboard import API, assert_problem, count

VISITS = f"{API}/supervision-visits"
RECTS = f"{API}/rectifications"
TODAY = city_today("Asia/Shanghai")


def visit(world, findings=None, **extra) -> dict:
    body = {
        "kind": "inspection",
        "visit_date": (TODAY - dt.timedelta(days=30)).isoformat(),
        "party_kind": "town",
        "party_id": 1,
        "team": "组织部干部一科：张三、李四",
        "checked": "导师制落实、谈心谈话记录、周转房",
        "summary": "总体较好，存在问题两项",
        "findings": findings
        if findings is not None
        else [
            {"finding": "谈话记录不全", "due_date": (TODAY - dt.timedelta(days=1)).isoformat()},
            {
                "finding": "周转房热水器故障",
                "due_date": (TODAY + dt.timedelta(days=20)).isoformat(),
            },
            {
                "finding": "单位导师未按月谈话",
                "owner_kind": "unit",
                "owner_id": 1,
                "due_date": (TODAY + dt.timedelta(days=5)).isoformat(),
            },
        ],
        **extra,
    }
    response = world.client.post(VISITS, json=body, headers=auth("city"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def close(world, item_id: int, headers=None, evidence="已更换热水器，附照片"):
    return world.client.post(
        f"{RECTS}/{item_id}/close", json={"evidence": evidence}, headers=headers or auth("city")
    )


def test_each_finding_becomes_an_item_owned_by_the_party_visited_unless_named(world):
    body = visit(world)
    owners = [(r["owner_kind"], r["owner_id"], r["state"]) for r in body["rectifications"]]
    assert owners == [("town", 1, "overdue"), ("town", 1, "open"), ("unit", 1, "open")]


def test_a_town_sees_and_closes_only_its_own_items_once_with_evidence(world):
    items = visit(world)["rectifications"]
    town_items = world.client.get(RECTS, headers=auth("town", 1)).get_json()["items"]
    assert {r["id"] for r in town_items} == {items[0]["id"], items[1]["id"]}
    assert world.client.get(RECTS, headers=auth("town", 2)).get_json()["total"] == 0
    assert_problem(close(world, items[0]["id"], auth("town", 2)), 404)
    assert_problem(close(world, items[2]["id"], auth("town", 1)), 404)
    assert_problem(close(world, items[0]["id"], auth("trainee", 1)), 403)
    assert_problem(close(world, items[0]["id"], auth("town", 1), evidence=" "), 422)
    closed = close(world, items[0]["id"], auth("town", 1))
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    assert_problem(close(world, items[0]["id"], auth("town", 1)), 409)
    # The unit visited nothing itself but owns an item of the visit: it sees the visit.
    unit_visits = world.client.get(VISITS, headers=auth("unit", 1)).get_json()
    assert unit_visits["total"] == 1
    assert world.client.get(VISITS, headers=auth("unit", 2)).get_json()["total"] == 0


def test_open_and_overdue_items_per_owner_as_of_a_day(world):
    items = visit(world)["rectifications"]
    close(world, items[1]["id"])
    response = world.client.get(f"{RECTS}/figures", headers=auth("city"))
    got = {(row["owner_kind"], row["owner_id"]): row for row in response.get_json()}
    assert got[("town", 1)] | {} == {
        "owner_kind": "town",
        "owner_id": 1,
        "total": 2,
        "open": 1,
        "overdue": 1,
        "closed": 1,
        "closed_on_time": 1,
    }
    assert got[("unit", 1)]["open"] == 1 and got[("unit", 1)]["overdue"] == 0
    # Seen from the unit's time limit plus one day, its item is overdue too.
    with world.db.transaction() as s:
        later = figures(s, TODAY + dt.timedelta(days=6), "unit", 1)
    assert later[0].overdue == 1
    overdue = world.client.get(f"{RECTS}?state=overdue", headers=auth("city")).get_json()
    assert [r["id"] for r in overdue["items"]] == [items[0]["id"]]


def test_bad_visits_and_findings_are_refused_and_store_nothing(world):
    base = {
        "kind": "inspection",
        "visit_date": TODAY.isoformat(),
        "party_kind": "town",
        "party_id": 1,
        "team": "组织部",
        "checked": "台账",
    }
    bad = [
        {},
        base | {"kind": "party"},
        base | {"visit_date": (TODAY + dt.timedelta(days=1)).isoformat()},
        base | {"party_id": 99},
        base | {"team": ""},
        base
        | {"findings": [{"finding": "x", "due_date": (TODAY - dt.timedelta(days=1)).isoformat()}]},
        base
        | {
            "findings": [
                {"finding": "x", "owner_kind": "unit", "owner_id": 9, "due_date": TODAY.isoformat()}
            ]
        },
        base | {"findings": [{"finding": "", "due_date": TODAY.isoformat()}]},
        base | {"unknown": 1},
    ]
    for body in bad:
        response = world.client.post(VISITS, json=body, headers=auth("city"))
        assert 400 <= response.status_code < 500, (body, response.get_json())
    assert_problem(world.client.post(VISITS, json=base, headers=auth("town", 1)), 403)
    assert count(world, SupervisionVisit) == 0
    assert count(world, Rectification) == 0


def test_the_city_adds_a_finding_to_a_visit_later(world):
    created = visit(world, findings=[])
    response = world.client.post(
        f"{VISITS}/{created['id']}/rectifications",
        json={"finding": "五小设施未建成", "due_date": (TODAY + dt.timedelta(days=60)).isoformat()},
        headers=auth("city"),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["owner_kind"] == "town"
    assert_problem(
        world.client.post(
            f"{VISITS}/{created['id']}/rectifications",
            json={"finding": "x", "due_date": TODAY.isoformat()},
            headers=auth("town", 1),
        ),
        403,
    )


def test_rectification_items_download_as_csv_with_chinese_headers(world):
    visit(world)
    response = world.client.get(f"{RECTS}?format=csv", headers=auth("city"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "督导日期", "问题"]
    assert [row[7] for row in rows[1:]] == ["逾期未整改", "整改中", "整改中"]


def test_the_demo_has_open_overdue_and_closed_items_and_a_duty_list_with_progress(world):
    from services.reporting.demo import duties, supervision

    with world.db.transaction() as s:
        assert not supervision.is_loaded(s) and not duties.is_loaded(s)
        made = {**supervision.load(s, TODAY), **duties.load(s, TODAY)}
    assert made["visits"] == 2 and made["duty_items"] > 10 and made["progress"] > 5
    states = [r["state"] for r in world.client.get(RECTS, headers=auth("city")).get_json()["items"]]
    assert {"open", "overdue", "closed"} <= set(states)
    with world.db.transaction() as s:
        assert supervision.is_loaded(s) and duties.is_loaded(s)
