"""The reporting's resource pages (``services/console/resources/reporting.py``) against
the embedded default: periods with their true total and the city moving a deadline (a
refused day shown by its field), the assessment's weights, the duty list and progress,
a supervision visit whose finding is closed; a role is not offered what it may not do."""

from __future__ import annotations

import datetime as dt

import pytest

from services.console import catalogue
from services.console.resources import reporting
from shared.clock import city_today
from tests.console.test_app import csrf_of
from tests.console.test_resources import client_as, field_error, first_cells, html_of

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console-resources")]


def today() -> dt.date:
    return city_today("Asia/Shanghai")


def test_every_text_has_its_english():
    template = {m.id for m in catalogue.texts()}
    for resource in [*reporting.RESOURCES, reporting.WEIGHTS]:
        assert {t for t in resource.texts() if t} <= template


def test_the_periods_show_their_true_total_and_the_city_moves_a_deadline(base, api):
    total = api.get("/reporting/periods?per_page=1")["total"]
    assert total > 0
    city = client_as(base, "city")
    html = html_of(city.get("/reporting/periods/"))
    assert f"共 {total} 条" in html
    period = api.get("/reporting/periods?per_page=1&kind=month")["items"][0]
    assert period["code"] in first_cells(html_of(city.get("/reporting/periods/?kind=month")))
    page = f"/reporting/periods/{period['code']}/edit"
    form = html_of(city.get(page))
    refused = city.post(
        page,
        data={"csrf_token": csrf_of(form), "deadline": period["starts_on"], "reason": "太早"},
    )
    assert refused.status_code == 422
    assert period["ends_on"] in field_error(html_of(refused), "deadline")
    assert api.get(f"/reporting/periods/{period['code']}")["deadline"] == period["deadline"]
    # past the end of the following month: refused, the limit said by the field
    after = dt.date.fromisoformat(period["ends_on"]) + dt.timedelta(days=1)
    limit = (after.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    too_late = (limit + dt.timedelta(days=1)).isoformat()
    refused = city.post(
        page, data={"csrf_token": csrf_of(form), "deadline": too_late, "reason": "太晚"}
    )
    assert refused.status_code == 422
    assert limit.isoformat() in field_error(html_of(refused), "deadline")
    assert "次月月底" in field_error(html_of(refused), "deadline")
    later = (dt.date.fromisoformat(period["deadline"]) + dt.timedelta(days=2)).isoformat()
    saved = city.post(
        page, data={"csrf_token": csrf_of(form), "deadline": later, "reason": "系统维护"}
    )
    assert saved.status_code == 302, html_of(saved)[:2000]
    moved = api.get(f"/reporting/periods/{period['code']}")
    assert moved["deadline"] == later and moved["extension_reason"] == "系统维护"
    town = client_as(base, "town1")
    assert town.get(page).status_code == 403
    assert "/edit" not in html_of(town.get(f"/reporting/periods/{period['code']}"))


def test_the_city_sets_the_weights_which_must_add_up_to_100(base, api):
    weights = api.get("/reporting/assessments/weights")["weights"]
    city = client_as(base, "city")
    form = html_of(city.get("/reporting/weights/"))
    assert 'id="f-talk_compliance"' in form
    values = {key: str(value) for key, value in weights.items()}
    refused = city.post(
        "/reporting/weights/",
        data={"csrf_token": csrf_of(form), **values, "report_timeliness": "90"},
    )
    assert refused.status_code == 422
    assert field_error(html_of(refused), "report_timeliness")
    assert api.get("/reporting/assessments/weights")["weights"] == weights
    moved = {**values, "report_timeliness": str(float(values["report_timeliness"]) - 5),
             "talk_compliance": str(float(values["talk_compliance"]) + 5)}  # fmt: skip
    saved = city.post("/reporting/weights/", data={"csrf_token": csrf_of(form), **moved})
    assert saved.status_code == 302, html_of(saved)[:2000]
    now = api.get("/reporting/assessments/weights")["weights"]
    assert float(now["talk_compliance"]) == float(weights["talk_compliance"]) + 5
    assert client_as(base, "town1").get("/reporting/weights/").status_code == 403


def test_a_duty_item_is_added_and_its_town_reports_progress(base, api):
    before = api.get("/reporting/duty-items?per_page=1")["total"]
    city = client_as(base, "city")
    form = html_of(city.get("/reporting/duties/new"))
    refused = city.post(
        "/reporting/duties/new",
        data={"csrf_token": csrf_of(form), "year": str(today().year), "party_kind": "town",
              "title": "", "due_date": f"{today().year}-12-31"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert field_error(html_of(refused), "title")
    assert api.get("/reporting/duty-items?per_page=1")["total"] == before
    towns = {t["name"]: t["id"] for t in api.items("/roster/towns")}
    town_id = api.items("/roster/trainees", "town1")[0]["town_id"]
    assert town_id in towns.values()
    saved = city.post(
        "/reporting/duties/new",
        data={"csrf_token": csrf_of(form), "year": str(today().year), "party_kind": "town",
              "party_town": str(town_id), "title": "建好五小设施",
              "due_date": f"{today().year}-12-31"},
    )  # fmt: skip
    assert saved.status_code == 302, html_of(saved)[:2000]
    item_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert api.get("/reporting/duty-items?per_page=1")["total"] == before + 1
    town = client_as(base, "town1")
    detail = html_of(town.get(f"/reporting/duties/{item_id}"))
    assert "建好五小设施" in detail and "报告进展" in detail
    page = f"/reporting/progress/new?item_id={item_id}"
    form = html_of(town.get(page))
    reported = town.post(
        page,
        data={"csrf_token": csrf_of(form), "item_id": str(item_id), "percent": "40",
              "evidence": "食堂已建成"},
    )  # fmt: skip
    assert reported.status_code == 302, html_of(reported)[:2000]
    assert api.get(f"/reporting/duty-items/{item_id}", "town1")["percent"] == 40
    assert "食堂已建成" in html_of(town.get(f"/reporting/duties/{item_id}"))


def test_a_visit_is_recorded_and_its_finding_closed_by_the_town(base, api):
    town_id = api.items("/roster/trainees", "town1")[0]["town_id"]
    city = client_as(base, "city")
    form = html_of(city.get("/reporting/visits/new"))
    day = today().isoformat()
    saved = city.post(
        "/reporting/visits/new",
        data={"csrf_token": csrf_of(form), "kind": "inspection", "visit_date": day,
              "party_kind": "town", "party_town": str(town_id), "team": "督导一组",
              "checked": "周转房分配", "finding": "台账不全", "requirement": "补齐台账",
              "due_date": (today() + dt.timedelta(days=30)).isoformat()},
    )  # fmt: skip
    assert saved.status_code == 302, html_of(saved)[:2000]
    visit_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    visit = api.get(f"/reporting/supervision-visits/{visit_id}")
    item = visit["rectifications"][0]
    assert item["finding"] == "台账不全" and item["state"] == "open"
    town = client_as(base, "town1")
    listing = html_of(town.get("/reporting/rectifications/?state=open"))
    assert "台账不全" in listing
    page = f"/reporting/close/new?rectification_id={item['id']}"
    assert page.replace("&", "&amp;") in listing or page in listing
    form = html_of(town.get(page))
    tomorrow = (today() + dt.timedelta(days=3)).isoformat()
    refused = town.post(
        page,
        data={"csrf_token": csrf_of(form), "rectification_id": str(item["id"]),
              "evidence": "已补齐", "closed_on": tomorrow},
    )  # fmt: skip
    assert refused.status_code == 422 and field_error(html_of(refused), "closed_on")
    closed = town.post(
        page,
        data={"csrf_token": csrf_of(form), "rectification_id": str(item["id"]),
              "evidence": "已补齐台账"},
    )  # fmt: skip
    assert closed.status_code == 302, html_of(closed)[:2000]
    after = api.get(f"/reporting/supervision-visits/{visit_id}")["rectifications"][0]
    assert after["state"] == "closed" and after["evidence"] == "已补齐台账"


def test_a_role_is_not_offered_what_it_may_not_do(base):
    town = client_as(base, "town1")
    assert "new-duties" not in html_of(town.get("/reporting/duties/"))
    assert town.get("/reporting/duties/new").status_code == 403
    assert town.get("/reporting/visits/new").status_code == 403
    home = html_of(town.get("/reporting/"))
    assert "tile-visits" in home and "tile-reporting_weights_page" not in home
    trainee = client_as(base, "trainee1")
    assert trainee.get("/reporting/visits/").status_code == 403
    assert trainee.get("/reporting/periods/new").status_code == 403
    assert "共 " in html_of(trainee.get("/reporting/periods/"))
    city_home = html_of(client_as(base, "city").get("/reporting/"))
    assert "/reporting/weights/" in city_home
