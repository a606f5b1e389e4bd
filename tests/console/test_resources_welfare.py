"""Welfare's resource pages (``services/console/resources/welfare.py``) against the embedded
default: lists show the API's true total; a refused housing form shows each error by its
field and stores nothing; a town adds housing, gives a bed and vacates it; the city edits
housing, adds a conversion project, a policy (typed in yuan, stored in fen), a campaign
and a budget; a visit is recorded; a need is handed to a unit; a role is not offered, and
may not open, what it may not do."""

from __future__ import annotations

import re

import pytest

from services.console import catalogue
from services.console.codes import CODES
from services.console.resources import welfare
from shared.clock import city_today
from tests.console.test_app import csrf_of
from tests.console.test_resources import client_as, field_error, first_cells, html_of

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console-resources")]


def today() -> str:
    return city_today("Asia/Shanghai").isoformat()


def post(client, url: str, data: dict):
    form = html_of(client.get(url))
    return client.post(url, data={"csrf_token": csrf_of(form), **data})


def test_every_text_of_the_welfare_resources_has_its_english():
    template = catalogue.texts()
    texts = set()
    for resource in welfare.RESOURCES:
        texts |= {t for t in resource.texts() if t}
    assert texts <= {m.id for m in template}
    assert catalogue.untranslated(catalogue.read(), template) == []
    for kind in ("housing_source", "conversion_status", "handler_role"):
        assert CODES[kind]


def test_the_lists_show_the_true_total(base, api):
    city = client_as(base, "city")
    for path, api_path in (
        ("/welfare/needs/", "/welfare/needs"),
        ("/welfare/housing/", "/welfare/housing"),
        ("/welfare/allocations/", "/welfare/allocations"),
        ("/welfare/campaigns/", "/welfare/campaigns"),
        ("/welfare/policies/", "/welfare/policies"),
        ("/welfare/conversions/", "/welfare/conversions"),
    ):
        total = api.get(f"{api_path}?per_page=1")["total"]
        page = html_of(city.get(path))
        assert f"共 {total} 条" in page, path
        assert len(first_cells(page)) == min(total, 50), path
    needs = api.get("/welfare/needs?per_page=1")["total"]
    if needs > 50:
        pages = -(-needs // 50)
        last = html_of(city.get(f"/welfare/needs/?page={pages}"))
        assert len(first_cells(last)) == needs - 50 * (pages - 1)
    # a filter goes through the API: the open needs only
    open_ = api.get("/welfare/needs?status=open&per_page=1")["total"]
    assert f"共 {open_} 条" in html_of(city.get("/welfare/needs/?status=open"))
    assert city.get("/welfare/needs/?sort=due_on").status_code == 200


@pytest.mark.parametrize(
    ("lang", "whole_number"), [("zh", "应为整数"), ("en", "not a whole number")]
)
def test_a_refused_housing_form_shows_errors_by_field_and_stores_nothing(
    base, api, lang, whole_number
):
    town = client_as(base, "town1", lang)
    before = api.get("/welfare/housing?per_page=1")["total"]
    address = f"测试地址{lang}𬌗"
    response = post(
        town,
        "/welfare/housing/new",
        {"address": address, "rooms": "二", "beds": "2", "source": "new_build"},
    )
    html = html_of(response)
    assert response.status_code == 422
    assert whole_number in field_error(html, "rooms")
    assert "rooms:" not in html
    assert f'value="{address}"' in html and 'value="二"' in html
    assert api.get("/welfare/housing?per_page=1")["total"] == before
    missing = post(town, "/welfare/housing/new", {"rooms": "1", "beds": "1"})
    assert missing.status_code == 422
    assert field_error(html_of(missing), "address")
    assert field_error(html_of(missing), "source")
    assert api.get("/welfare/housing?per_page=1")["total"] == before


def test_a_town_adds_housing_gives_a_bed_and_vacates_it(base, api):
    town = client_as(base, "town1")
    me = next(a for a in api.items("/roster/accounts?role=town") if a["username"] == "town1")
    response = post(
        town,
        "/welfare/housing/new",
        {"address": "测试周转房一号", "rooms": "2", "beds": "2", "source": "new_build"},
    )
    assert response.status_code == 302, html_of(response)[:2000]
    housing_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    housing = api.get(f"/welfare/housing/{housing_id}")
    assert housing["town_id"] == me["scope_id"] and housing["beds"] == 2
    detail = html_of(town.get(f"/welfare/housing/{housing_id}"))
    assert f"/welfare/allocate/new?housing_id={housing_id}" in detail
    # every trainee of the town holds a bed: vacate one (a reason is required, next to
    # its field, and nothing changes without it), then give that trainee the new bed
    allocation = next(
        a
        for a in api.items("/welfare/allocations?active=true", "town1")
        if a["town_id"] == me["scope_id"]
    )
    refused = post(
        town,
        f"/welfare/release/new?allocation_id={allocation['id']}",
        {"allocation_id": str(allocation["id"]), "end_date": today()},
    )
    assert refused.status_code == 422 and field_error(html_of(refused), "reason")
    assert api.get(f"/welfare/allocations/{allocation['id']}")["active"] is True
    released = post(
        town,
        f"/welfare/release/new?allocation_id={allocation['id']}",
        {"allocation_id": str(allocation["id"]), "end_date": today(), "reason": "调换住房"},
    )
    assert released.status_code == 302, html_of(released)[:2000]
    assert api.get(f"/welfare/allocations/{allocation['id']}")["active"] is False
    trainee = api.get(f"/roster/trainees/{allocation['trainee_id']}")
    given = post(
        town,
        f"/welfare/allocate/new?housing_id={housing_id}",
        {
            "housing_id": str(housing_id),
            "trainee_id": str(trainee["id"]),
            "trainee_id__name": trainee["name"],
            "start_date": today(),
        },
    )
    assert given.status_code == 302, html_of(given)[:2000]
    assert api.get(f"/welfare/housing/{housing_id}")["occupied"] == 1
    assert trainee["name"] in html_of(town.get(f"/welfare/housing/{housing_id}"))
    # the city edits it
    city = client_as(base, "city")
    edited = post(
        city,
        f"/welfare/housing/{housing_id}/edit",
        {"address": "测试周转房一号", "rooms": "3", "beds": "4", "source": "new_build"},
    )
    assert edited.status_code == 302, html_of(edited)[:2000]
    assert api.get(f"/welfare/housing/{housing_id}")["beds"] == 4


def test_the_city_adds_a_conversion_a_policy_a_campaign_and_a_budget(base, api):
    city = client_as(base, "city")
    town = api.items("/roster/towns")[0]
    made = post(
        city,
        "/welfare/conversions/new",
        {"town_id": str(town["id"]), "address": "测试闲置房", "status": "planned"},
    )
    assert made.status_code == 302, html_of(made)[:2000]
    conversion = next(c for c in api.items("/welfare/conversions") if c["address"] == "测试闲置房")
    # done without its completion day: refused by the API, nothing changes
    undone = post(
        city,
        f"/welfare/conversions/{conversion['id']}/edit",
        {"address": "测试闲置房", "status": "done", "beds_gained": "3"},
    )
    assert undone.status_code == 422, html_of(undone)[:2000]
    assert api.get(f"/welfare/conversions/{conversion['id']}")["status"] == "planned"
    finished = post(
        city,
        f"/welfare/conversions/{conversion['id']}/edit",
        {"address": "测试闲置房", "status": "done", "beds_gained": "3",
         "started_on": today(), "completed_on": today()},
    )  # fmt: skip
    assert finished.status_code == 302, html_of(finished)[:2000]
    assert api.get(f"/welfare/conversions/{conversion['id']}")["beds_gained"] == 3
    # a policy's amounts are typed in yuan and stored in fen; a day that is not the first
    # of a month is refused next to its field
    policies = api.get("/welfare/policies?per_page=1")["total"]
    bad = post(
        city,
        "/welfare/policies/new",
        {"effective_from": "2027-03-15", "monthly_amount_fen": "1200",
         "placement_fee_fen": "五千"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert field_error(html_of(bad), "effective_from")
    assert api.get("/welfare/policies?per_page=1")["total"] == policies
    good = post(
        city,
        "/welfare/policies/new",
        {"effective_from": "2027-03-01", "monthly_amount_fen": "1200.50",
         "placement_fee_fen": "5000"},
    )  # fmt: skip
    assert good.status_code == 302, html_of(good)[:2000]
    policy = next(p for p in api.items("/welfare/policies") if p["effective_from"] == "2027-03-01")
    assert policy["monthly_amount_fen"] == 120050 and policy["placement_fee_fen"] == 500000
    campaign = post(
        city,
        "/welfare/campaigns/new",
        {"name": "测试中秋走访", "starts_on": today(), "ends_on": today(), "organisers": "组织科"},
    )
    assert campaign.status_code == 302, html_of(campaign)[:2000]
    assert "/welfare/campaigns/" in campaign.headers["Location"]
    # a budget: refused by its field when it is no amount, else set once confirmed
    year = int(today()[:4])
    before = api.get(f"/welfare/fund-use?year={year}")
    bad_budget = post(
        city,
        "/welfare/budget/new",
        {"town_id": str(town["id"]), "year": str(year), "amount_fen": "八万"},
    )
    assert bad_budget.status_code == 422
    assert "金额" in field_error(html_of(bad_budget), "amount_fen")
    budget = post(
        city,
        "/welfare/budget/new",
        {"town_id": str(town["id"]), "year": str(year), "amount_fen": "80000"},
    )
    assert budget.status_code == 302, html_of(budget)[:2000]
    assert "/confirm/budget?" in budget.headers["Location"]
    assert api.get(f"/welfare/fund-use?year={year}") == before  # nothing yet
    page = html_of(city.get(budget.headers["Location"]))
    assert f"{town['name']} {year} 年预算" in page and "¥80,000.00" in page
    done = city.post(
        budget.headers["Location"],
        data={"csrf_token": csrf_of(page), "fingerprint": re.search(
            r'name="fingerprint" value="([^"]+)"', page).group(1)},
    )  # fmt: skip
    assert done.status_code == 302, html_of(done)[:2000]
    use = api.get(f"/welfare/fund-use?year={year}")
    assert next(t for t in use["towns"] if t["town_id"] == town["id"])["budget_fen"] == 8_000_000
    assert client_as(base, "town1").get(budget.headers["Location"]).status_code == 403


def test_a_town_records_its_facility(base, api):
    town = client_as(base, "town1")
    me = next(a for a in api.items("/roster/accounts?role=town") if a["username"] == "town1")
    form = html_of(town.get("/welfare/facility/new"))
    assert 'id="f-town_id"' not in form  # its own town
    refused = post(town, "/welfare/facility/new", {"kind": "library", "state": "ready"})
    assert refused.status_code == 422, html_of(refused)[:2000]
    saved = post(
        town,
        "/welfare/facility/new",
        {"kind": "library", "state": "in_progress", "started_on": today()},
    )
    assert saved.status_code == 302, html_of(saved)[:2000]
    towns = api.get(f"/welfare/facilities?town_id={me['scope_id']}")
    library = next(f for f in towns[0]["facilities"] if f["kind"] == "library")
    assert library["state"] == "in_progress" and library["started_on"] == today()


def test_a_visit_is_recorded_and_a_need_handed_to_a_unit(base, api):
    city = client_as(base, "city")
    made = post(
        city,
        "/welfare/campaigns/new",
        {"name": "测试走访", "starts_on": today(), "ends_on": today(), "organisers": "组织科"},
    )
    assert made.status_code == 302, html_of(made)[:2000]
    campaign = next(c for c in api.items("/welfare/campaigns") if c["name"] == "测试走访")
    trainee = api.items(f"/welfare/campaigns/{campaign['id']}/not-visited")[0]
    tid = trainee.get("trainee_id", trainee.get("id"))
    name = api.get(f"/roster/trainees/{tid}")["name"]
    visit = post(
        city,
        f"/welfare/visits/new?campaign_id={campaign['id']}",
        {"campaign_id": str(campaign["id"]), "trainee_id": str(tid), "trainee_id__name": name,
         "visit_date": today(), "visitor": "测试走访人"},
    )  # fmt: skip
    assert visit.status_code == 302, html_of(visit)[:2000]
    visits = api.items(f"/welfare/campaigns/{campaign['id']}/visits?trainee_id={tid}")
    assert any(v["visitor"] == "测试走访人" for v in visits)

    need = next(n for n in api.items("/welfare/needs?status=open"))
    page = html_of(city.get(f"/welfare/needs/{need['id']}"))
    assert f"/welfare/assign/new?need_id={need['id']}" in page
    # a unit handler without the unit is refused next to the handler's role
    refused = post(
        city,
        f"/welfare/assign/new?need_id={need['id']}",
        {"need_id": str(need["id"]), "handler_role": "unit"},
    )
    assert refused.status_code == 422
    assert field_error(html_of(refused), "handler_role")
    unit = api.items("/roster/units")[0]
    handed = post(
        city,
        f"/welfare/assign/new?need_id={need['id']}",
        {"need_id": str(need["id"]), "handler_role": "unit", "handler_unit": str(unit["id"]),
         "handler_unit__name": unit["name"]},
    )  # fmt: skip
    assert handed.status_code == 302, html_of(handed)[:2000]
    after = api.get(f"/welfare/needs/{need['id']}")
    assert after["handler_role"] == "unit" and after["handler_scope_id"] == unit["id"]


def test_a_role_is_not_offered_what_it_may_not_do(base, api):
    unit = client_as(base, "unit1")
    assert unit.get("/welfare/housing/").status_code == 403
    assert unit.get("/welfare/housing/new").status_code == 403
    assert unit.get("/welfare/budget/new").status_code == 403
    campaigns = html_of(unit.get("/welfare/campaigns/"))
    assert "共 " in campaigns and "/welfare/campaigns/new" not in campaigns
    assert unit.get("/welfare/campaigns/new").status_code == 403
    assert unit.get("/welfare/policies/new").status_code == 403
    town = client_as(base, "town1")
    form = html_of(town.get("/welfare/housing/new"))
    assert 'id="f-town_id"' not in form  # a town houses in its own town
    assert "/welfare/policies/new" not in html_of(town.get("/welfare/policies/"))
    mentor = client_as(base, "mentor1")
    assert mentor.get("/welfare/housing/").status_code == 403
    assert mentor.get("/welfare/conversions/").status_code == 403
    trainee = client_as(base, "trainee1")
    assert trainee.get("/welfare/needs/").status_code == 403
    assert trainee.get("/welfare/assign/new").status_code == 403
    own = api.items("/welfare/needs", "trainee1")
    if own:
        page = html_of(trainee.get(f"/welfare/needs/{own[0]['id']}"))
        assert "/welfare/assign/new" not in page
