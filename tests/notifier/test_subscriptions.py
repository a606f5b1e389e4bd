"""Webhook subscriptions: a town or unit manages only its own; bad input is a 4xx and
stores nothing; a subscription receives only the events of its owner's scope."""

from __future__ import annotations

import sqlalchemy as sa

from services.notifier.models import Subscription, WebhookDelivery
from tests.conftest import auth
from tests.notifier.helpers import count
from tests.notifier.test_rules import DUE, where

API = "/api/v1/notifier/subscriptions"
TOWN_A, TOWN_B, UNIT_X = auth("town", 1), auth("town", 2), auth("unit", 1)
TYPES = ["report.overdue", "need.raised", "trainee.placed", "period.opened"]


def subscribe(world, headers, url="http://127.0.0.1:9/hook", types=TYPES):
    return world.client.post(API, json={"url": url, "event_types": types}, headers=headers)


def test_a_town_subscribes_and_sees_the_secret_only_once(world):
    response = subscribe(world, TOWN_A)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert len(created["secret"]) == 64 and created["owner_role"] == "town"
    assert created["owner_id"] == 1 and created["active"] is True
    again = world.client.get(f"{API}/{created['id']}", headers=TOWN_A).get_json()
    assert "secret" not in again
    listed = world.client.get(API, headers=TOWN_A).get_json()["items"]
    assert [s["id"] for s in listed] == [created["id"]] and "secret" not in listed[0]


def test_a_town_manages_only_its_own_subscriptions(world):
    mine = subscribe(world, TOWN_A).get_json()["id"]
    assert world.client.get(API, headers=TOWN_B).get_json()["total"] == 0
    for method, path in (
        ("get", ""),
        ("delete", ""),
        ("post", "/enable"),
        ("get", "/deliveries"),
        ("get", "/attempts"),
    ):
        response = getattr(world.client, method)(f"{API}/{mine}{path}", headers=TOWN_B)
        assert response.status_code == 404, (method, path)
    assert count(world, Subscription) == 1
    assert world.client.get(API, headers=auth("city")).get_json()["total"] == 1


def test_the_subscribable_event_types_are_the_catalogues_without_accounts(world):
    offered = world.client.get(f"{API}/event-types", headers=TOWN_A).get_json()["event_types"]
    assert set(TYPES) <= set(offered) and "evaluation.approved" in offered
    assert not [t for t in offered if t.startswith("account.")] and offered == sorted(offered)
    for event_type in offered:  # each one offered is one a subscription may name
        assert subscribe(world, UNIT_X, types=[event_type]).status_code == 201, event_type
    assert world.client.get(f"{API}/event-types", headers=auth("mentor", 105)).status_code == 403


def test_only_a_town_or_a_unit_may_subscribe(world):
    for headers in (auth("trainee", 1), auth("mentor", 105), auth("city")):
        assert subscribe(world, headers).status_code == 403
    assert count(world, Subscription) == 0


def test_bad_subscriptions_are_refused_and_nothing_is_stored(world):
    bad = [
        {"url": "ftp://127.0.0.1/hook", "event_types": TYPES},
        {"url": "file:///etc/passwd", "event_types": TYPES},
        {"url": "javascript:alert(1)", "event_types": TYPES},
        {"url": "http://127.0.0.1:9/hook", "event_types": ["report.exploded"]},
        {"url": "http://127.0.0.1:9/hook", "event_types": ["account.created"]},
        {"url": "http://127.0.0.1:9/hook", "event_types": []},
        # the notifier itself: its own host, its own name, its own API path
        {"url": "http://localhost/api/v1/notifier/subscriptions", "event_types": TYPES},
        {"url": "http://notifier:8005/hook", "event_types": TYPES},
        {"url": "http://127.0.0.1:8005/api/v1/notifier/notifications", "event_types": TYPES},
        # the cloud metadata address, link-local, refused even where private is allowed
        {"url": "http://169.254.169.254/latest/meta-data/", "event_types": TYPES},
        {"url": "http://[fe80::1]/hook", "event_types": TYPES},
        {"url": "http://no-such-host.invalid/hook", "event_types": TYPES},
        {"url": "http://127.0.0.1:9/hook", "event_types": TYPES, "secret": "mine"},
        {"url": "x" * 3000, "event_types": TYPES},
        {"url": "http://127.0.0.1:9/hook\x00", "event_types": TYPES},
        {"event_types": TYPES},
    ]
    for body in bad:
        response = world.client.post(API, json=body, headers=TOWN_A)
        assert 400 <= response.status_code < 500, (body, response.status_code)
        assert response.mimetype == "application/problem+json"
    response = world.client.post(API, json=bad[0], headers=TOWN_A)
    assert "url" in response.get_json()["errors"]
    response = world.client.post(API, json=bad[3], headers=TOWN_A)
    assert response.get_json()["errors"] == {
        "event_types": ["未知的事件类型：report.exploded / unknown event type: report.exploded"]
    }
    assert count(world, Subscription) == 0


def test_private_addresses_are_refused_unless_allowed(world):
    world.app.config["NOTIFIER_ALLOW_PRIVATE_WEBHOOKS"] = False
    for url in ("http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://192.168.1.5/hook"):
        assert subscribe(world, TOWN_A, url=url).status_code == 422, url
    assert count(world, Subscription) == 0


def deliveries(world) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    with world.db.transaction() as s:
        for d in s.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)):
            out.setdefault(d.subscription_id, []).append(d.event_type)
    return out


def test_a_town_system_never_receives_another_towns_trainees(world):
    town_a = subscribe(world, TOWN_A).get_json()["id"]
    town_b = subscribe(world, TOWN_B).get_json()["id"]
    unit_x = subscribe(world, UNIT_X).get_json()["id"]
    world.feed("report.overdue", {"trainee_id": 1, **DUE, **where(1)})  # town A, unit X
    world.feed("report.overdue", {"trainee_id": 2, **DUE, **where(2)})  # town B, unit Y
    world.feed(
        "need.raised",
        {
            "need_id": 1,
            "trainee_id": 2,
            "category": "life",
            "confidential": False,
            "handler_role": "town",
            "due_on": "2026-03-01",
            **where(2),
        },
    )
    got = deliveries(world)
    assert got[town_a] == ["report.overdue"]
    assert got[town_b] == ["report.overdue", "need.raised"]
    assert got[unit_x] == ["report.overdue"]
    with world.db.transaction() as s:
        bodies = {d.subscription_id: d.body for d in s.scalars(sa.select(WebhookDelivery))}
    assert '"trainee_id":1' in bodies[town_a] and '"trainee_id":2' not in bodies[town_a]


def test_a_trainee_moving_away_is_told_to_the_town_left_and_the_town_joined(world):
    town_a = subscribe(world, TOWN_A).get_json()["id"]
    town_b = subscribe(world, TOWN_B).get_json()["id"]
    world.place(1, 1, 2, 21, previous=(1, 11))
    got = deliveries(world)
    assert got[town_a] == ["trainee.placed"] and got[town_b] == ["trainee.placed"]


def test_a_subscription_gets_only_the_event_types_it_asked_for(world):
    mine = subscribe(world, TOWN_A, types=["need.raised"]).get_json()["id"]
    world.feed("report.overdue", {"trainee_id": 1, **DUE, **where(1)})
    assert deliveries(world).get(mine) is None


def test_an_unsubscribed_system_gets_nothing_more(world):
    mine = subscribe(world, TOWN_A).get_json()["id"]
    assert world.client.delete(f"{API}/{mine}", headers=TOWN_A).status_code == 204
    world.feed("report.overdue", {"trainee_id": 1, **DUE, **where(1)})
    assert count(world, Subscription) == 0 and count(world, WebhookDelivery) == 0


def test_a_calendar_change_goes_to_every_system_that_asks(world):
    town_a = subscribe(world, TOWN_A, types=["calendar.updated"]).get_json()["id"]
    unit_x = subscribe(world, UNIT_X, types=["calendar.updated"]).get_json()["id"]
    others = subscribe(world, TOWN_B).get_json()["id"]
    days = [{"date": "2026-12-24", "kind": "holiday", "name": "市假日"}]
    world.feed("calendar.updated", {"year": 2026, "revision": 1, "days": days})
    got = deliveries(world)
    assert got[town_a] == got[unit_x] == ["calendar.updated"] and others not in got
