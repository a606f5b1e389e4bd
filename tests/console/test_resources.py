"""The resource pages (``services/console/resources``) against the embedded default: a list
shows the API's true total across its pages, sorts and filters through the API, and
exports every filtered row; a refused form shows each error next to its field in the
user's language with the typed values kept and nothing stored; the city places a demo
trainee who has no village; a role is not offered, and may not open, what it may not do."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from services.console import catalogue
from services.console.codes import CODES
from services.console.resources import roster
from tests.console.test_app import csrf_of, make_app, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console-resources")]

CONSOLE = Path(__file__).resolve().parents[2] / "services" / "console"
#: An identity number whose check digit is wrong (the right one is X).
BAD_ID_NUMBER = "440106199505010051"


def client_as(base: str, username: str, lang: str = "zh"):
    client = make_app(base).test_client()
    sign_in(client, username)
    if lang != "zh":
        client.get(f"/lang/{lang}")
    return client


def html_of(response) -> str:
    return response.get_data(as_text=True)


def first_cells(html: str) -> list[str]:
    """The first cell of each row of the list (the record's name)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r'<th scope="row">(.*?)</th>', body)
    ]


def field_error(html: str, key: str) -> str:
    match = re.search(rf'<p class="field-error" id="e-f-{key}">([^<]*)</p>', html)
    assert match, f"no error next to {key}"
    return match.group(1)


def test_every_text_of_the_resources_has_its_english():
    template = catalogue.texts()
    texts = set()
    for resource in roster.RESOURCES:
        texts |= {t for t in resource.texts() if t}
    assert texts <= {m.id for m in template}
    assert catalogue.untranslated(catalogue.read(), template) == []
    for kind in ("position_kind", "account_kind", "account_active"):
        assert CODES[kind]


def test_a_list_shows_the_true_total_and_pages_through_it(base, api):
    total = api.get("/roster/accounts?per_page=1")["total"]
    assert total > 100  # more than two pages of 50
    city = client_as(base, "city")
    first = html_of(city.get("/roster/accounts/"))
    pages = -(-total // 50)
    assert f"共 {total} 条" in first and f"第 1 / {pages} 页" in first
    assert len(first_cells(first)) == 50
    last = html_of(city.get(f"/roster/accounts/?page={pages}"))
    assert f"共 {total} 条" in last
    assert len(first_cells(last)) == total - 50 * (pages - 1)
    names = set(first_cells(first)) | set(first_cells(last))
    assert len(names) == len(first_cells(first)) + len(first_cells(last))  # other rows


def test_sorting_and_filters_go_through_the_api(base, api):
    city = client_as(base, "city")
    ascending = first_cells(html_of(city.get("/roster/trainees/?sort=name")))
    descending = first_cells(html_of(city.get("/roster/trainees/?sort=-name")))
    assert ascending[0] != descending[0]
    assert ascending[0] == sorted(t["name"] for t in api.items("/roster/trainees"))[0]
    towns = {t["name"]: t["id"] for t in api.items("/roster/towns")}
    in_town = api.items(f"/roster/trainees?town_id={towns['石龙镇']}")
    page = html_of(city.get(f"/roster/trainees/?town_id={towns['石龙镇']}"))
    assert f"共 {len(in_town)} 条" in page
    assert sorted(first_cells(page)) == sorted(t["name"] for t in in_town)
    one = in_town[0]["name"]
    searched = html_of(city.get(f"/roster/trainees/?q={one}"))
    assert one in first_cells(searched) and "共 40 条" not in searched
    # an unknown sort falls back to the default instead of the API's 400
    assert city.get("/roster/trainees/?sort=password").status_code == 200


def test_export_holds_every_filtered_row_not_the_page(base, api):
    from openpyxl import load_workbook

    city = client_as(base, "city")
    mentors = api.get("/roster/accounts?role=mentor&per_page=1")["total"]
    everyone = api.get("/roster/accounts?per_page=1")["total"]
    assert everyone > 50
    response = city.get("/roster/accounts/?role=mentor&export=xlsx&page=2")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(response.data)).active.values)
    assert rows[0][0] == "用户名"
    assert len(rows) - 1 == mentors and {r[2] for r in rows[1:]} == {"导师"}
    whole = city.get("/roster/accounts/?export=xlsx")
    assert len(list(load_workbook(io.BytesIO(whole.data)).active.values)) - 1 == everyone


@pytest.mark.parametrize(
    ("lang", "check_digit", "whole_number"),
    [("zh", "校验位错误", "应为整数"), ("en", "check digit", "not a whole number")],
)
def test_a_refused_form_shows_each_error_by_its_field_keeps_the_input_and_stores_nothing(
    base, api, lang, check_digit, whole_number
):
    name = f"测试错误{lang}𬌗"
    city = client_as(base, "city", lang)
    form = html_of(city.get("/roster/trainees/new"))
    unit = re.search(r'<option value="(\d+)"', form.split('id="f-unit_id"')[1]).group(1)
    response = city.post(
        "/roster/trainees/new",
        data={
            "csrf_token": csrf_of(form), "name": name, "id_number": BAD_ID_NUMBER,
            "cohort": "二〇二五", "unit_id": unit, "school": "中山大学",
        },
    )  # fmt: skip
    html = html_of(response)
    assert response.status_code == 422
    assert check_digit in field_error(html, "id_number")
    assert whole_number in field_error(html, "cohort")
    assert "id_number:" not in html and "cohort:" not in html  # no API field names
    # what was typed stays in the form
    assert f'value="{name}"' in html and f'value="{BAD_ID_NUMBER}"' in html
    assert 'value="二〇二五"' in html and 'value="中山大学"' in html
    assert re.search(rf'<option value="{unit}" selected>', html)
    assert api.get(f"/roster/trainees?q={quote(name)}")["total"] == 0


def test_the_city_places_an_unplaced_demo_trainee(base, api):
    unplaced = [t for t in api.items("/roster/trainees") if t["village_id"] is None]
    assert unplaced, "the demo city has trainees without a village"
    trainee = unplaced[-1]
    village = api.items("/roster/villages")[3]
    city = client_as(base, "city")
    profile = html_of(city.get(f"/trainees/{trainee['id']}"))
    assert f"/roster/placements/new?trainee_id={trainee['id']}" in profile
    form = html_of(city.get(f"/roster/placements/new?trainee_id={trainee['id']}"))
    assert trainee["name"] in form  # the picker shows the name, not the id
    from shared.clock import city_today

    response = city.post(
        f"/roster/placements/new?trainee_id={trainee['id']}",
        data={
            "csrf_token": csrf_of(form), "trainee_id": str(trainee["id"]),
            "trainee_id__name": trainee["name"], "village_id": str(village["id"]),
            "village_id__name": village["name"], "start_date": f"{city_today('Asia/Shanghai')}",
        },
    )  # fmt: skip
    assert response.status_code == 302, html_of(response)[:2000]
    assert response.headers["Location"].endswith(f"/trainees/{trainee['id']}")
    placed = api.get(f"/roster/trainees/{trainee['id']}")
    assert placed["village_id"] == village["id"] and placed["town_id"] == village["town_id"]


def test_a_picked_name_is_looked_up_when_no_script_chose_it(base, api):
    city = client_as(base, "city")
    towns = {t["id"]: t["name"] for t in api.items("/roster/towns")}
    village = api.items("/roster/villages")[0]
    found = city.get(f"/pick/villages?q={village['name']}").get_json()["items"]
    assert {
        "id": village["id"],
        "name": f"{village['name']}（{towns[village['town_id']]}）",
    } in found
    assert city.get("/pick/nothing?q=a").status_code == 404
    form = html_of(city.get("/roster/positions/new"))
    response = city.post(
        "/roster/positions/new",
        data={"csrf_token": csrf_of(form), "person_id": "", "person_id__name": "没有这个人",
              "kind": "town_staff"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "请从列表中选择" in field_error(html_of(response), "person_id")
    assert 'value="没有这个人"' in html_of(response)


def test_a_role_is_not_offered_what_it_may_not_do(base, api):
    town = client_as(base, "town1")
    listing = html_of(town.get("/roster/trainees/"))
    assert "新建选调生" not in listing and "共 " in listing
    assert town.get("/roster/trainees/new").status_code == 403
    assert town.get("/roster/placements/new").status_code == 403
    assert town.get("/roster/accounts/").status_code == 403
    assert town.get("/roster/towns/1/edit").status_code == 403
    mine = api.items("/roster/trainees", "town1")[0]
    profile = html_of(town.get(f"/trainees/{mine['id']}"))
    assert "/roster/placements/new" not in profile and "/edit" not in profile
    home = html_of(town.get("/roster/"))
    assert "tile-accounts" not in home and "tile-trainees" in home
    unit = client_as(base, "unit1")
    assert "新建选调生" in html_of(unit.get("/roster/trainees/"))
    form = html_of(unit.get("/roster/trainees/new"))
    assert 'id="f-unit_id"' not in form  # a unit registers its own trainees only
    mentor = client_as(base, "mentor1")
    assert mentor.get("/roster/").status_code == 403
    assert mentor.get("/roster/people/").status_code == 403
