"""The sign-off chain (default ``town,unit``): the town reviews first for a trainee
stationed in a village, then the unit; a trainee not stationed goes straight to the unit;
the city may act at any step and its approval is final. Reviewers act only on their own
trainees (others are 404) and only at their step (409); trainees and mentors never
review (403). Every decision is in the audit trail, with the state before and after."""

from __future__ import annotations

from services.reporting.models import Report, ReportAudit
from tests.conftest import auth
from tests.reporting.test_reports import (
    API,
    CITY,
    CURRENT,
    count,
    create,
    events,
    open_period,
    submitted,
)
from tests.worlds import build_world


def act(world, report_id: int, action: str, headers: dict, **body):
    if action == "return":
        body.setdefault("reason", "请补充本月走访记录")
    return world.client.post(f"{API}/reports/{report_id}/{action}", json=body, headers=headers)


def test_the_town_reviews_first_then_the_unit_approves_for_good(world):
    open_period(world, CURRENT)
    report = submitted(world, trainee_id=1)
    response = act(world, report["id"], "approve", auth("town", 1))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "submitted"
    assert response.get_json()["step"] == "unit"
    response = act(world, report["id"], "approve", auth("unit", 1))
    assert response.status_code == 200
    assert response.get_json()["status"] == "approved" and response.get_json()["step"] is None
    approvals = events(world, "report.approved")
    assert [(e["step"], e["final"]) for e in approvals] == [("town", False), ("unit", True)]


def test_the_unit_cannot_approve_before_the_town_for_a_stationed_trainee(world):
    open_period(world, CURRENT)
    report = submitted(world, trainee_id=1)
    for action in ("approve", "return"):
        response = act(world, report["id"], action, auth("unit", 1))
        assert response.status_code == 409, action
    assert events(world, "report.approved") == [] and events(world, "report.returned") == []
    assert count(world, ReportAudit, ReportAudit.action.in_(["approve", "return"])) == 0


def test_the_town_cannot_act_again_once_it_passed_the_report_on(world):
    open_period(world, CURRENT)
    report = submitted(world, trainee_id=1)
    assert act(world, report["id"], "approve", auth("town", 1)).status_code == 200
    assert act(world, report["id"], "approve", auth("town", 1)).status_code == 409


def test_a_town_cannot_review_another_towns_trainee(world):
    open_period(world, CURRENT)
    report = submitted(world, trainee_id=2)  # village 21, town 2
    for action in ("approve", "return"):
        assert act(world, report["id"], action, auth("town", 1)).status_code == 404
    assert (
        world.client.get(f"{API}/reports/{report['id']}", headers=auth("town", 1)).status_code
        == 404
    )
    assert act(world, report["id"], "approve", auth("unit", 1)).status_code == 404
    assert act(world, report["id"], "approve", auth("town", 2)).status_code == 200


def test_a_trainee_not_stationed_goes_straight_to_the_unit(world):
    # Trainee 3 is registered this month, unplaced: it owes this month's forms.
    open_period(world, CURRENT)
    report = submitted(world, trainee_id=3)
    assert report["chain"] == ["unit"] and report["step"] == "unit"
    response = act(world, report["id"], "approve", auth("unit", 1))
    assert response.get_json()["status"] == "approved"
    assert events(world, "report.approved")[0]["final"] is True


def test_the_city_can_approve_at_any_step_for_good(world):
    open_period(world, CURRENT)
    report = submitted(world, trainee_id=1)
    response = act(world, report["id"], "approve", CITY)
    assert response.status_code == 200
    assert response.get_json()["status"] == "approved"
    [event] = events(world, "report.approved")
    assert event["step"] == "city" and event["final"] is True


def test_trainees_and_mentors_never_review(world):
    open_period(world, CURRENT)
    report = submitted(world, trainee_id=1)
    for headers in (auth("trainee", 1), auth("mentor", 105)):
        for action in ("approve", "return"):
            assert act(world, report["id"], action, headers).status_code == 403
    assert count(world, Report, Report.status == "submitted") == 1


def test_a_returned_report_is_edited_and_resubmitted_to_the_first_step(world):
    open_period(world, CURRENT)
    report = submitted(world, trainee_id=1)
    assert act(world, report["id"], "approve", auth("town", 1)).status_code == 200
    response = act(world, report["id"], "return", auth("unit", 1), reason="天数与考勤不符")
    assert response.status_code == 200
    returned = response.get_json()
    assert returned["status"] == "returned" and returned["returned_reason"] == "天数与考勤不符"
    [event] = events(world, "report.returned")
    assert event["reason"] == "天数与考勤不符" and event["step"] == "unit"

    response = world.client.patch(
        f"{API}/reports/{report['id']}",
        json={"content": {"days_in_village": 18}, "version": returned["version"]},
        headers=auth("trainee", 1),
    )
    assert response.status_code == 200
    response = world.client.post(
        f"{API}/reports/{report['id']}/submit", json={}, headers=auth("trainee", 1)
    )
    assert response.status_code == 200
    assert response.get_json()["step"] == "town"
    assert events(world, "report.submitted")[-1]["resubmission"] is True

    trail = world.client.get(f"{API}/reports/{report['id']}/audit", headers=auth("trainee", 1))
    assert [a["action"] for a in trail.get_json()] == ["submit", "approve", "return", "resubmit"]
    unit_return = trail.get_json()[2]
    assert unit_return["role"] == "unit"
    assert (
        unit_return["before"]["status"] == "submitted" and unit_return["before"]["step"] == "unit"
    )
    assert unit_return["after"]["status"] == "returned"
    assert unit_return["after"]["returned_reason"] == "天数与考勤不符"


def test_a_return_needs_a_reason_and_a_stale_version_changes_nothing(world):
    open_period(world, CURRENT)
    report = submitted(world, trainee_id=1)
    assert act(world, report["id"], "return", auth("town", 1), reason="  ").status_code == 422
    response = act(world, report["id"], "approve", auth("town", 1), version=report["version"] + 1)
    assert response.status_code == 409
    assert count(world, ReportAudit, ReportAudit.action != "submit") == 0
    assert events(world, "report.approved") == []


def test_a_draft_cannot_be_reviewed(world):
    open_period(world, CURRENT)
    draft = create(world).get_json()
    assert act(world, draft["id"], "approve", CITY).status_code == 409


def test_the_review_queue_holds_the_reports_awaiting_the_callers_step(world):
    open_period(world, CURRENT)
    one = submitted(world, trainee_id=1)
    two = submitted(world, trainee_id=2)
    three = submitted(world, trainee_id=3)

    def queue(headers):
        response = world.client.get(f"{API}/review-queue", headers=headers)
        assert response.status_code == 200
        return [r["id"] for r in response.get_json()["items"]]

    assert queue(auth("town", 1)) == [one["id"]]
    assert queue(auth("town", 2)) == [two["id"]]
    assert queue(auth("unit", 1)) == [three["id"]]
    assert sorted(queue(CITY)) == sorted([one["id"], two["id"], three["id"]])
    act(world, one["id"], "approve", auth("town", 1))
    assert sorted(queue(auth("unit", 1))) == sorted([one["id"], three["id"]])
    assert queue(auth("town", 1)) == []
    assert world.client.get(f"{API}/review-queue", headers=auth("trainee", 1)).status_code == 403


def test_lists_show_each_caller_only_its_scope(world):
    open_period(world, CURRENT)
    one = submitted(world, trainee_id=1)
    two = submitted(world, trainee_id=2)

    def listed(headers, query=""):
        return [
            r["id"]
            for r in world.client.get(f"{API}/reports{query}", headers=headers).get_json()["items"]
        ]

    assert listed(auth("trainee", 1)) == [one["id"]]
    assert listed(auth("unit", 2)) == [two["id"]]
    assert listed(auth("town", 1)) == [one["id"]]
    assert sorted(listed(CITY)) == sorted([one["id"], two["id"]])
    assert listed(CITY, "?town_id=2") == [two["id"]]
    assert listed(CITY, "?unit_id=1&status=submitted&kind=effectiveness") == [one["id"]]
    assert listed(CITY, f"?period={CURRENT}&status=approved") == []


def test_a_chain_of_the_unit_alone_skips_the_town(sqlite_url):
    world = build_world("reporting", sqlite_url, REPORT_REVIEW_CHAIN=("unit",))
    try:
        open_period(world, CURRENT)
        report = submitted(world, trainee_id=1)
        assert report["chain"] == ["unit"]
        assert act(world, report["id"], "approve", auth("town", 1)).status_code == 409
        assert (
            act(world, report["id"], "approve", auth("unit", 1)).get_json()["status"] == "approved"
        )
    finally:
        world.db.dispose()
