"""The rules from event to recipients, templates and channels (``services.notifier.domain.rules``),
applied through the real handlers and inbox on SQLite."""

from __future__ import annotations

import re
from pathlib import Path

from services.notifier.domain.rules import RULES
from services.notifier.models import DigestItem, Notification
from tests.conftest import auth
from tests.notifier.helpers import count, recipients, rows

API = "/api/v1/notifier"
DUE = {"kind": "effectiveness", "period": "2026-01", "deadline": "2026-02-05"}


def where(trainee_id: int = 1) -> dict:
    return {
        1: {"unit_id": 1, "town_id": 1, "village_id": 11},
        2: {"unit_id": 2, "town_id": 2, "village_id": 21},
        3: {"unit_id": 1, "town_id": None, "village_id": None},
    }[trainee_id]


def test_a_new_mentor_assignment_reaches_the_mentor_and_the_trainee_in_chinese(world):
    world.assign(501, 1, 105, "practical")
    assert recipients(world, "mentor.assigned") == ["mentor:105", "trainee:1"]
    mentor = rows(world, event_type="mentor.assigned", recipient="mentor:105", channel="inbox")[0]
    assert mentor.subject == "您已被指定为学员1的实践导师"
    assert (
        "干部105您好" in mentor.body and "区财政局" in mentor.body and "石龙镇村11" in mentor.body
    )
    trainee = rows(world, event_type="mentor.assigned", recipient="trainee:1", channel="email")
    assert trainee[0].address == "zhangsan@example.cn" and trainee[0].status == "pending"
    # mentor.assigned goes by inbox and e-mail, never SMS.
    assert rows(world, event_type="mentor.assigned", channel="sms") == []


def test_the_same_assignment_announced_again_under_a_new_event_id_notifies_nobody_twice(world):
    world.assign(501, 1, 105, "practical")
    before = count(world, Notification)
    world.assign(501, 1, 105, "practical")
    assert count(world, Notification) == before


def released(world, role: str, mentor_id: int, vacated: bool):
    world.feed(
        "mentor.released",
        {
            "assignment_id": 600 + mentor_id,
            "trainee_id": 1,
            "mentor_id": mentor_id,
            "role": role,
            "end_date": "2026-03-01",
            "reason": "mentor_left_position" if vacated else "manual",
            "vacated": vacated,
            **where(1),
        },
    )


def test_a_vacated_practical_or_responsible_seat_goes_to_the_town(world):
    released(world, "practical", 105, vacated=True)
    assert recipients(world, "mentor.released") == ["town:1"]
    [row] = rows(world, event_type="mentor.released", channel="inbox")
    assert row.subject == "学员1的实践导师空缺，请尽快补配"


def test_a_vacated_integrity_or_business_seat_goes_to_the_unit(world):
    released(world, "business", 102, vacated=True)
    assert recipients(world, "mentor.released") == ["unit:1"]


def test_a_release_that_leaves_no_seat_empty_notifies_nobody(world):
    released(world, "practical", 105, vacated=False)
    assert rows(world, event_type="mentor.released") == []


def test_a_recorded_talk_reaches_the_trainee_in_the_inbox_only(world):
    world.feed(
        "talk.recorded",
        {
            "talk_id": 1,
            "trainee_id": 1,
            "mentor_id": 105,
            "mentor_role": "practical",
            "talk_date": "2026-01-10",
            "mode": "in_person",
            "aspects": ["care"],
            **where(1),
        },
    )
    [row] = rows(world, event_type="talk.recorded")
    assert (row.recipient, row.channel) == ("trainee:1", "inbox")
    assert "干部105（实践导师）记录了2026-01-10与您的谈心谈话" in row.body


def test_an_opened_period_reaches_every_active_trainee_and_no_one_who_left(world):
    world.status(2, "withdrawn", 2, "2026-01-01")
    world.feed(
        "period.opened",
        {
            "period_id": 7,
            "code": "2026-02",
            "kind": "month",
            "starts_on": "2026-02-01",
            "ends_on": "2026-02-28",
            "deadline": "2026-03-05",
        },
    )
    assert recipients(world, "period.opened") == ["trainee:1", "trainee:3"]


def test_a_report_due_soon_reaches_the_trainee_by_every_channel(world):
    world.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    channels = sorted(r.channel for r in rows(world, event_type="report.due_soon"))
    assert channels == ["email", "inbox", "sms"]
    assert rows(world, event_type="report.due_soon", channel="sms")[0].address == "13800000001"


def test_an_overdue_report_reaches_the_trainee_and_waits_for_the_town_and_unit_digest(world):
    world.feed("report.overdue", {"trainee_id": 1, **DUE, **where(1)})
    assert recipients(world, "report.overdue") == ["trainee:1"]
    with world.db.transaction() as s:
        items = {i.recipient: i.line for i in s.query(DigestItem)}
    assert set(items) == {"town:1", "unit:1"}
    assert (
        "学员1（区财政局，石龙镇村11）：基层锻炼工作成效表（2026-01），截止2026-02-05"
        in (items["town:1"])
    )


def test_a_returned_report_tells_the_trainee_the_reason(world):
    world.feed(
        "report.returned",
        {
            "report_id": 9,
            "trainee_id": 1,
            "kind": "quarterly",
            "period": "2026-Q1",
            "reason": "驻村天数与考勤不符",
            "step": "town",
            **where(1),
        },
    )
    [row] = rows(world, event_type="report.returned", channel="inbox")
    assert row.recipient == "trainee:1"
    assert "退回理由：驻村天数与考勤不符" in row.body


def test_a_raised_need_reaches_its_handler_and_the_town(world):
    world.feed(
        "need.raised",
        {
            "need_id": 3,
            "trainee_id": 1,
            "category": "housing",
            "confidential": False,
            "handler_role": "village",
            "due_on": "2026-02-01",
            **where(1),
        },
    )
    # The handler of a village need is the village's party secretary (person 105).
    assert recipients(world, "need.raised") == ["mentor:105", "town:1"]
    assert "住房方面的需求" in rows(world, event_type="need.raised", recipient="town:1")[0].body


def test_a_confidential_need_names_no_category(world):
    world.feed(
        "need.raised",
        {
            "need_id": 4,
            "trainee_id": 1,
            "category": None,
            "confidential": True,
            "handler_role": "unit",
            "handler_scope_id": 1,
            "due_on": "2026-02-01",
            **where(1),
        },
    )
    assert recipients(world, "need.raised") == ["town:1", "unit:1"]
    assert all("保密需求" in r.body for r in rows(world, event_type="need.raised"))


def test_a_resolved_need_reaches_the_trainee(world):
    world.feed(
        "need.resolved",
        {
            "need_id": 3,
            "trainee_id": 2,
            "confidential": False,
            "resolved_on": "2026-02-01",
            "on_time": True,
            **where(2),
        },
    )
    assert recipients(world, "need.resolved") == ["trainee:2"]


def test_a_paid_placement_fee_reaches_the_trainee_with_the_amount_in_yuan(world):
    world.feed(
        "placement_fee.paid",
        {
            "entitlement_id": 1,
            "trainee_id": 1,
            "amount_fen": 300050,
            "payment_ref": "PF-1",
            "paid_on": "2026-01-15",
            "due_on": "2026-01-31",
            **where(1),
        },
    )
    [row] = rows(world, event_type="placement_fee.paid", channel="inbox")
    assert row.subject == "一次性安置费3000.50元已发放"


def test_a_person_who_chose_english_reads_english(world):
    response = world.client.put(
        f"{API}/preferences",
        json={"channels": ["email"], "digest": False, "language": "en"},
        headers=auth("trainee", 1),
    )
    assert response.status_code == 200
    world.feed("report.due_soon", {"trainee_id": 1, **DUE, **where(1)})
    [row] = rows(world, event_type="report.due_soon", channel="inbox")
    assert row.subject == "Your Effectiveness form (2026-01) is due on 2026-02-05"
    # SMS was left out of the channels: none is written.
    assert rows(world, event_type="report.due_soon", channel="sms") == []


def test_an_event_no_rule_names_notifies_nobody(world):
    world.feed(
        "subsidy.paid",
        {
            "subsidy_id": 1,
            "trainee_id": 1,
            "month": "2026-01",
            "amount_fen": 100000,
            "payment_ref": "S-1",
            "paid_on": "2026-02-01",
            **where(1),
        },
    )
    assert rows(world, event_type="subsidy.paid") == []
    calendar = {"year": 2026, "revision": 1, "days": [{"date": "2026-12-24", "kind": "holiday"}]}
    world.feed("calendar.updated", calendar)
    assert rows(world, event_type="calendar.updated") == []


def test_the_readme_table_lists_every_rule_of_the_code():
    root = Path(__file__).resolve().parents[2]
    marker = "### Rules (`services/notifier/domain/rules.py`"
    texts = [
        p.read_text() for p in (root / "README.md", root / "docs" / "notifier.md") if p.exists()
    ]
    text = next(t for t in texts if marker in t)
    table = text[text.index(marker) :].split("\n\n", 2)[1]
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)`", table, re.MULTILINE))
    assert documented == set(RULES)
