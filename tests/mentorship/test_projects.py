"""Key projects: the city keeps the catalogue; the city, a town or a unit enrols a trainee
of its own once (announced as ``project.joined``) and records the results."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.mentorship.models import Outbox, Participation, Project
from tests.conftest import auth
from tests.mentorship.test_talks import API, TODAY, assert_problem, count

PROJECTS = f"{API}/projects"


def new_project(world, name: str = "百千万工程", **extra) -> dict:
    response = world.client.post(
        PROJECTS, json={"name": name, "category": "中心工作", **extra}, headers=auth("city")
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def join(world, project_id: int, trainee_id: int, headers, **extra):
    body = {
        "trainee_id": trainee_id,
        "role": "联络员",
        "results": "",
        "start_date": TODAY.isoformat(),
        **extra,
    }
    return world.client.post(f"{PROJECTS}/{project_id}/participants", json=body, headers=headers)


def joined_events(world) -> list[dict]:
    with world.db.transaction() as s:
        return [
            row.envelope["payload"]
            for row in s.scalars(sa.select(Outbox).where(Outbox.type == "project.joined"))
        ]


def test_only_the_city_adds_to_the_catalogue_and_names_are_unique(world):
    project = new_project(world, description="乡村振兴")
    assert (project["name"], project["active"]) == ("百千万工程", True)
    for role, scope in (("town", 1), ("unit", 1), ("mentor", 105), ("trainee", 1)):
        response = world.client.post(
            PROJECTS, json={"name": "区域品牌创建"}, headers=auth(role, scope)
        )
        assert_problem(response, 403)
    assert_problem(
        world.client.post(PROJECTS, json={"name": "百千万工程"}, headers=auth("city")), 409
    )
    for body in ({"name": ""}, {"name": "x" * 201}, {"name": "节庆活动", "budget": 1}):
        assert_problem(world.client.post(PROJECTS, json=body, headers=auth("city")), 422)
    assert count(world, Project) == 1
    listing = world.client.get(f"{PROJECTS}?q=百千万", headers=auth("trainee", 1)).get_json()
    assert [p["name"] for p in listing["items"]] == ["百千万工程"]


def test_a_trainee_joins_a_project_once_and_it_is_announced(world):
    project = new_project(world)
    response = join(world, project["id"], 1, auth("town", 1))
    assert response.status_code == 201, response.get_json()
    participation = response.get_json()
    assert (participation["project_name"], participation["role"]) == ("百千万工程", "联络员")
    assert joined_events(world) == [
        {
            "participation_id": participation["id"],
            "project_id": project["id"],
            "project_name": "百千万工程",
            "trainee_id": 1,
            "role": "联络员",
            "start_date": TODAY.isoformat(),
        }
    ]
    assert_problem(join(world, project["id"], 1, auth("city")), 409)
    assert count(world, Participation) == 1
    assert len(joined_events(world)) == 1


@pytest.mark.parametrize(
    "role,scope,trainee_id,status",
    [
        ("town", 1, 2, 404),  # another town's trainee
        ("unit", 2, 1, 404),  # another unit's trainee
        ("city", None, 999, 404),
        ("mentor", 105, 1, 403),
        ("trainee", 1, 1, 403),
    ],
)
def test_only_a_trainee_in_the_callers_scope_is_enrolled(world, role, scope, trainee_id, status):
    project = new_project(world)
    assert_problem(join(world, project["id"], trainee_id, auth(role, scope)), status)
    assert count(world, Participation) == 0
    assert joined_events(world) == []


def test_a_bad_participation_is_a_422(world):
    project = new_project(world)
    for extra in ({"role": "x" * 101}, {"start_date": "tomorrow"}, {"points": 3}):
        assert_problem(join(world, project["id"], 1, auth("city"), **extra), 422)
    assert_problem(join(world, 999, 1, auth("city")), 404)
    assert count(world, Participation) == 0


def test_results_are_updated_and_each_trainees_projects_are_listed(world):
    first = new_project(world)
    second = new_project(world, "区域品牌创建")
    join(world, first["id"], 1, auth("town", 1))
    join(world, second["id"], 1, auth("unit", 1))
    url = f"{PROJECTS}/{first['id']}/participants/1"
    response = world.client.patch(url, json={"results": "完成200户走访"}, headers=auth("town", 1))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["results"] == "完成200户走访"
    assert_problem(world.client.patch(url, json={"results": "x"}, headers=auth("town", 2)), 404)
    assert_problem(
        world.client.patch(url, json={"end_date": "2001-01-01"}, headers=auth("city")), 422
    )
    assert_problem(
        world.client.patch(
            f"{PROJECTS}/{second['id']}/participants/2", json={"results": "x"}, headers=auth("city")
        ),
        404,
    )
    mine = world.client.get(f"{API}/trainees/1/projects", headers=auth("trainee", 1)).get_json()
    assert [(p["project_name"], p["results"]) for p in mine] == [
        ("百千万工程", "完成200户走访"),
        ("区域品牌创建", ""),
    ]
    assert_problem(world.client.get(f"{API}/trainees/1/projects", headers=auth("trainee", 2)), 404)
    participants = world.client.get(
        f"{PROJECTS}/{first['id']}/participants", headers=auth("town", 2)
    ).get_json()
    assert participants["total"] == 0
    participants = world.client.get(
        f"{PROJECTS}/{first['id']}/participants", headers=auth("unit", 1)
    ).get_json()
    assert [p["trainee_id"] for p in participants["items"]] == [1]


def test_the_city_renames_and_closes_a_project_and_a_closed_one_takes_no_one(world):
    project = new_project(world)
    new_project(world, "区域品牌创建")
    url = f"{PROJECTS}/{project['id']}"
    for role, scope in (("town", 1), ("unit", 1), ("trainee", 1)):
        assert_problem(
            world.client.patch(url, json={"active": False}, headers=auth(role, scope)), 403
        )
    assert_problem(
        world.client.patch(url, json={"name": "区域品牌创建"}, headers=auth("city")), 409
    )
    for body in ({"name": ""}, {"active": "maybe"}, {"budget": 1}):
        assert_problem(world.client.patch(url, json=body, headers=auth("city")), 422)
    assert world.client.get(url, headers=auth("city")).get_json()["name"] == "百千万工程"
    response = world.client.patch(
        url, json={"name": "百千万工程（一期）", "active": False}, headers=auth("city")
    )
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["name"], response.get_json()["active"]) == (
        "百千万工程（一期）",
        False,
    )
    assert_problem(join(world, project["id"], 1, auth("town", 1)), 422)
    assert count(world, Participation) == 0
    assert_problem(world.client.patch(f"{PROJECTS}/999", json={}, headers=auth("city")), 404)


def test_a_participation_is_read_and_changed_by_its_own_id_within_scope(world):
    project = new_project(world)
    participation = join(world, project["id"], 1, auth("town", 1)).get_json()
    url = f"{API}/participations/{participation['id']}"
    mine = world.client.get(url, headers=auth("unit", 1))
    assert mine.status_code == 200 and mine.get_json()["project_name"] == "百千万工程"
    assert_problem(world.client.get(url, headers=auth("town", 2)), 404)
    assert_problem(world.client.patch(url, json={"role": "x"}, headers=auth("town", 2)), 404)
    assert_problem(world.client.patch(url, json={"role": "x"}, headers=auth("trainee", 1)), 403)
    backwards = {"start_date": TODAY.isoformat(), "end_date": "2001-01-01"}
    assert_problem(world.client.patch(url, json=backwards, headers=auth("town", 1)), 422)
    response = world.client.patch(url, json={"role": "组长"}, headers=auth("town", 1))
    assert response.status_code == 200 and response.get_json()["role"] == "组长"
    assert_problem(world.client.get(f"{API}/participations/999", headers=auth("city")), 404)
