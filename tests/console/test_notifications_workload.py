"""The mentor's workload pages and the inbox, against the embedded demo city: a mentor
reads their own workload from the menu and nobody else's; the city and a town read every
mentor's of their scope, paged with the true total, sorted, filtered and exported whole;
notifications are grouped by day, linked to their object, read in English in English mode,
and marked read one by one or all at once."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.console.conftest import PHONE
from tests.console.test_app import csrf_of, make_app, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console")]

CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]+")


def signed_in(base: str, username: str, lang: str | None = None):
    client = make_app(base).test_client()
    sign_in(client, username)
    if lang:
        client.get(f"/lang/{lang}?next=/")
    return client


def html(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.get_data(as_text=True)[:1500])
    return response.get_data(as_text=True)


@pytest.fixture(scope="module")
def mentor(api) -> dict:
    """A demo mentor with mentees: their id, username and mentees' names."""
    seats = api.items("/mentorship/assignments?active=true")
    mentor_id = seats[0]["mentor_id"]
    return {
        "id": mentor_id,
        "username": api.username("mentor", mentor_id),
        "mentees": {s["trainee_name"] for s in seats if s["mentor_id"] == mentor_id},
        "other": next(s["mentor_id"] for s in seats if s["mentor_id"] != mentor_id),
    }


# -- workload -----------------------------------------------------------------------------


def test_a_mentor_reads_their_own_workload_from_the_menu_and_no_one_elses(base, api, mentor):
    client = signed_in(base, mentor["username"])
    assert 'href="/workload/"' in html(client, "/") and "我的工作量" in html(client, "/")
    assert client.get("/workload/").headers["Location"].endswith("/workload/mine")
    page = html(client, "/workload/mine")
    for name in mentor["mentees"]:
        assert name in page
    assert "本月已谈 / 应谈" in page and "学员未确认的谈话" in page
    # this quarter's four aspects, each with the API's count
    assert "本季度谈话涉及的四个方面" in page
    own = api.get(f"/mentorship/workload/{mentor['id']}")
    names = {
        "political": "政治引领",
        "practice": "实践指导",
        "conduct": "作风培养",
        "care": "生活关心",
    }
    assert set(own["aspects"]) == set(names)
    for key, name in names.items():
        shown = f'<span class="value">{own["aspects"][key]}</span><span class="what">{name}</span>'
        assert shown in page, name
    assert ('id="aspects-uncovered"' in page) == (0 in own["aspects"].values())
    html(client, f"/workload/{mentor['other']}", 404)
    english = html(signed_in(base, mentor["username"], "en"), "/workload/mine")
    assert "My workload" in english and "Open follow-ups" in english


def test_the_city_pages_sorts_filters_and_exports_every_mentors_workload(base, api):
    client = signed_in(base, "city")
    total = api.get("/mentorship/workload?per_page=1")["total"]
    assert total > 30  # the demo city has more mentors than a page
    first = html(client, "/workload/")
    assert f"共 {total} 位" in first and f"1 / {(total + 29) // 30}" in first
    assert "page=2" in first
    most = api.get("/mentorship/workload?per_page=1&sort=-mentees")["items"][0]
    by_mentees = html(client, "/workload/?sort=-mentees")
    first_row = by_mentees.split("<tbody>")[1].split("</tr>")[0]
    assert f'href="/workload/{most["mentor_id"]}"' in first_row
    assert most["name"] in html(client, f"/workload/{most['mentor_id']}")
    town = api.items("/roster/towns")[0]
    in_town = api.get(f"/mentorship/workload?per_page=1&town_id={town['id']}")["total"]
    assert f"共 {in_town} 位" in html(client, f"/workload/?town_id={town['id']}")
    export = client.get(f"/workload/?town_id={town['id']}&export=workload")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert sheet.max_row == in_town + 1  # the whole filtered result, not a page
    assert sheet.cell(1, 1).value == "导师"
    headers = [c.value for c in sheet[1]]
    assert "本季度政治引领" in headers and "本季度生活关心" in headers
    listed = html(client, "/workload/")
    assert "本季度四个方面" in listed
    whole = load_workbook(io.BytesIO(client.get("/workload/?export=workload").data)).active
    assert whole.max_row == total + 1


def test_a_town_sees_only_the_mentors_of_its_own_trainees(base, api):
    mine = api.items("/mentorship/workload", "town1")
    page = html(signed_in(base, "town1"), "/workload/")
    assert f"共 {len(mine)} 位" in page
    ids = {w["mentor_id"] for w in mine}
    theirs = next(w for w in api.items("/mentorship/workload") if w["mentor_id"] not in ids)
    html(signed_in(base, "town1"), f"/workload/{theirs['mentor_id']}", 404)


def test_the_workload_pages_fit_a_phone(browser, base, mentor):
    for username, path in (("city", "/workload/"), (mentor["username"], "/workload/mine")):
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, seen=errors: seen.append(str(e)))
        page.goto(f"{base}/login")
        page.fill("#username", username)
        page.fill("#password", "demo")
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        assert page.goto(f"{base}{path}").status == 200
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        assert errors == []
        context.close()


# -- notifications ------------------------------------------------------------------------


def known_names(api) -> list[str]:
    """The people's and places' names of the demo city (data, not text to translate)."""
    names = []
    for path in ("/roster/trainees", "/roster/people", "/roster/towns", "/roster/villages",
                 "/roster/units"):  # fmt: skip
        names += [row["name"] for row in api.items(path)]
    return sorted(set(names), key=len, reverse=True)


def bodies(page: str) -> list[str]:
    """Subjects and bodies of the notifications on the page."""
    items = re.findall(r'<ul class="inbox">(.*?)</ul>', page, re.S)
    return [re.sub(r"<[^>]+>", " ", item) for item in items]


def test_notifications_are_grouped_by_day_and_linked_to_their_objects(base, api, mentor):
    client = signed_in(base, mentor["username"])
    page = html(client, "/notifications/")
    counts = api.get("/notifier/notifications/counts", mentor["username"])
    assert counts["total"] > 0
    days = re.findall(r'<h2 id="d-(\d{4}-\d{2}-\d{2})"', page)
    assert days and days == sorted(set(days), reverse=True)  # one heading per day, newest first
    first = counts["by_day"][0]
    assert f"（{first['total']} 条）" in page
    # a mentor's assignment notices open their workload
    assert 'href="/workload/mine"' in page
    assert f"共 {counts['total']} 条" in page
    one_day = html(client, f"/notifications/?day={first['day']}")
    assert re.findall(r'<h2 id="d-(\d{4}-\d{2}-\d{2})"', one_day) == [first["day"]]
    assert f"共 {first['total']} 条" in one_day
    html(client, "/notifications/?day=2026-02-30&page=x")  # a bad day shows every day


def test_english_mode_reads_notifications_in_english(base, api, mentor):
    names = known_names(api)
    for username in (mentor["username"], "trainee3", "city"):
        page = html(signed_in(base, username, "en"), "/notifications/")
        for text in bodies(page):
            for name in names:
                text = text.replace(name, "")
            # what a clerk typed (a form's return reason) is data too
            text = re.sub(r"Reason: [^\n]*", "", text)
            assert CJK.findall(text) == [], (username, text[:300])


def test_mark_one_and_mark_all_read(base, api):
    client = signed_in(base, "trainee4")
    before = api.get("/notifier/notifications/counts", "trainee4")["unread"]
    assert before > 1
    page = html(client, "/notifications/?unread=true")
    first = re.search(r'action="/notifications/(\d+)/read"', page).group(1)
    client.post(f"/notifications/{first}/read", data={"csrf_token": csrf_of(page)})
    assert api.get("/notifier/notifications/counts", "trainee4")["unread"] == before - 1
    client.post("/notifications/read-all", data={"csrf_token": csrf_of(page)})
    page = html(client, "/notifications/?unread=true")
    assert "没有未读通知。" in page and '<span id="unread-count">0</span>' in page
    assert api.get("/notifier/notifications/counts", "trainee4")["unread"] == 0


# -- a town's dashboard: mentors without a talk, the quarter's aspects ------------------------


def test_a_town_s_dashboard_lists_its_mentors_without_a_talk_and_their_aspects(base, api):
    mine = api.items("/mentorship/workload", "town1")
    owing = [
        (w["name"], m["name"]) for w in mine for m in w["mentees"] if m["due"] and not m["talked"]
    ]
    client = signed_in(base, "town1")
    page = html(client, "/dashboard/")
    assert "本月尚未谈心谈话的导师" in page and "本季度谈话涉及的四个方面（按导师）" in page
    export = client.get("/dashboard/?export=talks_missing")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert [c.value for c in sheet[1]] == ["导师", "学员", "导师类别"]
    listed = sorted((r[0], r[1]) for r in sheet.iter_rows(min_row=2, values_only=True))
    assert listed == sorted(owing)
    aspects = load_workbook(io.BytesIO(client.get("/dashboard/?export=aspects").data)).active
    assert [c.value for c in aspects[1]] == ["导师", "政治引领", "实践指导", "作风培养", "生活关心"]
    shown = sorted(list(r) for r in aspects.iter_rows(min_row=2, values_only=True))
    keys = ("political", "practice", "conduct", "care")
    assert shown == sorted([w["name"], *(w["aspects"][k] for k in keys)] for w in mine)
    english = html(signed_in(base, "town1", "en"), "/dashboard/")
    assert "Mentors without a talk this month" in english
    # the city sees them on the dashboard of a town it names, not on the whole city's
    city = signed_in(base, "city")
    town_id = api.items("/roster/towns")[0]["id"]
    assert "本月尚未谈心谈话的导师" in html(city, f"/dashboard/?town_id={town_id}")
    assert "本月尚未谈心谈话的导师" not in html(city, "/dashboard/")
