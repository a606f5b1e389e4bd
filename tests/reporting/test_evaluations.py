"""The year-end evaluation and the end-of-placement appraisal: written by the trainee's
responsible mentor (another mentor 403, a stranger 404), opinions of the other mentors,
review town → unit → city, the grades and the quota of 优秀, what the trainee sees; and
the trainees' rating of their mentors, anonymous to the mentor."""

from __future__ import annotations

import pytest

from services.reporting.models import Evaluation, EvaluationOpinion, MentorRating, ReportAudit
from shared.clock import city_today
from tests.conftest import auth
from tests.reporting.test_reports import count, events
from tests.worlds import build_world

API = "/api/v1/reporting"
RESPONSIBLE, BUSINESS, PRACTICAL = 101, 102, 104
SUMMARY = "政治坚定，作风扎实：全年驻村２８０天，带头推进人居环境整治（成效明显）。"


def _year(world) -> int:
    return city_today(world.config.TIME_ZONE).year


def _mentors(world) -> None:
    world.assign(1, 1, RESPONSIBLE, "responsible")
    world.assign(2, 1, BUSINESS, "business")
    world.assign(3, 1, PRACTICAL, "practical")
    world.assign(4, 2, 109, "responsible", unit_id=2, town_id=2, village_id=21)
    world.assign(5, 3, 103, "responsible", unit_id=1, town_id=None, village_id=None)


@pytest.fixture
def ew(sqlite_url):
    world = build_world("reporting", sqlite_url, names={1: "张𠮷", 2: "李四", 3: "王五"})
    _mentors(world)
    yield world
    world.db.dispose()


def start(world, trainee_id=1, mentor=RESPONSIBLE, **body):
    payload = {"trainee_id": trainee_id, "kind": "annual", "year": _year(world), **body}
    return world.client.post(f"{API}/evaluations", json=payload, headers=auth("mentor", mentor))


def written(world, trainee_id=1, mentor=RESPONSIBLE, grade="competent") -> dict:
    response = start(world, trainee_id, mentor, grade=grade, summary=SUMMARY)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def submit(world, evaluation_id, mentor=RESPONSIBLE):
    return world.client.post(
        f"{API}/evaluations/{evaluation_id}/submit", json={}, headers=auth("mentor", mentor)
    )


def act(world, evaluation_id, action, headers, **body):
    if action == "return":
        body.setdefault("reason", "请补充驻村期间的具体事例")
    return world.client.post(
        f"{API}/evaluations/{evaluation_id}/{action}", json=body, headers=headers
    )


def test_the_responsible_mentor_writes_and_chinese_prose_is_kept(ew):
    response = start(ew, grade="competent", summary=SUMMARY, strengths="善于沟通")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "draft" and body["author_id"] == RESPONSIBLE
    # full-width digits become ASCII; the Chinese punctuation of the sentence stays
    assert (
        body["summary"] == "政治坚定，作风扎实：全年驻村280天，带头推进人居环境整治（成效明显）。"
    )
    assert count(ew, ReportAudit, ReportAudit.entity == "evaluation") == 1


def test_another_mentor_of_the_trainee_may_not_write_it(ew):
    response = start(ew, mentor=BUSINESS, grade="competent")
    assert response.status_code == 403
    assert "责任导师" in response.get_json()["detail"]
    assert count(ew, Evaluation) == 0


def test_a_mentor_who_is_not_the_trainees_finds_no_trainee(ew):
    response = start(ew, trainee_id=2, mentor=RESPONSIBLE, grade="competent")
    assert response.status_code == 404
    assert count(ew, Evaluation) == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"grade": "outstanding"}, "grade"),
        ({"grade": "优秀"}, "grade"),
        ({"kind": "midterm"}, "kind"),
        ({"year": 1999}, "year"),
        ({"surprise": 1}, "surprise"),
        ({"summary": "a\x00b"}, "summary"),
    ],
)
def test_bad_input_is_a_422_with_nothing_stored(ew, body, field):
    response = start(ew, **body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in str(response.get_json().get("errors"))
    assert count(ew, Evaluation) == 0


def test_a_year_before_the_cohort_or_in_the_future_is_refused(ew):
    for year in (2024, _year(ew) + 1):
        response = start(ew, year=year, grade="competent")
        assert response.status_code == 422, year
        assert "年度" in response.get_json()["detail"]
    assert count(ew, Evaluation) == 0
    # the appraisal at the end of the placement may be written for next year's end
    assert start(ew, kind="final", year=_year(ew) + 1).status_code == 201


def test_one_evaluation_per_trainee_kind_and_year(ew):
    written(ew)
    response = start(ew, grade="excellent")
    assert response.status_code == 409
    assert "张𠮷" in response.get_json()["detail"]
    assert count(ew, Evaluation) == 1


def test_the_other_mentors_give_opinions_the_author_cannot(ew):
    evaluation = written(ew)
    url = f"{API}/evaluations/{evaluation['id']}/opinions"
    for mentor, text in ((BUSINESS, "业务能力提升快"), (PRACTICAL, "群众基础好")):
        response = ew.client.put(url, json={"opinion": text}, headers=auth("mentor", mentor))
        assert response.status_code == 200, response.get_data(as_text=True)
    again = ew.client.put(
        url, json={"opinion": "业务能力提升很快"}, headers=auth("mentor", BUSINESS)
    )
    assert again.status_code == 200
    assert (
        ew.client.put(
            url, json={"opinion": "自评"}, headers=auth("mentor", RESPONSIBLE)
        ).status_code
        == 403
    )
    assert (
        ew.client.put(url, json={"opinion": "   "}, headers=auth("mentor", BUSINESS)).status_code
        == 422
    )
    # a mentor of another trainee does not even see the evaluation
    assert ew.client.put(url, json={"opinion": "x"}, headers=auth("mentor", 109)).status_code == 404
    body = ew.client.get(f"{API}/evaluations/{evaluation['id']}", headers=auth("city")).get_json()
    assert [(o["mentor_id"], o["opinion"]) for o in body["opinions"]] == [
        (BUSINESS, "业务能力提升很快"),
        (PRACTICAL, "群众基础好"),
    ]
    assert count(ew, EvaluationOpinion) == 2


def test_only_the_author_edits_and_submits_and_a_grade_is_needed(ew):
    response = start(ew, summary=SUMMARY)
    evaluation = response.get_json()
    assert submit(ew, evaluation["id"], BUSINESS).status_code == 403
    refused = submit(ew, evaluation["id"])
    assert refused.status_code == 422 and "grade" in refused.get_json()["errors"]
    patch = ew.client.patch(
        f"{API}/evaluations/{evaluation['id']}",
        json={"grade": "competent", "version": evaluation["version"]},
        headers=auth("mentor", RESPONSIBLE),
    )
    assert patch.status_code == 200
    stale = ew.client.patch(
        f"{API}/evaluations/{evaluation['id']}",
        json={"grade": "basic", "version": evaluation["version"]},
        headers=auth("mentor", RESPONSIBLE),
    )
    assert stale.status_code == 409
    response = submit(ew, evaluation["id"])
    assert response.status_code == 200
    assert response.get_json()["chain"] == ["town", "unit", "city"]
    assert submit(ew, evaluation["id"]).status_code == 409
    edit = ew.client.patch(
        f"{API}/evaluations/{evaluation['id']}",
        json={"summary": "改"},
        headers=auth("mentor", RESPONSIBLE),
    )
    assert edit.status_code == 409
    assert [e["grade"] for e in events(ew, "evaluation.submitted")] == ["competent"]


def test_review_town_then_unit_then_city_with_a_return_between(ew):
    evaluation = written(ew)
    assert submit(ew, evaluation["id"]).status_code == 200
    ident = evaluation["id"]
    assert act(ew, ident, "approve", auth("unit", 1)).status_code == 409  # the town's turn
    assert act(ew, ident, "approve", auth("town", 2)).status_code == 404  # not its trainee
    assert act(ew, ident, "approve", auth("mentor", BUSINESS)).status_code == 403
    assert act(ew, ident, "approve", auth("town", 1)).get_json()["step"] == "unit"
    returned = act(ew, ident, "return", auth("unit", 1))
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    assert submit(ew, ident).status_code == 200
    for headers in (auth("town", 1), auth("unit", 1)):
        assert act(ew, ident, "approve", headers).status_code == 200
    final = act(ew, ident, "approve", auth("city"))
    assert final.status_code == 200
    assert final.get_json()["status"] == "approved"
    steps = [(e["step"], e["final"]) for e in events(ew, "evaluation.approved")]
    assert steps == [("town", False), ("town", False), ("unit", False), ("city", True)]
    assert [e["reason"] for e in events(ew, "evaluation.returned")] == ["请补充驻村期间的具体事例"]
    trail = ew.client.get(f"{API}/evaluations/{ident}/audit", headers=auth("city")).get_json()
    assert [row["action"] for row in trail] == [
        "create", "submit", "approve", "return", "submit", "approve", "approve", "approve",
    ]  # fmt: skip


def test_a_trainee_not_stationed_skips_the_town(ew):
    evaluation = written(ew, trainee_id=3, mentor=103)
    assert submit(ew, evaluation["id"], 103).get_json()["chain"] == ["unit", "city"]


def test_the_quota_of_excellent_is_checked_on_submission(ew):
    quota = ew.client.get(
        f"{API}/evaluations/quota?kind=annual&year={_year(ew)}", headers=auth("city")
    ).get_json()
    # three trainees in training this year: 20% rounds down to none, but one may be 优秀
    assert (quota["evaluated"], quota["allowed"], quota["used"]) == (3, 1, 0)
    first = written(ew, grade="excellent")
    assert submit(ew, first["id"]).status_code == 200
    second = written(ew, trainee_id=2, mentor=109, grade="excellent")
    refused = submit(ew, second["id"], 109)
    assert refused.status_code == 409
    assert "优秀等次名额已满" in refused.get_json()["detail"]
    assert (
        ew.client.get(f"{API}/evaluations/{second['id']}", headers=auth("city")).get_json()[
            "status"
        ]
        == "draft"
    )
    # a larger quota lets it through
    roomy = build_world("reporting", ew.config.DATABASE_URL, EVALUATION_EXCELLENT_QUOTA=0.7)
    assert submit(roomy, second["id"], 109).status_code == 200


def test_the_city_may_regrade_with_a_note_the_others_may_not(ew):
    evaluation = written(ew, grade="competent")
    submit(ew, evaluation["id"])
    refused = act(ew, evaluation["id"], "approve", auth("town", 1), grade="excellent")
    assert refused.status_code == 403
    no_note = act(ew, evaluation["id"], "approve", auth("city"), grade="basic")
    assert no_note.status_code == 422 and "note" in no_note.get_json()["errors"]
    done = act(ew, evaluation["id"], "approve", auth("city"), grade="basic", note="驻村天数不足")
    body = done.get_json()
    assert (body["grade"], body["proposed_grade"], body["regrade_note"]) == (
        "basic",
        "competent",
        "驻村天数不足",
    )
    assert events(ew, "evaluation.approved")[-1]["grade"] == "basic"
    trail = ew.client.get(
        f"{API}/evaluations/{evaluation['id']}/audit", headers=auth("city")
    ).get_json()
    assert (trail[-1]["before"]["grade"], trail[-1]["after"]["grade"]) == ("competent", "basic")


def test_the_trainee_sees_its_own_only_once_approved_and_nobody_elses(ew):
    evaluation = written(ew)
    url = f"{API}/evaluations/{evaluation['id']}"
    assert ew.client.get(url, headers=auth("trainee", 1)).status_code == 404
    listed = ew.client.get(f"{API}/evaluations", headers=auth("trainee", 1)).get_json()
    assert listed["total"] == 0
    submit(ew, evaluation["id"])
    act(ew, evaluation["id"], "approve", auth("city"))
    assert ew.client.get(url, headers=auth("trainee", 1)).status_code == 200
    assert ew.client.get(url, headers=auth("trainee", 2)).status_code == 404
    assert ew.client.get(url, headers=auth("town", 2)).status_code == 404
    assert ew.client.get(url, headers=auth("unit", 2)).status_code == 404


def test_the_list_is_scoped_filtered_and_knows_what_awaits_me(ew):
    first = written(ew)
    written(ew, trainee_id=2, mentor=109)
    submit(ew, first["id"])
    everyone = ew.client.get(f"{API}/evaluations", headers=auth("city")).get_json()
    assert everyone["total"] == 2
    town1 = ew.client.get(f"{API}/evaluations", headers=auth("town", 1)).get_json()
    assert [e["trainee_id"] for e in town1["items"]] == [1]
    mine = ew.client.get(f"{API}/evaluations?awaiting_me=true", headers=auth("town", 1))
    assert mine.get_json()["total"] == 1
    unit = ew.client.get(f"{API}/evaluations?awaiting_me=true", headers=auth("unit", 1))
    assert unit.get_json()["total"] == 0
    drafts = ew.client.get(f"{API}/evaluations?status=draft", headers=auth("city")).get_json()
    assert [e["trainee_id"] for e in drafts["items"]] == [2]
    bad = ew.client.get(f"{API}/evaluations?grade=best", headers=auth("city"))
    assert bad.status_code == 422


# -- rating the mentors -----------------------------------------------------------------------


def rate(world, trainee_id, mentor_id, score, comment="", year=None):
    return world.client.post(
        f"{API}/mentor-ratings",
        json={
            "mentor_id": mentor_id,
            "year": year or _year(world),
            "score": score,
            "comment": comment,
        },
        headers=auth("trainee", trainee_id),
    )


def test_a_trainee_rates_its_own_mentors_once_a_year(ew):
    assert rate(ew, 1, RESPONSIBLE, 5, "耐心细致").status_code == 201
    again = rate(ew, 1, RESPONSIBLE, 4)
    assert again.status_code == 409
    assert rate(ew, 1, 109, 3).status_code == 422  # not its mentor
    assert rate(ew, 1, BUSINESS, 6).status_code == 422
    assert rate(ew, 1, BUSINESS, 4, year=_year(ew) - 3).status_code == 422
    assert count(ew, MentorRating) == 1
    mentors = ew.client.get(
        f"{API}/mentor-ratings/mentors?year={_year(ew)}", headers=auth("trainee", 1)
    ).get_json()
    assert {(m["mentor_id"], m["rated"]) for m in mentors} == {
        (RESPONSIBLE, True),
        (BUSINESS, False),
        (PRACTICAL, False),
    }
    assert all(m["mentor_name"] for m in mentors)
    assert (
        ew.client.post(
            f"{API}/mentor-ratings",
            json={"mentor_id": RESPONSIBLE, "year": _year(ew), "score": 5},
            headers=auth("mentor", RESPONSIBLE),
        ).status_code
        == 403
    )


def test_the_mentor_sees_sums_only_of_enough_ratings_and_never_who(sqlite_url):
    world = build_world("reporting", sqlite_url)
    for trainee_id, assignment in ((1, 1), (2, 2), (3, 3)):
        unit, town, village = {1: (1, 1, 11), 2: (2, 2, 21), 3: (1, None, None)}[trainee_id]
        world.assign(assignment, trainee_id, 101, "business", unit, town, village)
    year = _year(world)
    summary_url = f"{API}/mentor-ratings/summary?year={year}"
    assert rate(world, 1, 101, 5, "讲得透彻").status_code == 201
    assert rate(world, 2, 101, 3).status_code == 201
    own = world.client.get(summary_url, headers=auth("mentor", 101)).get_json()
    assert own["total"] == 1
    item = own["items"][0]
    assert item["shown"] is False and item["count"] is None and item["comments"] is None
    city = world.client.get(summary_url, headers=auth("city")).get_json()["items"][0]
    assert (city["count"], city["average"]) == (2, 4.0)
    assert rate(world, 3, 101, 4, "很关心基层").status_code == 201
    item = world.client.get(summary_url, headers=auth("mentor", 101)).get_json()["items"][0]
    assert (item["shown"], item["count"], item["average"]) == (True, 3, 4.0)
    assert item["scores"] == {"3": 1, "4": 1, "5": 1}
    assert sorted(item["comments"]) == ["很关心基层", "讲得透彻"]
    assert "trainee_id" not in str(item)
    # another mentor sees nothing of it; a trainee reads no sums; a town only its trainees'
    other = world.client.get(summary_url, headers=auth("mentor", 102)).get_json()
    assert other["total"] == 0
    assert world.client.get(summary_url, headers=auth("trainee", 1)).status_code == 403
    town = world.client.get(summary_url, headers=auth("town", 2)).get_json()["items"][0]
    assert town["shown"] is False  # one rating from its trainee: too few to show
    assert world.client.get(f"{API}/mentor-ratings", headers=auth("mentor", 101)).status_code == 403
    world.db.dispose()
