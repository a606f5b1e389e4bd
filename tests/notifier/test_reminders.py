"""The monthly talk reminder reaches people: ``talk.missing`` the mentor, ``talk.missing_town``
the town, by inbox and e-mail, in Chinese by default (names outside the Basic Multilingual
Plane, such as 𠮷, kept whole) and in English on request; the same month's reminder
announced again notifies nobody twice."""

from __future__ import annotations

from services.notifier.domain.render import event_context, render
from services.notifier.models import Notification
from tests.conftest import auth
from tests.notifier.helpers import count, recipients, rows

TRAINEE = "𠮷田明"


def rename_trainee(world, name: str = TRAINEE) -> None:
    world.feed(
        "trainee.updated",
        {
            "id": 1,
            "name": name,
            "cohort": 2025,
            "unit_id": 1,
            "status": "active",
            "town_id": 1,
            "village_id": 11,
            "version": world.next_version(("t", 1)),
        },
    )


def missing(world, mentor_id: int = 105, roles=("practical",)) -> None:
    world.feed(
        "talk.missing",
        {
            "month": "2027-01",
            "reminded_on": "2027-01-20",
            "trainee_id": 1,
            "mentor_id": mentor_id,
            "roles": list(roles),
            "unit_id": 1,
            "town_id": 1,
            "village_id": 11,
        },
    )


DIGEST = {
    "month": "2027-01",
    "reminded_on": "2027-01-20",
    "town_id": 1,
    "missing": [
        {
            "mentor_id": 105,
            "mentor_name": "李𠮷",
            "trainee_id": 1,
            "trainee_name": TRAINEE,
            "roles": ["practical"],
        },
        {
            "mentor_id": 102,
            "mentor_name": "陈科长",
            "trainee_id": 1,
            "trainee_name": TRAINEE,
            "roles": ["business", "responsible"],
        },
    ],
}


def test_a_mentor_without_a_talk_this_month_is_reminded_in_chinese_with_the_names(world):
    rename_trainee(world)
    missing(world)
    assert recipients(world, "talk.missing") == ["mentor:105"]
    [inbox] = rows(world, event_type="talk.missing", channel="inbox")
    assert inbox.subject == f"本月尚未与{TRAINEE}谈心谈话"
    assert inbox.body.startswith("干部105您好：")
    assert f"选调生{TRAINEE}（区财政局，石龙镇村11）的实践导师" in inbox.body
    assert "截至2027-01-20" in inbox.body and "本月（2027-01）尚未记录谈心谈话" in inbox.body
    [mail] = rows(world, event_type="talk.missing", channel="email")
    assert mail.address == "wang105@example.cn" and mail.subject == inbox.subject
    assert rows(world, event_type="talk.missing", channel="sms") == []


def test_the_town_gets_one_digest_naming_each_mentor_and_trainee(world):
    world.feed("talk.missing_town", DIGEST)
    assert recipients(world, "talk.missing_town") == ["town:1"]
    [inbox] = rows(world, event_type="talk.missing_town", channel="inbox")
    assert inbox.subject == "石龙镇本月尚未谈心谈话的导师：2人次"
    assert inbox.body.startswith("石龙镇组织办：")
    assert f"1. 李𠮷（实践导师）—— 选调生{TRAINEE}" in inbox.body
    assert f"2. 陈科长（业务导师、责任导师）—— 选调生{TRAINEE}" in inbox.body
    [mail] = rows(world, event_type="talk.missing_town", channel="email")
    assert mail.address == "shilong@example.cn"


def test_the_same_month_s_reminder_announced_again_notifies_nobody_twice(world):
    missing(world)
    world.feed("talk.missing_town", DIGEST)
    before = count(world, Notification)
    missing(world)
    world.feed("talk.missing_town", DIGEST)
    assert count(world, Notification) == before


def test_the_reminders_read_in_english_too(world):
    rename_trainee(world)
    with world.db.transaction() as s:
        context = event_context(
            s,
            {
                "month": "2027-01",
                "reminded_on": "2027-01-20",
                "trainee_id": 1,
                "mentor_id": 102,
                "roles": ["business", "responsible"],
                "unit_id": 1,
                "town_id": 1,
                "village_id": 11,
            },
        )
        town = event_context(s, DIGEST)
    one = render("talk_missing", "en", {**context, "recipient_name": "Chen"})
    assert one.subject == f"No talk with {TRAINEE} yet this month"
    assert "as the business mentor and responsible mentor" in one.body
    digest = render("talk_missing_town", "en", {**town, "recipient_name": "Shilong"})
    assert digest.subject == "石龙镇: 2 mentor(s) without a talk this month"
    assert f"2. 陈科长 (business mentor and responsible mentor) with {TRAINEE}" in digest.body


def test_the_reminder_links_to_the_trainee_and_the_digest_to_the_town(world):
    missing(world)
    world.feed("talk.missing_town", DIGEST)
    [mine] = world.client.get(
        "/api/v1/notifier/notifications", headers=auth("mentor", 105)
    ).get_json()["items"]
    assert mine["link"] == {"kind": "trainee", "id": 1, "trainee_id": 1}
    [town] = world.client.get(
        "/api/v1/notifier/notifications?lang=en", headers=auth("town", 1)
    ).get_json()["items"]
    assert town["link"] == {"kind": "town", "id": 1}
    assert town["subject"] == "石龙镇: 2 mentor(s) without a talk this month"
