"""The in-app inbox: a person sees only their own notifications, counts the unread and
marks them read."""

from __future__ import annotations

from tests.conftest import auth
from tests.notifier.test_rules import DUE, where

API = "/api/v1/notifier/notifications"
TRAINEE_1, TRAINEE_2 = auth("trainee", 1), auth("trainee", 2)


def two_for_trainee_1_and_one_for_trainee_2(world):
    world.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    world.feed("report.due_soon", {"trainee_id": 1, **{**DUE, "kind": "mentoring"}, **where(1)})
    world.feed("report.due_soon", {"trainee_id": 2, **DUE, **where(2)})


def test_a_trainee_sees_only_their_own_notifications_newest_first(world):
    two_for_trainee_1_and_one_for_trainee_2(world)
    page = world.client.get(API, headers=TRAINEE_1).get_json()
    assert page["total"] == 2
    assert [n["subject"][:8] for n in page["items"]] == ["导师制落实情况（", "基层锻炼工作成效"]
    assert world.client.get(API, headers=TRAINEE_2).get_json()["total"] == 1
    assert world.client.get(API, headers=auth("town", 1)).get_json()["total"] == 0


def test_another_persons_notification_is_not_found_and_cannot_be_marked(world):
    two_for_trainee_1_and_one_for_trainee_2(world)
    theirs = world.client.get(API, headers=TRAINEE_2).get_json()["items"][0]["id"]
    assert world.client.get(f"{API}/{theirs}", headers=TRAINEE_1).status_code == 404
    assert world.client.post(f"{API}/{theirs}/read", headers=TRAINEE_1).status_code == 404
    assert world.client.get(f"{API}/unread-count", headers=TRAINEE_2).get_json() == {"unread": 1}


def test_marking_read_lowers_the_unread_count_and_read_all_clears_it(world):
    two_for_trainee_1_and_one_for_trainee_2(world)
    count = world.client.get(f"{API}/unread-count", headers=TRAINEE_1).get_json()
    assert count == {"unread": 2}
    first = world.client.get(API, headers=TRAINEE_1).get_json()["items"][0]["id"]
    read = world.client.post(f"{API}/{first}/read", headers=TRAINEE_1).get_json()
    assert read["read_at"] is not None
    assert world.client.get(f"{API}/unread-count", headers=TRAINEE_1).get_json() == {"unread": 1}
    unread = world.client.get(f"{API}?unread=true", headers=TRAINEE_1).get_json()
    assert unread["total"] == 1 and unread["items"][0]["id"] != first
    assert world.client.post(f"{API}/read-all", headers=TRAINEE_1).get_json() == {"marked": 1}
    assert world.client.get(f"{API}/unread-count", headers=TRAINEE_1).get_json() == {"unread": 0}
    # Trainee 2's stay unread.
    assert world.client.get(f"{API}/unread-count", headers=TRAINEE_2).get_json() == {"unread": 1}


def test_the_inbox_needs_a_token_and_refuses_a_bad_sort(world):
    assert world.client.get(API).status_code == 401
    response = world.client.get(f"{API}?sort=subject", headers=TRAINEE_1)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
