"""Reading the inbox: each notification in the reader's language (``lang`` or
Accept-Language; rows written before templates were kept read as they were sent), linked to
its object, counted in total, unread, by kind and by city day, and filtered by read state
and day. The forms carry one name everywhere: the console's, the notifier's, the exports'."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from services.console import catalogue
from services.console.codes import CODES
from services.notifier.domain.render import LABELS
from services.notifier.models import Notification
from services.reporting.schemas.exports import WORDS
from tests.conftest import auth
from tests.notifier.conftest import notifier_world
from tests.notifier.test_rules import DUE, where

API = "/api/v1/notifier/notifications"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
TALK = {
    "talk_id": 17,
    "trainee_id": 1,
    "mentor_id": 105,
    "mentor_role": "practical",
    "talk_date": "2026-01-10",
    "mode": "in_person",
    "aspects": ["care"],
    **where(1),
}
NEED = {
    "need_id": 3,
    "trainee_id": 1,
    "category": "housing",
    "confidential": False,
    "handler_role": "town",
    "due_on": "2026-02-01",
    **where(1),
}


def inbox(world, headers, query: str = "", **extra_headers) -> dict:
    response = world.client.get(f"{API}?{query}", headers={**headers, **extra_headers})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def counts(world, headers, query: str = "") -> dict:
    response = world.client.get(f"{API}/counts?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# -- language -----------------------------------------------------------------------------


def test_a_notification_reads_in_the_language_asked_for(world):
    world.feed("talk.recorded", TALK)
    trainee = auth("trainee", 1)
    [zh] = inbox(world, trainee)["items"]
    assert (zh["language"], zh["subject"]) == ("zh", "干部105记录了与您的谈心谈话")
    [en] = inbox(world, trainee, "lang=en")["items"]
    assert en["language"] == "en"
    assert en["subject"] == "干部105 recorded a talk with you"
    assert "(practical mentor) recorded the talk you had on 2026-01-10" in en["body"]
    # Only the names (data) stay as they are written.
    assert CJK.findall(en["body"].replace("干部105", "").replace("学员1", "")) == []
    [by_header] = inbox(world, trainee, **{"Accept-Language": "en-GB,en;q=0.9"})["items"]
    assert by_header["subject"] == en["subject"]
    one = world.client.get(f"{API}/{en['id']}?lang=en", headers=trainee).get_json()
    assert one["body"] == en["body"]


def test_a_form_is_named_in_english_as_the_console_names_it(world):
    world.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    [en] = inbox(world, auth("trainee", 1), "lang=en")["items"]
    assert en["subject"] == "Your Effectiveness form (2026-01) is due on 2026-02-05"


def test_a_row_written_before_templates_were_kept_reads_as_it_was_sent(world):
    now = dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC)
    with world.db.transaction() as s:
        s.add(
            Notification(
                event_id="00000000-0000-0000-0000-000000000001",
                event_type="report.returned",
                fact_key="old",
                recipient="trainee:1",
                channel="inbox",
                language="zh",
                subject="旧的通知",
                body="旧的正文",
                status="sent",
                created_at=now,
                sent_at=now,
            )
        )
    [old] = inbox(world, auth("trainee", 1), "lang=en")["items"]
    assert (old["subject"], old["body"], old["language"], old["link"]) == (
        "旧的通知",
        "旧的正文",
        "zh",
        None,
    )


# -- links ----------------------------------------------------------------------------------


def test_each_notification_links_to_its_object(world):
    world.feed("talk.recorded", TALK)
    world.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    world.feed("need.raised", NEED)
    links = {n["event_type"]: n["link"] for n in inbox(world, auth("trainee", 1))["items"]}
    assert links["talk.recorded"] == {"kind": "talk", "id": 17, "trainee_id": 1}
    assert links["report.due_soon"] == {
        "kind": "form",
        "id": None,
        "trainee_id": 1,
        "period": "2026-01",
        "form": "effectiveness",
    }
    [need] = inbox(world, auth("town", 1))["items"]
    assert need["link"] == {"kind": "need", "id": 3, "trainee_id": 1}


# -- counts and filters ---------------------------------------------------------------------


def three_on_two_city_days(world, travel) -> None:
    """A talk on the year's last evening in the city (15:30 UTC), a due notice and a need
    on the new year's first morning (16:30 UTC: still 31 December in UTC)."""
    travel(dt.datetime.fromisoformat("2026-12-31T23:30:00+08:00"))
    world.feed("talk.recorded", TALK)
    travel(dt.datetime.fromisoformat("2027-01-01T00:30:00+08:00"))
    world.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    world.feed("need.raised", {**NEED, "handler_role": "city"})  # not trainee 1's


def check_counts_and_filters(world, travel) -> None:
    three_on_two_city_days(world, travel)
    trainee = auth("trainee", 1)
    body = counts(world, trainee)
    assert (body["total"], body["unread"]) == (2, 2)
    assert body["by_kind"] == {
        "report.due_soon": {"total": 1, "unread": 1},
        "talk.recorded": {"total": 1, "unread": 1},
    }
    assert body["by_day"] == [
        {"day": "2027-01-01", "total": 1, "unread": 1},
        {"day": "2026-12-31", "total": 1, "unread": 1},
    ]
    talk = inbox(world, trainee, "day=2026-12-31")
    assert talk["total"] == 1 and talk["items"][0]["event_type"] == "talk.recorded"
    assert talk["items"][0]["day"] == "2026-12-31"
    world.client.post(f"{API}/{talk['items'][0]['id']}/read", headers=trainee)
    assert [n["event_type"] for n in inbox(world, trainee, "unread=true")["items"]] == [
        "report.due_soon"
    ]
    assert [n["event_type"] for n in inbox(world, trainee, "unread=false")["items"]] == [
        "talk.recorded"
    ]
    assert counts(world, trainee, "unread=true")["total"] == 1
    assert counts(world, trainee)["by_day"][1] == {"day": "2026-12-31", "total": 1, "unread": 0}
    assert counts(world, trainee, "day=2027-01-01")["by_kind"] == {
        "report.due_soon": {"total": 1, "unread": 1}
    }
    assert counts(world, auth("city"))["total"] == 1  # the need, in the city's own inbox


def test_counts_and_filters_follow_the_city_day(world, travel):
    check_counts_and_filters(world, travel)


@pytest.mark.integration
def test_counts_by_day_on_postgresql(pg_url, travel):
    world = notifier_world(pg_url)
    try:
        check_counts_and_filters(world, travel)
    finally:
        world.db.dispose()


@pytest.mark.parametrize("query", ["day=2026-13-01", "day=yesterday", "lang=fr", "unread=maybe"])
def test_a_bad_filter_is_a_422_with_nothing_read(world, query):
    for path in (API, f"{API}/counts"):
        response = world.client.get(f"{path}?{query}", headers=auth("trainee", 1))
        assert response.status_code == 422, response.get_data(as_text=True)
        assert response.mimetype == "application/problem+json"


# -- one name per form ------------------------------------------------------------------


@pytest.mark.parametrize("form", ["effectiveness", "mentoring", "quarterly"])
def test_each_form_has_one_name_in_the_console_the_notifier_and_the_exports(form):
    zh = CODES["kind"][form]
    en = catalogue.read().get(zh, "kind").string  # the console's English for it
    assert (LABELS["zh"][form], LABELS["en"][form]) == (zh, en)
    assert (WORDS["zh"]["kind"][form], WORDS["en"]["kind"][form]) == (zh, en)
