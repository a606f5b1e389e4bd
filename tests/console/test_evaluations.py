"""The evaluation and mentor-rating pages (``services/console/resources/evaluations.py``)
against the embedded default: the responsible mentor writes and submits, another mentor
adds an opinion, the town returns with a reason and then approves, the city approves with
a regrade; a role is offered only its own actions; a full quota of 优秀 is a message on
the form; the growth file lists the evaluation and the evaluation prints; a trainee rates
a mentor, who sees no sums of too few ratings."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from services.console import catalogue
from services.console.resources import evaluations
from shared.clock import city_today
from tests.console.test_app import csrf_of
from tests.console.test_printing import RARE_MENTOR, fetch, post, refused, squeeze
from tests.console.test_resources import client_as, html_of
from tests.shared.test_printing import pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console-resources")]

TRAINEE, RARE_MENTOR_ID = 29, 81  # the demo city's trainee whose practical mentor is 杨晓燕𠀾


def year() -> int:
    return city_today("Asia/Shanghai").year


def send(client, url: str, **data):
    """Open a form and send it with these values."""
    page = client.get(url)
    assert page.status_code == 200, html_of(page)[:1000]
    return client.post(url, data={"csrf_token": csrf_of(html_of(page)), **data})


def responsible(api, trainee_id: int) -> int:
    seats = api.items(f"/mentorship/assignments?trainee_id={trainee_id}&active=true")
    return next(a["mentor_id"] for a in seats if a["role"] == "responsible")


def test_every_text_has_its_english():
    template = {m.id for m in catalogue.texts()}
    for resource in evaluations.RESOURCES:
        assert {t for t in resource.texts() if t} <= template


@pytest.fixture(scope="module")
def reviewed(base, api) -> dict:
    """Trainee 29's year-end evaluation, written, opined on, returned, resubmitted and
    approved through the console; the pages seen on the way."""
    seen: dict = {}
    trainee = api.get(f"/roster/trainees/{TRAINEE}")
    active = api.items(f"/mentorship/assignments?trainee_id={TRAINEE}&active=true")
    if not any(a["role"] == "practical" for a in active):
        body = {"trainee_id": TRAINEE, "mentor_id": RARE_MENTOR_ID, "role": "practical"}
        post(base, api, "/mentorship/assignments", body, "city")
    mentor = client_as(base, api.username("mentor", responsible(api, TRAINEE)))
    new = send(
        mentor,
        f"/reporting/evaluations/new?trainee_id={TRAINEE}",
        trainee_id=str(TRAINEE), kind="annual", year=str(year()), grade="competent",
        summary="政治坚定，扎根基层，完成驻村各项任务。", strengths="善于做群众工作",
        improvements="理论学习需加强",
    )  # fmt: skip
    assert new.status_code == 302, html_of(new)[:2000]
    [e] = api.items(f"/reporting/evaluations?trainee_id={TRAINEE}&kind=annual&year={year()}")
    eid = e["id"]
    seen["draft"] = html_of(mentor.get(f"/reporting/evaluations/{eid}"))
    other = client_as(base, api.username("mentor", RARE_MENTOR_ID))
    seen["other"] = html_of(other.get(f"/reporting/evaluations/{eid}"))
    opined = send(
        other,
        f"/reporting/evaluation_opinion/new?evaluation_id={eid}",
        evaluation_id=str(eid),
        opinion="在村里工作踏实，群众认可。",
    )
    assert opined.status_code == 302, html_of(opined)[:2000]
    submit = f"/reporting/evaluation_submit/new?evaluation_id={eid}"
    submitted = send(mentor, submit, evaluation_id=str(eid))
    assert submitted.status_code == 302, html_of(submitted)[:2000]
    e = api.get(f"/reporting/evaluations/{eid}")
    assert e["status"] == "submitted" and e["step"] == e["chain"][0] == "town"
    town = client_as(base, api.username("town", trainee["town_id"]))
    unit = client_as(base, api.username("unit", trainee["unit_id"]))
    seen["town"] = html_of(town.get(f"/reporting/evaluations/{eid}"))
    seen["unit"] = html_of(unit.get(f"/reporting/evaluations/{eid}"))
    seen["town_submit_form"] = town.get(submit).status_code
    returned = send(
        town,
        f"/reporting/evaluation_return/new?evaluation_id={eid}",
        evaluation_id=str(eid),
        reason="请补充驻村工作实绩",
    )
    assert returned.status_code == 302, html_of(returned)[:2000]
    assert api.get(f"/reporting/evaluations/{eid}")["status"] == "returned"
    seen["returned"] = html_of(mentor.get(f"/reporting/evaluations/{eid}"))
    assert send(mentor, submit, evaluation_id=str(eid)).status_code == 302
    approve = f"/reporting/evaluation_approve/new?evaluation_id={eid}"
    assert send(town, approve, evaluation_id=str(eid)).status_code == 302
    assert api.get(f"/reporting/evaluations/{eid}")["step"] == "unit"
    city = client_as(base, "city")
    regraded = send(city, approve, evaluation_id=str(eid), grade="basic", note="驻村实绩材料不足")
    assert regraded.status_code == 302, html_of(regraded)[:2000]
    seen["city"] = html_of(city.get(f"/reporting/evaluations/{eid}"))
    return {"id": eid, "trainee": trainee, "town": town, "mentor": mentor, "seen": seen}


def test_the_mentor_writes_and_submits_the_town_returns_and_the_city_regrades(reviewed, api):
    eid, seen = reviewed["id"], reviewed["seen"]
    e = api.get(f"/reporting/evaluations/{eid}")
    assert e["status"] == "approved" and e["grade"] == "basic"
    assert e["proposed_grade"] == "competent" and e["regrade_note"] == "驻村实绩材料不足"
    assert [o["mentor_id"] for o in e["opinions"]] == [RARE_MENTOR_ID]
    draft = seen["draft"]
    assert reviewed["trainee"]["name"] in draft and "年度考核" in draft and "草稿" in draft
    assert f"/reporting/evaluation_submit/new?evaluation_id={eid}" in draft
    assert "请补充驻村工作实绩" in seen["returned"] and "已退回" in seen["returned"]
    city = seen["city"]
    for text in ("基本称职", "驻村实绩材料不足", RARE_MENTOR, "在村里工作踏实，群众认可。",
                 "审核记录", "审核通过", "退回", "善于做群众工作",
                 "等次调整为基本称职"):  # fmt: skip
        assert text in city, text
    assert f'href="/print/evaluations/{eid}.pdf"' in city
    # the review trail's times are the city's (the API's are UTC, eight hours behind)
    for entry in api.get(f"/reporting/evaluations/{eid}/audit"):
        utc = dt.datetime.fromisoformat(entry["at"])
        assert (utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") in city
    assert f'href="/print/evaluations/{eid}.docx"' in city


def test_a_role_is_offered_only_its_own_actions(reviewed):
    eid, seen = reviewed["id"], reviewed["seen"]
    assert "evaluation_return/new" in seen["town"] and "evaluation_approve/new" in seen["town"]
    for page in (seen["unit"], seen["other"]):  # not the unit's step; not the author
        assert "evaluation_return/new" not in page and "evaluation_approve/new" not in page
    assert "evaluation_submit/new" not in seen["other"]
    assert f"/reporting/evaluations/{eid}/edit" in seen["draft"]  # the author's draft only
    assert f"/reporting/evaluations/{eid}/edit" not in seen["other"]
    assert f"evaluation_opinion/new?evaluation_id={eid}" in seen["other"]
    assert "evaluation_opinion/new" not in seen["draft"]
    assert "evaluation_submit/new" not in seen["city"]  # approved: nothing left to do
    assert "evaluation_approve/new" not in seen["city"]
    assert seen["town_submit_form"] == 403


def test_the_growth_file_lists_the_evaluation(reviewed):
    eid = reviewed["id"]
    page = html_of(reviewed["town"].get(f"/trainees/{TRAINEE}"))
    assert '考核鉴定 <span class="count">(1)</span>' in page
    assert f'href="/reporting/evaluations/{eid}"' in page and "基本称职" in page
    assert f'href="/reporting/evaluations/?trainee_id={TRAINEE}"' in page
    listed = html_of(reviewed["town"].get(f"/reporting/evaluations/?trainee_id={TRAINEE}"))
    assert "共 1 条" in listed and reviewed["trainee"]["name"] in listed
    assert "优秀名额" in listed
    printed = reviewed["town"].get(f"/print/growth/{TRAINEE}.pdf")  # the same tables
    assert "考核鉴定（1）" in squeeze(pdf_text(printed.data))


def test_the_evaluation_prints_with_its_opinions_grade_and_review(base, api, reviewed):
    eid, name = reviewed["id"], reviewed["trainee"]["name"]
    texts = fetch(reviewed["mentor"], f"/print/evaluations/{eid}")
    for text in texts.values():
        flat = squeeze(text)
        for value in (f"{year()}年年度考核", squeeze(name), RARE_MENTOR, "在村里工作踏实",
                      "政治坚定，扎根基层", "善于做群众工作", "理论学习需加强", "基本称职",
                      "驻村实绩材料不足", "审核记录", "请补充驻村工作实绩", "等次调整为基本称职",
                      "审核通过", "市委组织部"):  # fmt: skip
            assert squeeze(value) in flat, value
    trainee = reviewed["trainee"]
    towns = [t["id"] for t in api.items("/roster/towns") if t["id"] != trainee["town_id"]]
    refused(client_as(base, api.username("town", towns[0])), f"/print/evaluations/{eid}")


def test_a_full_quota_of_excellent_is_said_on_the_form(base, api):
    seats = api.items("/mentorship/assignments?role=responsible&active=true")
    pairs = {a["trainee_id"]: a["mentor_id"] for a in seats if a["trainee_id"] != TRAINEE}
    (first, first_mentor), (second, second_mentor) = list(pairs.items())[:2]
    final = year() + 1  # an appraisal of next year: none other written
    body = {"kind": "final", "year": final, "grade": "excellent", "summary": "表现突出"}
    one = post(base, api, "/reporting/evaluations", {**body, "trainee_id": first},
               api.username("mentor", first_mentor))  # fmt: skip
    post(base, api, f"/reporting/evaluations/{one['id']}/submit", {},
         api.username("mentor", first_mentor))  # fmt: skip
    mentor = api.username("mentor", second_mentor)
    two = post(base, api, "/reporting/evaluations", {**body, "trainee_id": second}, mentor)
    client = client_as(base, mentor)
    listed = html_of(client.get(f"/reporting/evaluations/?kind=final&year={final}"))
    assert re.search(rf"{final} 年期满鉴定优秀名额：参评 2 人，最多 1 人，已用 1 人", listed)
    refused_ = send(
        client,
        f"/reporting/evaluation_submit/new?evaluation_id={two['id']}",
        evaluation_id=str(two["id"]),
    )
    assert refused_.status_code == 422
    assert "优秀等次名额已满" in html_of(refused_)
    assert api.get(f"/reporting/evaluations/{two['id']}")["status"] == "draft"


def test_a_trainee_rates_a_mentor_who_sees_no_sums_of_too_few(base, api):
    trainee = client_as(base, "trainee1")
    form = html_of(trainee.get("/reporting/ratings/new"))
    choices = form.split('name="mentor_id"', 1)[1].split("</select>", 1)[0]
    mentor_id = int(re.findall(r'<option value="(\d+)"', choices)[0])
    saved = send(
        trainee, "/reporting/ratings/new",
        mentor_id=str(mentor_id), year=str(year()), score="5", comment="耐心指导",
    )  # fmt: skip
    assert saved.status_code == 302, html_of(saved)[:2000]
    mine = api.items("/reporting/mentor-ratings", "trainee1")
    assert any(r["mentor_id"] == mentor_id and r["score"] == 5 for r in mine)
    listed = html_of(trainee.get("/reporting/ratings/"))
    assert "耐心指导" in listed
    again = html_of(trainee.get("/reporting/ratings/new"))
    left = again.split('name="mentor_id"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{mentor_id}"' not in left  # rated for the year
    sums = html_of(
        client_as(base, api.username("mentor", mentor_id)).get("/reporting/rating_sums/")
    )
    assert "评价人数不足，暂不显示" in sums and "耐心指导" not in sums
    city = html_of(client_as(base, "city").get("/reporting/rating_sums/"))
    assert "耐心指导" in city
    english = html_of(client_as(base, "city", lang="en").get("/reporting/rating_sums/"))
    assert "Mentor rating summary" in english
