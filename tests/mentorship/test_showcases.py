"""Showcases: a town or unit nominates a story about one of its own trainees; only the city
publishes or declines, once; each caller sees the published stories and those they are
entitled to (their own nominations, or stories about themselves)."""

from __future__ import annotations

import pytest

from services.mentorship.models import Showcase
from tests.conftest import auth
from tests.mentorship.test_talks import API, assert_problem, count

SHOWCASES = f"{API}/showcases"


def nominate(world, headers, trainee_id: int, **extra):
    body = {
        "trainee_id": trainee_id,
        "title": "驻村带货助农增收",
        "story": "组织直播带货，帮助村民销售荔枝三万斤。",
        **extra,
    }
    return world.client.post(SHOWCASES, json=body, headers=headers)


def visible(world, headers) -> set[str]:
    response = world.client.get(SHOWCASES, headers=headers)
    assert response.status_code == 200, response.get_json()
    return {item["title"] for item in response.get_json()["items"]}


def test_a_town_or_unit_nominates_a_story_about_its_own_trainee(world):
    response = nominate(world, auth("town", 1), 1)
    assert response.status_code == 201, response.get_json()
    showcase = response.get_json()
    assert (showcase["status"], showcase["nominator_role"], showcase["nominator_scope"]) == (
        "nominated",
        "town",
        1,
    )
    assert nominate(world, auth("unit", 1), 3).status_code == 201


@pytest.mark.parametrize(
    "role,scope,trainee_id,status",
    [
        ("town", 1, 2, 404),
        ("unit", 2, 1, 404),
        ("city", None, 1, 403),
        ("mentor", 105, 1, 403),
        ("trainee", 1, 1, 403),
    ],
)
def test_nobody_else_nominates(world, role, scope, trainee_id, status):
    assert_problem(nominate(world, auth(role, scope), trainee_id), status)
    assert count(world, Showcase) == 0


def test_a_nomination_tied_to_a_project_must_be_the_trainees_own(world):
    project = world.client.post(
        f"{API}/projects", json={"name": "节庆活动"}, headers=auth("city")
    ).get_json()
    other = world.client.post(
        f"{API}/projects/{project['id']}/participants", json={"trainee_id": 2}, headers=auth("city")
    ).get_json()
    own = world.client.post(
        f"{API}/projects/{project['id']}/participants", json={"trainee_id": 1}, headers=auth("city")
    ).get_json()
    problem = assert_problem(nominate(world, auth("town", 1), 1, participation_id=other["id"]), 422)
    assert "participation_id" in problem["errors"]
    assert nominate(world, auth("town", 1), 1, participation_id=own["id"]).status_code == 201


@pytest.mark.parametrize(
    "extra", [{"title": ""}, {"story": " "}, {"story": "x" * 10001}, {"status": "published"}]
)
def test_a_bad_nomination_is_a_422(world, extra):
    assert_problem(nominate(world, auth("town", 1), 1, **extra), 422)
    assert count(world, Showcase) == 0


def test_only_the_city_publishes_or_declines_and_only_once(world):
    first = nominate(world, auth("town", 1), 1).get_json()["id"]
    second = nominate(world, auth("town", 1), 1, title="第二个故事").get_json()["id"]
    for role, scope in (("town", 1), ("unit", 1), ("trainee", 1), ("mentor", 105)):
        assert_problem(
            world.client.post(f"{SHOWCASES}/{first}/publish", headers=auth(role, scope)), 403
        )
    published = world.client.post(f"{SHOWCASES}/{first}/publish", headers=auth("city"))
    assert published.status_code == 200
    assert published.get_json()["status"] == "published"
    assert published.get_json()["published_at"]
    assert_problem(world.client.post(f"{SHOWCASES}/{first}/publish", headers=auth("city")), 409)
    assert_problem(world.client.post(f"{SHOWCASES}/{first}/decline", headers=auth("city")), 409)
    declined = world.client.post(f"{SHOWCASES}/{second}/decline", headers=auth("city"))
    assert declined.get_json()["status"] == "declined"
    assert_problem(world.client.post(f"{SHOWCASES}/999/publish", headers=auth("city")), 404)


def test_each_caller_sees_the_published_stories_and_their_own(world):
    town_story = nominate(world, auth("town", 1), 1, title="镇推荐").get_json()["id"]
    unit_story = nominate(world, auth("unit", 2), 2, title="单位推荐").get_json()["id"]
    world.client.post(f"{SHOWCASES}/{town_story}/publish", headers=auth("city"))
    expected = {
        ("city", None): {"镇推荐", "单位推荐"},
        ("town", 1): {"镇推荐"},
        ("town", 2): {"镇推荐"},  # unit 2 nominated its trainee in town 2: not town 2's
        ("unit", 2): {"镇推荐", "单位推荐"},
        ("unit", 1): {"镇推荐"},
        ("trainee", 2): {"镇推荐", "单位推荐"},
        ("trainee", 1): {"镇推荐"},
        ("mentor", 105): {"镇推荐"},
    }
    for (role, scope), titles in expected.items():
        headers = auth(role, scope)
        assert visible(world, headers) == titles, (role, scope)
        response = world.client.get(f"{SHOWCASES}/{unit_story}", headers=headers)
        assert response.status_code == (200 if "单位推荐" in titles else 404), (role, scope)
    published = world.client.get(f"{SHOWCASES}?status=published", headers=auth("city"))
    assert [s["title"] for s in published.get_json()["items"]] == ["镇推荐"]
