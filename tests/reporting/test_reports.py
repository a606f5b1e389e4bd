"""The forms: a trainee writes only the forms it owes and only its own; drafts are saved
and edited with optimistic versions; submission after the deadline is marked late, not
refused; the mentoring form is pre-filled from the month's ``talk.recorded`` events; bad
input is a 4xx that stores nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa
from openpyxl import load_workbook

from services.reporting.domain import periods
from services.reporting.domain.common import city_today
from services.reporting.models import Obligation, Outbox, Report
from tests.conftest import auth

API = "/api/v1/reporting"
PROBLEM_JSON = "application/problem+json"
TODAY = city_today("Asia/Shanghai")
CITY = auth("city")


# -- helpers shared with the other report tests --------------------------------------------


def months_ago(n: int, today: dt.date = TODAY) -> str:
    """The code of the month ``n`` months before ``today``'s."""
    index = today.year * 12 + today.month - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


#: This month (deadline ahead) and the month before last (deadline passed).
CURRENT = months_ago(0)
PAST = months_ago(2)


def open_period(world, code: str, today: dt.date = TODAY):
    """Open a period through the domain (as the tick or the city would)."""
    with world.db.transaction() as s:
        period, _ = periods.open_period(s, code, world.config, today=today)
        return period


def count(world, model, *where) -> int:
    with world.db.transaction() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def events(world, type_: str) -> list[dict]:
    """Payloads of the outbox events of one type, in order."""
    with world.db.transaction() as s:
        rows = s.scalars(sa.select(Outbox).where(Outbox.type == type_).order_by(Outbox.id))
        return [row.envelope["payload"] for row in rows]


EFFECTIVENESS = {
    "work_done": "参与村里人居环境整治，走访农户32户",
    "days_in_village": 22,
    "key_projects": ["百千万工程"],
    "results": "协调解决两户饮水问题",
    "problems": "方言沟通仍有困难",
    "next_month_plan": "筹备村集体经济项目",
}


def create(world, trainee_id=1, period=CURRENT, kind="effectiveness", content=None, **extra):
    body = {"period": period, "kind": kind, "content": content or EFFECTIVENESS, **extra}
    return world.client.post(f"{API}/reports", json=body, headers=auth("trainee", trainee_id))


def submitted(world, trainee_id=1, period=CURRENT, kind="effectiveness", content=None) -> dict:
    """A report created and submitted at once (201 asserted)."""
    response = create(world, trainee_id, period, kind, content, submit=True)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def talk(world, talk_id: int, trainee_id: int, day: dt.date, **overrides) -> dict:
    """Feed a ``talk.recorded`` as mentorship would announce it."""
    payload = {
        "talk_id": talk_id,
        "trainee_id": trainee_id,
        "mentor_id": 105,
        "mentor_role": "practical",
        "talk_date": day,
        "mode": "in_person",
        "aspects": ["practice", "care"],
        "summary": "谈了驻村工作的进展",
        "unit_id": 1,
        "town_id": 1,
        "village_id": 11,
        **overrides,
    }
    return world.feed("talk.recorded", payload)


# -- drafts and submission ----------------------------------------------------------------


def test_a_trainee_saves_a_draft_edits_it_and_submits_it_on_time(world):
    open_period(world, CURRENT)
    response = create(world, content={"work_done": "草稿"})
    assert response.status_code == 201, response.get_data(as_text=True)
    draft = response.get_json()
    assert draft["status"] == "draft" and draft["version"] == 1
    assert draft["content"] == {"work_done": "草稿"}

    response = world.client.patch(
        f"{API}/reports/{draft['id']}",
        json={"content": {"days_in_village": 20, "work_done": "走访农户"}, "version": 1},
        headers=auth("trainee", 1),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["content"] == {"work_done": "走访农户", "days_in_village": 20}

    response = world.client.post(
        f"{API}/reports/{draft['id']}/submit", json={}, headers=auth("trainee", 1)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    report = response.get_json()
    assert report["status"] == "submitted" and report["late"] is False
    assert report["step"] == "town" and report["chain"] == ["town", "unit"]
    [event] = events(world, "report.submitted")
    assert event["trainee_id"] == 1 and event["period"] == CURRENT
    assert event["late"] is False and event["resubmission"] is False
    assert event["town_id"] == 1 and event["unit_id"] == 1


def test_a_submission_after_the_deadline_is_accepted_and_marked_late(world):
    open_period(world, PAST)
    report = submitted(world, period=PAST)
    assert report["status"] == "submitted" and report["late"] is True
    assert events(world, "report.submitted")[0]["late"] is True
    listed = world.client.get(f"{API}/reports?late=true", headers=CITY).get_json()
    assert [r["id"] for r in listed["items"]] == [report["id"]]


def test_a_stale_version_is_a_conflict_and_changes_nothing(world):
    open_period(world, CURRENT)
    draft = create(world, content={"work_done": "一"}).get_json()
    first = world.client.patch(
        f"{API}/reports/{draft['id']}",
        json={"content": {"work_done": "二"}},
        headers={**auth("trainee", 1), "If-Match": '"1"'},
    )
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = world.client.patch(
        f"{API}/reports/{draft['id']}",
        json={"content": {"work_done": "三"}, "version": 1},
        headers=auth("trainee", 1),
    )
    assert stale.status_code == 409 and stale.mimetype == PROBLEM_JSON
    again = world.client.get(f"{API}/reports/{draft['id']}", headers=auth("trainee", 1))
    assert again.get_json()["content"]["work_done"] == "二"


def test_submitting_twice_is_a_conflict(world):
    open_period(world, CURRENT)
    report = submitted(world)
    response = world.client.post(
        f"{API}/reports/{report['id']}/submit", json={}, headers=auth("trainee", 1)
    )
    assert response.status_code == 409
    assert len(events(world, "report.submitted")) == 1


def test_starting_the_same_form_twice_is_a_conflict(world):
    open_period(world, CURRENT)
    assert create(world).status_code == 201
    assert create(world).status_code == 409
    assert count(world, Report) == 1


def test_a_form_cannot_be_submitted_before_it_is_filled_in(world):
    open_period(world, CURRENT)
    response = create(world, content={"results": "只写了成果"}, submit=True)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["content"]) == {"work_done", "days_in_village"}
    assert count(world, Report) == 0


def test_a_trainee_cannot_touch_another_trainees_draft(world):
    open_period(world, CURRENT)
    draft = create(world, trainee_id=1).get_json()
    for method, path, body in (
        ("get", f"{API}/reports/{draft['id']}", None),
        ("patch", f"{API}/reports/{draft['id']}", {"content": {"work_done": "改"}}),
        ("post", f"{API}/reports/{draft['id']}/submit", {}),
    ):
        response = getattr(world.client, method)(path, json=body, headers=auth("trainee", 2))
        assert response.status_code == 404, (method, path)
    assert count(world, Report, Report.status == "draft") == 1
    assert events(world, "report.submitted") == []


def test_reviewers_cannot_edit_or_submit_a_trainees_form(world):
    open_period(world, CURRENT)
    draft = create(world, trainee_id=1).get_json()
    response = world.client.patch(
        f"{API}/reports/{draft['id']}", json={"content": {"work_done": "改"}}, headers=CITY
    )
    assert response.status_code == 403
    response = world.client.post(f"{API}/reports/{draft['id']}/submit", json={}, headers=CITY)
    assert response.status_code == 403


def test_only_trainees_start_forms(world):
    open_period(world, CURRENT)
    body = {"period": CURRENT, "kind": "effectiveness", "content": EFFECTIVENESS}
    for headers in (CITY, auth("town", 1), auth("mentor", 105)):
        assert world.client.post(f"{API}/reports", json=body, headers=headers).status_code == 403
    assert count(world, Report) == 0


def test_bad_input_is_refused_and_stores_nothing(world):
    open_period(world, CURRENT)
    open_period(world, periods.quarter_code(TODAY))
    cases = [
        ({"period": CURRENT, "kind": "effectiveness", "content": {"days_in_village": 40}}, 422),
        ({"period": CURRENT, "kind": "effectiveness", "content": {"days_in_village": -1}}, 422),
        ({"period": CURRENT, "kind": "effectiveness", "content": {"colour": "红"}}, 422),
        ({"period": CURRENT, "kind": "effectiveness", "extra": 1}, 422),
        ({"period": CURRENT, "kind": "weekly"}, 422),
        ({"period": CURRENT, "kind": "quarterly"}, 422),
        ({"period": periods.quarter_code(TODAY), "kind": "mentoring"}, 422),
        ({"period": "2026-13", "kind": "effectiveness"}, 422),
        ({"period": "1999-01", "kind": "effectiveness"}, 409),
        ({"kind": "effectiveness"}, 422),
        ({"period": CURRENT, "kind": "mentoring", "content": {"talks": []}}, 422),
        ({"period": CURRENT, "kind": "quarterly", "content": "全文"}, 422),
        ({"period": CURRENT, "kind": "effectiveness", "content": {"work_done": "x" * 4001}}, 422),
        ({"period": CURRENT, "kind": "effectiveness", "content": {"work_done": "a\x00b"}}, 422),
    ]
    for body, status in cases:
        response = world.client.post(f"{API}/reports", json=body, headers=auth("trainee", 1))
        assert response.status_code == status, (body, response.get_data(as_text=True))
        assert response.mimetype == PROBLEM_JSON
    response = world.client.post(
        f"{API}/reports",
        data="{not json",
        headers=auth("trainee", 1),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert count(world, Report) == 0
    assert events(world, "report.submitted") == []


def test_more_days_in_the_village_than_the_month_has_is_refused(world):
    code = "2026-02"
    open_period(world, code)
    response = create(world, period=code, content={"work_done": "x", "days_in_village": 29})
    assert response.status_code == 422
    assert response.get_json()["errors"]["content"]["days_in_village"] == [
        "2026-02 最多 28 天 / at most 28 in 2026-02"
    ]
    assert count(world, Report) == 0


def test_a_trainee_owes_no_forms_of_a_period_before_it_arrived(world):
    open_period(world, PAST)
    # Trainee 3 is registered this month and never placed: it arrived after the period.
    assert count(world, Obligation, Obligation.trainee_id == 3) == 0
    response = create(world, trainee_id=3, period=PAST)
    assert response.status_code == 422
    assert count(world, Report) == 0


def test_an_edit_with_bad_content_is_refused_and_changes_nothing(world):
    open_period(world, CURRENT)
    draft = create(world, content={"work_done": "原文"}).get_json()
    for content in ({"days_in_village": 40}, {"account": "错表"}, {"days_in_village": "三"}):
        response = world.client.patch(
            f"{API}/reports/{draft['id']}", json={"content": content}, headers=auth("trainee", 1)
        )
        assert response.status_code == 422, content
    report = world.client.get(f"{API}/reports/{draft['id']}", headers=auth("trainee", 1)).get_json()
    assert report["content"] == {"work_done": "原文"} and report["version"] == 1


# -- the mentoring form's talks -------------------------------------------------------------


def test_the_mentoring_form_is_prefilled_with_the_months_talks(world):
    code = "2026-03"
    open_period(world, code)
    talk(world, 501, 1, dt.date(2026, 3, 2), summary="三月第一次谈话")
    talk(world, 502, 1, dt.date(2026, 3, 31), mentor_id=101, mentor_role="integrity", mode="phone")
    talk(world, 503, 1, dt.date(2026, 4, 1))  # next month
    talk(world, 504, 2, dt.date(2026, 3, 10), unit_id=2, town_id=2, village_id=21)  # other
    response = create(world, period=code, kind="mentoring", content={"account": "导师指导很及时"})
    assert response.status_code == 201, response.get_data(as_text=True)
    form = response.get_json()["content"]
    assert form["account"] == "导师指导很及时"
    assert [t["talk_id"] for t in form["talks"]] == [501, 502]
    assert form["talks"][1] == {
        "talk_id": 502,
        "talk_date": "2026-03-31",
        "mentor_id": 101,
        "mentor_role": "integrity",
        "mode": "phone",
        "aspects": ["practice", "care"],
        "summary": "谈了驻村工作的进展",
    }


def test_a_talk_recorded_after_the_draft_appears_on_submission_once(world):
    code = "2026-03"
    open_period(world, code)
    draft = create(world, period=code, kind="mentoring", content={"account": "好"}).get_json()
    assert draft["content"]["talks"] == []
    talk(world, 601, 1, dt.date(2026, 3, 15))
    # The same fact again in another envelope (a replay) is kept once.
    talk(world, 601, 1, dt.date(2026, 3, 15))
    response = world.client.post(
        f"{API}/reports/{draft['id']}/submit", json={}, headers=auth("trainee", 1)
    )
    assert response.status_code == 200
    assert [t["talk_id"] for t in response.get_json()["content"]["talks"]] == [601]


def test_the_report_list_exports_as_xlsx_and_csv_with_chinese_headers_in_scope(world):
    open_period(world, CURRENT)
    submitted(world, trainee_id=1)
    submitted(world, trainee_id=2)
    response = world.client.get(f"{API}/reports?format=xlsx", headers=auth("town", 1))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "学员编号", "姓名")
    # Town 1 sees only its own trainee's report.
    assert [row[1] for row in rows[1:]] == [1]
    assert rows[1][6] == "基层锻炼工作成效表"
    response = world.client.get(f"{API}/reports?format=csv&lang=en", headers=CITY)
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0][:3] == ["id", "trainee id", "name"]
    assert sorted(int(row[1]) for row in table[1:]) == [1, 2]
