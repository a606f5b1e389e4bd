"""Preferences: channels, quiet hours during which SMS waits, a daily digest instead of
single messages, the language."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from services.notifier.domain.notify import Prefs, quiet_until
from services.notifier.models import DigestItem, Preference
from shared.clock import utcnow
from tests.conftest import auth
from tests.notifier.helpers import count, rows
from tests.notifier.test_rules import DUE, where

API = "/api/v1/notifier/preferences"
ME = auth("trainee", 1)


def test_preferences_default_to_every_channel_no_digest_and_chinese(world):
    assert world.client.get(API, headers=ME).get_json() == {
        "recipient": "trainee:1",
        "channels": ["inbox", "email", "sms"],
        "quiet_hours": None,
        "digest": False,
        "language": "zh",
    }


def test_preferences_are_my_own(world):
    body = {
        "channels": [],
        "digest": True,
        "language": "en",
        "quiet_hours": {"start": "22:00", "end": "07:00"},
    }
    saved = world.client.put(API, json=body, headers=ME).get_json()
    assert saved["channels"] == ["inbox"] and saved["quiet_hours"]["end"] == "07:00"
    assert world.client.get(API, headers=auth("trainee", 2)).get_json()["language"] == "zh"


def test_bad_preferences_are_refused_and_nothing_is_stored(world):
    for body in (
        {"channels": ["fax"], "digest": False, "language": "zh"},
        {"channels": [], "digest": False, "language": "fr"},
        {"channels": [], "digest": "sometimes", "language": "zh"},
        {
            "channels": [],
            "digest": False,
            "language": "zh",
            "quiet_hours": {"start": "25:00", "end": "07:00"},
        },
        {"channels": [], "digest": False, "language": "zh", "admin": True},
        ["not", "an", "object"],
    ):
        response = world.client.put(API, json=body, headers=ME)
        assert response.status_code == 422, body
        assert response.mimetype == "application/problem+json"
    assert count(world, Preference) == 0


def test_quiet_hours_crossing_midnight_end_the_next_morning_in_the_city():
    prefs = Prefs(quiet_start="22:00", quiet_end="07:00")
    # 23:30 in Shanghai is 15:30 UTC.
    until = quiet_until(prefs, dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.UTC), "Asia/Shanghai")
    assert until == dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC)  # 07:00 on 2 March
    assert quiet_until(prefs, dt.datetime(2026, 3, 1, 4, 0, tzinfo=dt.UTC), "Asia/Shanghai") is None


def test_an_sms_written_in_quiet_hours_waits_for_their_end(world):
    now = utcnow().astimezone(dt.timezone(dt.timedelta(hours=8)))
    start = (now - dt.timedelta(hours=1)).strftime("%H:%M")
    end = (now + dt.timedelta(hours=2)).strftime("%H:%M")
    body = {
        "channels": ["email", "sms"],
        "digest": False,
        "language": "zh",
        "quiet_hours": {"start": start, "end": end},
    }
    assert world.client.put(API, json=body, headers=ME).status_code == 200
    world.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    [sms] = rows(world, event_type="report.due_soon", channel="sms")
    [mail] = rows(world, event_type="report.due_soon", channel="email")
    assert sms.next_attempt_at > utcnow() + dt.timedelta(minutes=100)
    assert mail.next_attempt_at <= utcnow()


def test_a_person_who_chose_a_digest_gets_no_single_email_or_sms(world):
    body = {"channels": ["email", "sms"], "digest": True, "language": "zh"}
    assert world.client.put(API, json=body, headers=ME).status_code == 200
    world.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    assert [r.channel for r in rows(world, event_type="report.due_soon")] == ["inbox"]
    with world.db.transaction() as s:
        [item] = s.scalars(sa.select(DigestItem))
    assert item.recipient == "trainee:1" and "2026-02-05" in item.line
