"""Money and publishing are confirmed with their exact effect, and the result is counted:
the confirmation page says how many and how much, for whom; confirming does exactly that;
a page whose data changed meanwhile gets a 409 with the new effect and nothing is done;
nothing to pay is said as such, never as "已发放". People are named, not numbered, on the
talk and review pages, and an unknown URL is a 404 page for every role.

Against the embedded default (its demo city), through Flask's test client."""

from __future__ import annotations

import html as htmllib
import re
from collections import defaultdict

import pytest

from services.console.app import yuan
from tests.console.test_app import csrf_of, make_app, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console")]


def signed_in(base: str, username: str):
    client = make_app(base).test_client()
    sign_in(client, username)
    return client


def text_of(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def flashes(html: str) -> list[str]:
    return [htmllib.unescape(m) for m in re.findall(r'<p class="flash \w+">(.*?)</p>', html)]


def fingerprint_of(html: str) -> str:
    return re.search(r'name="fingerprint" value="([^"]*)"', html).group(1)


def confirm(client, name: str, page_html: str, **form):
    data = {"csrf_token": csrf_of(page_html), "fingerprint": fingerprint_of(page_html), **form}
    return client.post(f"/confirm/{name}", data=data)


def live(rows: list[dict]) -> list[dict]:
    return [s for s in rows if s.get("reverses_id") is None and not s.get("reversed")]


def towns(api) -> dict[str, dict]:
    return {t["name"]: t for t in api.items("/roster/towns")}


def approved_by_month(api, town_id: int) -> dict[str, list[dict]]:
    out = defaultdict(list)
    for s in live(api.items(f"/welfare/subsidies?status=approved&town_id={town_id}")):
        out[s["month"]].append(s)
    return out


def town_user(api, town_id: int) -> str:
    return api.username("town", town_id)


# -- paying a month --------------------------------------------------------------------------


def test_the_confirmation_names_the_count_and_total_and_confirming_pays_exactly_those(base, api):
    town = towns(api)["白云镇"]
    month, batch = max(approved_by_month(api, town["id"]).items(), key=lambda kv: len(kv[1]))
    total = sum(s["amount_fen"] for s in batch)
    city = signed_in(base, "city")
    page = city.get(f"/confirm/pay-month?month={month}&town_id={town['id']}")
    assert page.status_code == 200
    html = text_of(page)
    said = f"发放 {len(batch)} 笔补贴，共 ¥{yuan(total)}（白云镇 {month}）"
    assert said in html
    for s in batch[:3]:
        trainee = api.get(f"/roster/trainees/{s['trainee_id']}")
        assert trainee["name"] in html  # whom, by name
    done = confirm(
        city, "pay-month", html, month=month, town_id=town["id"], payment_ref="ZF-CONFIRM-1"
    )
    assert done.status_code == 302
    after = text_of(city.get(done.headers["Location"]))
    assert f"已发放 {len(batch)} 笔，共 ¥{yuan(total)}（白云镇 {month}" in " ".join(flashes(after))
    paid = [s for s in api.items(f"/welfare/subsidies?town_id={town['id']}&month={month}")
            if s.get("payment_ref") == "ZF-CONFIRM-1"]  # fmt: skip
    assert sorted(s["id"] for s in paid) == sorted(s["id"] for s in batch)
    assert {s["status"] for s in paid} == {"paid"}


def test_a_stale_confirmation_gets_409_with_the_new_effect_and_pays_nothing(base, api):
    town = towns(api)["溪头镇"]
    generated = defaultdict(list)
    for s in live(api.items(f"/welfare/subsidies?status=generated&town_id={town['id']}")):
        generated[s["month"]].append(s)
    approved = approved_by_month(api, town["id"])
    month = next(m for m in sorted(generated) if approved.get(m))
    before = approved[month]
    city = signed_in(base, "city")
    page = text_of(city.get(f"/confirm/pay-month?month={month}&town_id={town['id']}"))
    assert f"发放 {len(before)} 笔补贴" in page

    # meanwhile the town approves one more subsidy of that month (itself confirmed)
    clerk = signed_in(base, town_user(api, town["id"]))
    extra = generated[month][0]
    approve_page = text_of(clerk.get(f"/confirm/subsidy-approve?id={extra['id']}"))
    assert f"¥{yuan(extra['amount_fen'])}" in approve_page
    approved_now = confirm(clerk, "subsidy-approve", approve_page, id=extra["id"])
    assert approved_now.status_code == 302
    assert "已审核通过 1 笔" in " ".join(
        flashes(text_of(clerk.get(approved_now.headers["Location"])))
    )

    stale = confirm(
        city, "pay-month", page, month=month, town_id=town["id"], payment_ref="ZF-STALE-1"
    )
    assert stale.status_code == 409
    html = text_of(stale)
    assert "数据已变化" in html
    now = len(before) + 1
    total = sum(s["amount_fen"] for s in before) + extra["amount_fen"]
    assert f"发放 {now} 笔补贴，共 ¥{yuan(total)}" in html
    subsidies = api.items(f"/welfare/subsidies?town_id={town['id']}&month={month}")
    assert not [s for s in subsidies if s.get("payment_ref") == "ZF-STALE-1"]
    assert {s["status"] for s in subsidies if s["id"] in {b["id"] for b in before}} == {"approved"}

    # confirming what is shown now pays exactly those
    done = confirm(
        city, "pay-month", html, month=month, town_id=town["id"], payment_ref="ZF-STALE-2"
    )
    assert done.status_code == 302
    paid = [s for s in api.items(f"/welfare/subsidies?town_id={town['id']}&month={month}")
            if s.get("payment_ref") == "ZF-STALE-2"]  # fmt: skip
    assert len(paid) == now and sum(s["amount_fen"] for s in paid) == total


def test_nothing_to_pay_is_said_and_never_shown_as_paid(base, api):
    town = towns(api)["石龙镇"]
    approved = approved_by_month(api, town["id"])
    months = {s["month"] for s in api.items(f"/welfare/subsidies?town_id={town['id']}")}
    month = next(m for m in sorted(months) if not approved.get(m))
    city = signed_in(base, "city")
    page = city.get(f"/confirm/pay-month?month={month}&town_id={town['id']}")
    html = text_of(page)
    assert page.status_code == 200
    assert f"石龙镇 {month} 没有已审核待发放的补贴" in html
    assert 'id="confirm-form"' not in html  # no button to press
    # a form posted anyway (an old tab) pays nothing and says so
    done = city.post(
        "/confirm/pay-month",
        data={"csrf_token": csrf_of(html), "fingerprint": "0:0:", "month": month,
              "town_id": town["id"], "payment_ref": "ZF-NOTHING"},
    )  # fmt: skip
    shown = flashes(text_of(city.get(done.headers["Location"])))
    assert shown and not any("已发放" in line for line in shown), shown
    assert not [
        s for s in api.items(f"/welfare/subsidies?town_id={town['id']}")
        if s.get("payment_ref") == "ZF-NOTHING"
    ]  # fmt: skip


def test_approve_month_through_its_confirmation_counts_what_it_approved(base, api):
    town = towns(api)["东城街道"]
    generated = defaultdict(list)
    for s in live(api.items(f"/welfare/subsidies?status=generated&town_id={town['id']}")):
        generated[s["month"]].append(s)
    month, batch = max(generated.items(), key=lambda kv: len(kv[1]))
    total = sum(s["amount_fen"] for s in batch)
    clerk = signed_in(base, town_user(api, town["id"]))
    html = text_of(clerk.get(f"/confirm/approve-month?month={month}"))
    assert f"审核通过 {len(batch)} 笔补贴，共 ¥{yuan(total)}（东城街道 {month}）" in html
    done = confirm(clerk, "approve-month", html, month=month)
    shown = " ".join(flashes(text_of(clerk.get(done.headers["Location"]))))
    assert f"已审核通过 {len(batch)} 笔，共 ¥{yuan(total)}" in shown
    # the city cannot open the town's confirmation
    assert signed_in(base, "city").get(f"/confirm/approve-month?month={month}").status_code == 403


# -- one subsidy -------------------------------------------------------------------------------


def test_a_reversal_requires_a_reason_and_the_detail_page_shows_it(base, api):
    town = towns(api)["南岗镇"]
    paid = live(api.items(f"/welfare/subsidies?status=paid&town_id={town['id']}"))[0]
    trainee = api.get(f"/roster/trainees/{paid['trainee_id']}")
    city = signed_in(base, "city")
    detail = text_of(city.get(f"/welfare/subsidies/{paid['id']}"))
    assert trainee["name"] in detail and "南岗镇" in detail and paid["month"] in detail
    assert yuan(paid["amount_fen"]) in detail and paid["payment_ref"] in detail  # its ledger entry
    assert f"/confirm/subsidy-reverse?id={paid['id']}" in detail

    page = text_of(city.get(f"/confirm/subsidy-reverse?id={paid['id']}"))
    assert f"冲正{trainee['name']} {paid['month']} 已发放的补贴 ¥{yuan(paid['amount_fen'])}" in page
    refused = confirm(city, "subsidy-reverse", page, id=paid["id"], reason="  ")
    assert refused.status_code == 422
    assert 'id="e-reason"' in refused.get_data(as_text=True)
    assert api.get(f"/welfare/subsidies/{paid['id']}")["reversed"] is False
    done = confirm(city, "subsidy-reverse", page, id=paid["id"], reason="驻村天数有误")
    assert done.status_code == 302
    shown = " ".join(flashes(text_of(city.get(done.headers["Location"]))))
    assert f"已冲正 1 笔，共 ¥{yuan(paid['amount_fen'])}" in shown
    assert api.get(f"/welfare/subsidies/{paid['id']}")["reversed"] is True
    # reversed: the page offers no second reversal, and a confirm of the old page is stale
    again = confirm(city, "subsidy-reverse", page, id=paid["id"], reason="再次")
    assert again.status_code == 409


def test_a_reissue_is_confirmed_with_the_new_amount_it_gets(base, api):
    town = towns(api)["新塘镇"]
    original = live(api.items(f"/welfare/subsidies?status=paid&town_id={town['id']}"))[0]
    days = max(1, original["days_stationed"] - 3)
    city = signed_in(base, "city")
    page = text_of(city.get(f"/confirm/subsidy-reissue?id={original['id']}&days_stationed={days}"))
    said = re.search(r"重新生成一笔 ¥([\d,.]+) 的补贴", page)
    assert said and f"先冲正原补贴 ¥{yuan(original['amount_fen'])}" in page
    assert confirm(city, "subsidy-reissue", page, id=original["id"], days_stationed=days,
                   reason="").status_code == 422  # fmt: skip
    done = confirm(
        city, "subsidy-reissue", page, id=original["id"], days_stationed=days, reason="天数有误"
    )
    assert done.status_code == 302
    shown = " ".join(flashes(text_of(city.get(done.headers["Location"]))))
    [new] = [
        s for s in api.items(f"/welfare/subsidies?town_id={town['id']}&month={original['month']}")
        if s.get("reissues_id") == original["id"]
    ]  # fmt: skip
    assert yuan(new["amount_fen"]) == said.group(1)  # the amount confirmed is the amount issued
    assert f"新补贴 ¥{yuan(new['amount_fen'])}（驻村 {days}/" in shown
    assert new["status"] == "generated"


def test_the_confirmation_speaks_english_in_english_mode(base, api):
    town = towns(api)["白云镇"]
    city = signed_in(base, "city")
    city.get("/lang/en")
    months = {s["month"] for s in api.items(f"/welfare/subsidies?town_id={town['id']}")}
    html = text_of(city.get(f"/confirm/pay-month?month={max(months)}&town_id={town['id']}"))
    assert "Confirm: pay subsidies" in html
    assert "Pay " in html or "has no approved subsidies to pay" in html
    assert "发放" not in html and "没有已审核" not in html


def test_the_subsidy_list_links_each_row_to_its_detail(base, api):
    town = towns(api)["新塘镇"]
    one = api.items(f"/welfare/subsidies?town_id={town['id']}")[0]
    clerk = signed_in(base, town_user(api, town["id"]))
    html = clerk.get(f"/welfare/subsidies?month={one['month']}").get_data(as_text=True)
    assert f'href="/welfare/subsidies/{one["id"]}"' in html
    assert clerk.get(f"/welfare/subsidies/{one['id']}").status_code == 200


def test_a_placement_fee_is_confirmed_with_whose_and_how_much(base, api):
    fee = api.items("/welfare/placement-fees?status=due")[0]
    name = api.get(f"/roster/trainees/{fee['trainee_id']}")["name"]
    city = signed_in(base, "city")
    page = text_of(city.get(f"/confirm/fee-pay?id={fee['id']}&payment_ref=ZF-F-1"))
    assert f"发放{name}的一次性安置费 ¥" in page and 'value="ZF-F-1"' in page
    if fee.get("amount_fen") is not None:
        assert f"¥{yuan(fee['amount_fen'])}" in page
    refused = confirm(city, "fee-pay", page, id=fee["id"], payment_ref="", paid_on="")
    assert refused.status_code == 422
    assert api.get(f"/welfare/placement-fees/{fee['id']}")["status"] == "due"


def test_publishing_an_assessment_is_confirmed_with_its_count(base, api):
    city = signed_in(base, "city")
    dashboard = text_of(city.get("/dashboard/"))
    period = re.search(r'id="f-period" name="period" value="([^"]+)"', dashboard).group(1)
    computed = city.post(
        "/dashboard/assessments",
        data={"csrf_token": csrf_of(dashboard), "party_kind": "unit", "period": period},
    )
    assert computed.status_code == 302
    [a] = api.items(f"/reporting/assessments?party_kind=unit&period={period}")
    a = api.get(f"/reporting/assessments/{a['id']}")
    assert a["status"] == "draft" and a["scores"]
    page = text_of(city.get(f"/confirm/assessment-publish?id={a['id']}"))
    assert f"{len(a['scores'])} 个对象的得分和排名" in page
    assert a["scores"][0]["party_name"] in page
    done = confirm(city, "assessment-publish", page, id=a["id"])
    shown = " ".join(flashes(text_of(city.get(done.headers["Location"]))))
    assert f"考核结果（{len(a['scores'])} 个对象）" in shown and "已发布" in shown
    assert api.get(f"/reporting/assessments/{a['id']}")["status"] == "published"
    # published: the confirmation has nothing left to offer
    assert 'id="confirm-form"' not in text_of(city.get(f"/confirm/assessment-publish?id={a['id']}"))


# -- names, not ids ----------------------------------------------------------------------------


def test_talk_pages_name_the_trainee_and_the_mentor(base, api):
    talk = api.get("/mentorship/talks?per_page=1")["items"][0]
    trainee = api.get(f"/roster/trainees/{talk['trainee_id']}")["name"]
    city = signed_in(base, "city")
    listed = text_of(city.get("/talks/"))
    assert trainee in listed and talk["mentor_name"] in listed
    assert not re.search(r"<t[hd][^>]*>(<a [^>]*>)?#\d+", listed)
    one = text_of(city.get(f"/talks/{talk['id']}"))
    assert trainee in one and talk["mentor_name"] in one
    assert f"#{talk['trainee_id']}" not in one

    mentor = signed_in(base, api.username("mentor", talk["mentor_id"]))
    page = text_of(mentor.get(f"/talks/{talk['id']}"))
    link = re.search(r'id="talk-trainee"><a href="([^"]+)"', page).group(1)
    assert link == f"/talks/?trainee_id={talk['trainee_id']}"
    theirs = mentor.get(link)
    assert theirs.status_code == 200 and trainee in text_of(theirs)
    home = mentor.get("/").get_data(as_text=True)
    assert "/trainees/" not in home  # a mentor's links never lead to roster's 404


def test_the_review_page_names_the_trainee(base, api):
    town = towns(api)["石龙镇"]
    report = api.items(f"/reporting/reports?status=submitted&town_id={town['id']}")
    # (on some days of the demo's calendar none waits for review: any report's page will do)
    report = report or api.items(f"/reporting/reports?town_id={town['id']}")
    r = report[0]
    name = api.get(f"/roster/trainees/{r['trainee_id']}")["name"]
    html = text_of(signed_in(base, "city").get(f"/reports/{r['id']}"))
    assert f'<span id="report-trainee">{name}</span>' in html


def test_raising_a_need_picks_the_trainee_by_name(base, api):
    town = towns(api)["石龙镇"]
    clerk = signed_in(base, town_user(api, town["id"]))
    html = text_of(clerk.get("/welfare/needs/new"))
    assert "学员编号" not in html
    trainee = api.items(f"/roster/trainees?town_id={town['id']}&status=active")[0]
    assert re.search(rf'<option value="{trainee["id"]}">{re.escape(trainee["name"])}', html)
    raised = clerk.post(
        "/welfare/needs/new",
        data={"csrf_token": csrf_of(html), "trainee_id": trainee["id"], "category": "life",
              "title": "宿舍热水器损坏", "description": "需要维修"},
    )  # fmt: skip
    assert raised.status_code == 302
    need = text_of(clerk.get(raised.headers["Location"]))
    assert trainee["name"] in need and "宿舍热水器损坏" in need
    assert not re.search(r"#\d", need)  # the handler named too, not "#3"


# -- an unknown page ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["city", "town1", "unit1", "trainee1", "mentor"])
def test_an_unknown_url_is_the_404_page_for_every_role(base, api, username):
    if username == "mentor":
        username = api.username(
            "mentor", api.items("/mentorship/assignments?active=true")[0]["mentor_id"]
        )
    client = signed_in(base, username)
    for path in ("/no/such/page", "/talks/nothing", "/confirm/no-such-action"):
        response = client.get(path)
        assert response.status_code == 404, (username, path)
        assert "找不到该页面或对象" in response.get_data(as_text=True)
