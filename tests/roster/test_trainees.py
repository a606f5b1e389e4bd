"""Trainees: registration, placements and status announce themselves in the outbox (in the
same transaction), with payloads the catalogue accepts; lists are masked, paginated,
sorted and filtered."""

from __future__ import annotations

import pytest

from services.roster.domain.trainees import register_trainee
from shared.events import validate_event
from tests.conftest import auth
from tests.roster.helpers import API, SEEDED_CADRE_IDS, assert_problem, id_number

RAW_ID_NUMBER = id_number("44030419980214", 561, x=True)
RAW_PHONE = "13912345678"


def register(roster, headers=None, **fields):
    data = {"name": "新学员", "cohort": 2026, "unit_id": roster.unit_x, **fields}
    response = roster.client.post(f"{API}/trainees", json=data, headers=headers or auth("city"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def place(roster, trainee_id: int, village_id: int, start: str):
    return roster.client.post(
        f"{API}/trainees/{trainee_id}/placements",
        headers=auth("city"),
        json={"village_id": village_id, "start_date": start},
    )


def test_registering_with_a_placement_announces_registered_then_placed(roster):
    mark = roster.last_outbox_id()
    trainee = register(
        roster, placement={"village_id": roster.village_b2, "start_date": "2026-04-01"}
    )
    events = roster.events_since(mark)
    assert [e["type"] for e in events] == ["trainee.registered", "trainee.placed"]
    registered, placed = (validate_event(e)["payload"] for e in events)
    assert registered["id"] == trainee["id"]
    assert registered["unit_id"] == roster.unit_x
    assert placed["trainee_id"] == trainee["id"]
    assert placed["first_in_village"] is True
    assert (placed["town_id"], placed["village_id"]) == (roster.town_b, roster.village_b2)
    assert placed["previous_town_id"] is None and placed["previous_village_id"] is None
    assert str(placed["start_date"]) == "2026-04-01"
    assert (trainee["town_id"], trainee["village_id"]) == (roster.town_b, roster.village_b2)
    assert len(trainee["placements"]) == 1 and trainee["placements"][0]["is_current"]


def test_registering_without_a_placement_announces_only_registered(roster):
    mark = roster.last_outbox_id()
    trainee = register(roster)
    assert [e["type"] for e in roster.events_since(mark)] == ["trainee.registered"]
    assert trainee["town_id"] is None and trainee["placements"] == []


def test_identity_numbers_never_travel_in_events(roster):
    mark = roster.last_outbox_id()
    register(roster, id_number=RAW_ID_NUMBER)
    assert RAW_ID_NUMBER not in str(roster.events_since(mark))


def test_a_second_placement_ends_the_first_the_day_before(roster):
    mark = roster.last_outbox_id()
    response = place(roster, roster.in_a, roster.village_b2, "2026-07-15")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["is_current"] is True

    history = roster.client.get(
        f"{API}/trainees/{roster.in_a}/placements", headers=auth("city")
    ).get_json()
    assert [
        (p["village_id"], p["start_date"], p["end_date"], p["is_current"]) for p in history
    ] == [
        (roster.village_a1, "2026-03-01", "2026-07-14", False),
        (roster.village_b2, "2026-07-15", None, True),
    ]
    events = roster.events_since(mark)
    assert [e["type"] for e in events] == ["trainee.placed"]
    placed = validate_event(events[0])["payload"]
    assert placed["first_in_village"] is False
    assert placed["previous_town_id"] == roster.town_a
    assert placed["previous_village_id"] == roster.village_a1
    assert placed["town_id"] == roster.town_b


def test_a_move_takes_the_trainee_out_of_the_old_towns_scope(roster):
    assert place(roster, roster.in_a, roster.village_b2, "2026-07-15").status_code == 201
    assert_problem(
        roster.client.get(f"{API}/trainees/{roster.in_a}", headers=auth("town", roster.town_a)), 404
    )
    moved = roster.client.get(f"{API}/trainees/{roster.in_a}", headers=auth("town", roster.town_b))
    assert moved.status_code == 200
    assert moved.get_json()["town_id"] == roster.town_b


def test_placing_again_in_the_same_village_is_a_409(roster):
    response = place(roster, roster.in_a, roster.village_a1, "2026-07-15")
    assert "village_id" in assert_problem(response, 409)["errors"]


def test_a_status_change_ends_the_current_placement_the_day_before_its_date(roster):
    mark = roster.last_outbox_id()
    response = roster.client.post(
        f"{API}/trainees/{roster.in_a}/status",
        headers=auth("city"),
        json={"status": "completed", "effective_date": "2026-11-01", "reason": "期满"},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["from_status"] == "active"
    assert response.get_json()["changed_by"] == "1"

    trainee = roster.client.get(f"{API}/trainees/{roster.in_a}", headers=auth("city")).get_json()
    assert trainee["status"] == "completed"
    # 1 November is the first day out of training: the placement's last day is 31 October
    assert [(p["end_date"], p["is_current"]) for p in trainee["placements"]] == [
        ("2026-10-31", False)
    ]
    history = roster.client.get(
        f"{API}/trainees/{roster.in_a}/status", headers=auth("city")
    ).get_json()
    assert [(h["from_status"], h["to_status"], h["reason"]) for h in history] == [
        ("active", "completed", "期满")
    ]
    events = roster.events_since(mark)
    assert [e["type"] for e in events] == ["trainee.status_changed"]
    payload = validate_event(events[0])["payload"]
    assert (payload["from_status"], payload["to_status"]) == ("active", "completed")
    assert (payload["town_id"], payload["village_id"]) == (roster.town_a, roster.village_a1)


def test_a_profile_change_announces_updated(roster):
    mark = roster.last_outbox_id()
    response = roster.client.patch(
        f"{API}/trainees/{roster.in_b}",
        headers=auth("city"),
        json={"school": "中山大学", "major": "公共管理"},
    )
    assert response.status_code == 200
    assert response.get_json()["school"] == "中山大学"
    events = roster.events_since(mark)
    assert [e["type"] for e in events] == ["trainee.updated"]
    assert validate_event(events[0])["payload"]["id"] == roster.in_b


def test_every_event_in_the_outbox_is_valid_against_the_catalogue(roster):
    trainee = register(
        roster, placement={"village_id": roster.village_a2, "start_date": "2026-04-01"}
    )
    place(roster, trainee["id"], roster.village_b1, "2026-05-01")
    roster.client.patch(
        f"{API}/trainees/{trainee['id']}", json={"email": "x@example.org"}, headers=auth("city")
    )
    roster.client.post(
        f"{API}/trainees/{trainee['id']}/status",
        headers=auth("city"),
        json={"status": "withdrawn", "effective_date": "2026-06-01"},
    )
    events = roster.events()
    types = {e["type"] for e in events}
    assert {
        "town.created",
        "village.created",
        "unit.created",
        "person.created",
        "account.created",
        "trainee.registered",
        "trainee.placed",
        "trainee.updated",
        "trainee.status_changed",
    } <= types
    for event in events:
        validate_event(event)
        assert event["producer"] == "roster"
    assert len({e["id"] for e in events}) == len(events)


def test_a_rejected_change_leaves_no_event(roster):
    mark = roster.last_outbox_id()
    assert_problem(place(roster, roster.in_a, roster.village_a2, "2026-01-01"), 422)
    assert roster.events_since(mark) == []


def test_identity_and_phone_numbers_are_masked_in_lists_and_items(roster):
    trainee = register(roster, id_number=RAW_ID_NUMBER, phone=RAW_PHONE)
    city = auth("city")
    item = roster.client.get(f"{API}/trainees/{trainee['id']}", headers=city)
    listed = roster.client.get(f"{API}/trainees", headers=city)
    for response in (item, listed):
        text = response.get_data(as_text=True)
        assert RAW_ID_NUMBER not in text and RAW_PHONE not in text
    assert trainee["id_number"] == "440304***********X"
    assert trainee["phone"] == "139****5678"
    assert item.get_json()["id_number"] == "440304***********X"
    mine = [t for t in listed.get_json()["items"] if t["id"] == trainee["id"]]
    assert mine[0]["phone"] == "139****5678"


def test_a_cadres_phone_and_identity_number_are_masked_too(roster):
    text = roster.client.get(f"{API}/people", headers=auth("city")).get_data(as_text=True)
    assert "13912340000" not in text and SEEDED_CADRE_IDS[0] not in text
    assert "139****0000" in text


@pytest.fixture
def many(roster):
    """Seven more trainees in unit Y (ten in all), with names that sort plainly."""
    with roster.db.transaction() as session:
        for n, name in enumerate(["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace"]):
            register_trainee(
                session, {"name": name, "unit_id": roster.unit_y, "cohort": 2024 + n % 2}
            )
    return roster


def test_lists_are_paginated_with_page_per_page_and_total(many):
    city = auth("city")
    pages = [
        many.client.get(f"{API}/trainees?per_page=4&page={n}&sort=id", headers=city).get_json()
        for n in (1, 2, 3, 4)
    ]
    assert [len(p["items"]) for p in pages] == [4, 4, 2, 0]
    assert {p["total"] for p in pages} == {10}
    assert [(p["page"], p["per_page"]) for p in pages[:2]] == [(1, 4), (2, 4)]
    ids = [t["id"] for p in pages for t in p["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 10


def test_the_default_page_holds_fifty(many):
    body = many.client.get(f"{API}/trainees", headers=auth("city")).get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 10)


def test_sort_by_minus_name_is_descending(many):
    items = many.client.get(f"{API}/trainees?sort=-name", headers=auth("city")).get_json()["items"]
    names = [t["name"] for t in items]
    assert names == sorted(names, reverse=True)
    assert names[-1] == "Alice"


def test_sort_takes_several_fields(many):
    items = many.client.get(
        f"{API}/trainees?sort=cohort,-name&unit_id={many.unit_y}", headers=auth("city")
    ).get_json()["items"]
    keys = [(t["cohort"], t["name"]) for t in items]
    assert keys == sorted(keys, key=lambda k: (k[0], [-ord(c) for c in k[1]]))
    assert keys[0] == (2024, "Grace")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=in_", {"学员in_a", "学员in_b"}),
        (
            "status=active&cohort=2025",
            {"学员in_a", "学员in_b", "学员unplaced", "Bob", "Dave", "Frank"},
        ),
        ("unit_id={unit_x}", {"学员in_a", "学员unplaced"}),
        ("town_id={town_b}", {"学员in_b"}),
        ("village_id={village_a1}", {"学员in_a"}),
        ("cohort=2024", {"Alice", "Carol", "Erin", "Grace"}),
        ("cohort=2024&q=ar", {"Carol"}),
        ("status=withdrawn", set()),
    ],
)
def test_filters_select_the_matching_trainees(many, query, expected):
    url = f"{API}/trainees?" + query.format(**many.ids)
    body = many.client.get(url, headers=auth("city")).get_json()
    assert {t["name"] for t in body["items"]} == expected
    assert body["total"] == len(expected)


def test_the_status_filter_finds_a_withdrawn_trainee(roster):
    roster.client.post(
        f"{API}/trainees/{roster.unplaced}/status",
        headers=auth("city"),
        json={"status": "withdrawn", "effective_date": "2026-06-01"},
    )
    items = roster.client.get(f"{API}/trainees?status=withdrawn", headers=auth("city")).get_json()[
        "items"
    ]
    assert [t["id"] for t in items] == [roster.unplaced]


@pytest.mark.parametrize("roster", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)  # fmt: skip
def test_clerks_changing_one_trainee_at_once_are_served_one_after_the_other(roster):
    """Found by the fault-injection suite: concurrent changes of one trainee failed with a
    500 (the row's version moved under the second); each now waits for the row's lock."""
    import threading

    app, trainee = roster.app, roster.in_a
    barrier = threading.Barrier(6)
    statuses = []

    def change(i: int) -> None:
        with app.test_client() as client:
            barrier.wait()
            response = client.patch(
                f"{API}/trainees/{trainee}", headers=auth("city"), json={"name": f"同时{i}"}
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=change, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 6
    final = roster.client.get(f"{API}/trainees/{trainee}", headers=auth("city")).get_json()
    updates = [e for e in roster.events("trainee.updated") if e["payload"]["id"] == trainee]
    assert len(updates) == 6
    assert max(updates, key=lambda e: e["payload"]["version"])["payload"]["name"] == final["name"]
