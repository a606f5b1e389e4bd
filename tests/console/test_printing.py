"""The printed documents (``/print/…``) against the embedded default: each report kind, a
talk record, an assessment and a town's subsidy roster come as a PDF and a Word download
whose text holds the names, the title and the key values; a role outside the object's
scope gets the API's refusal and no document; a mentor's name in CJK Extension B and a
village's in Extension E survive both formats; the pages offer the downloads."""

from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import unquote

import pytest

from services.console.app import yuan
from shared import printing
from shared.clock import city_today
from tests.console.test_resources import client_as, html_of
from tests.shared.test_printing import docx_text, pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console-resources")]

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: the demo city's village party secretary of village 29 (Extension B), and a village of
#: 石龙镇 (Extension E)
RARE_MENTOR = "杨晓燕𠀾"
RARE_VILLAGE = "禾𬌗村"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def fetch(client, url: str) -> dict[str, str]:
    """The PDF's and the Word file's text of a print URL, after checking both are
    downloads of their type with a Chinese file name."""
    out = {}
    for fmt, mimetype, read in (("pdf", PDF, pdf_text), ("docx", DOCX, docx_text)):
        path, _, query = url.partition("?")
        response = client.get(f"{path}.{fmt}" + (f"?{query}" if query else ""))
        assert response.status_code == 200, html_of(response)[:1000]
        assert response.mimetype == mimetype
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="') and disposition.isascii()
        assert "filename*=UTF-8''" in disposition
        assert re.search(r"[\u4e00-\u9fff]", unquote(disposition))
        out[fmt] = read(response.data)
    return out


def refused(client, url: str) -> None:
    for fmt in ("pdf", "docx"):
        response = client.get(f"{url}.{fmt}")
        assert response.status_code in (403, 404)
        assert response.mimetype == "text/html"
        assert "attachment" not in response.headers.get("Content-Disposition", "")


def post(base: str, api, path: str, body: dict, username: str) -> dict:
    request = urllib.request.Request(
        f"{base}/api/v1{path}",
        json.dumps(body).encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {api.token(username)}"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.load(response)


def other_town(api, town_id: int) -> str:
    towns = [t["id"] for t in api.items("/roster/towns") if t["id"] != town_id]
    return api.username("town", towns[0])


@pytest.mark.parametrize("kind", ["effectiveness", "mentoring", "quarterly"])
def test_a_report_prints_with_its_trainee_fields_and_place(base, api, kind):
    report = api.items(f"/reporting/reports?kind={kind}&status=approved")[0]
    report = api.get(f"/reporting/reports/{report['id']}")
    trainee = api.get(f"/roster/trainees/{report['trainee_id']}")
    town = api.get(f"/roster/towns/{trainee['town_id']}")["name"]
    title = {
        "effectiveness": "基层锻炼工作成效表",
        "mentoring": "导师制落实情况（谈心谈话）表",
        "quarterly": "季度报告",
    }[kind]
    labels = {
        "effectiveness": ["本月主要工作", "驻村天数", "参与的重点项目", "下月计划"],
        "mentoring": ["导师帮带情况"],
        "quarterly": ["季度工作总结", "主要成绩", "下季度计划"],
    }[kind]
    town_user = api.username("town", trainee["town_id"])
    texts = fetch(client_as(base, town_user), f"/print/report/{report['id']}")
    for text in texts.values():
        for value in (title, trainee["name"], town, report["period"], "已审核", *labels):
            assert value in text, value
        first = next(v for v in report["content"].values() if isinstance(v, str) and v)
        assert squeeze(first)[:20] in text
    assert "第1页共" in texts["pdf"]
    refused(client_as(base, other_town(api, trainee["town_id"])), f"/print/report/{report['id']}")


def test_a_talk_record_prints_with_a_rare_name_and_is_refused_outside_its_scope(base, api):
    trainee_id, mentor_id = 29, 81  # the practical mentor the demo city left unassigned
    assert api.get(f"/roster/people/{mentor_id}")["name"] == RARE_MENTOR
    active = api.items(f"/mentorship/assignments?trainee_id={trainee_id}&active=true")
    if not any(a["role"] == "practical" for a in active):
        body = {"trainee_id": trainee_id, "mentor_id": mentor_id, "role": "practical"}
        post(base, api, "/mentorship/assignments", body, "city")
    mentor = api.username("mentor", mentor_id)
    day = city_today("Asia/Shanghai").isoformat()
    body = {
        "trainee_id": trainee_id, "role": "practical", "talk_date": day, "mode": "in_person",
        "aspects": ["practice", "care"], "summary": "谈村集体经济项目推进情况",
        "guidance": "多走访农户", "follow_ups": [{"action": "整理走访记录", "due_date": day}],
    }  # fmt: skip
    talk = post(base, api, "/mentorship/talks", body, mentor)
    trainee = api.get(f"/roster/trainees/{trainee_id}")
    for username in (mentor, api.username("town", trainee["town_id"])):
        texts = fetch(client_as(base, username), f"/print/talk/{talk['id']}")
        for text in texts.values():
            for value in ("谈心谈话记录", RARE_MENTOR, trainee["name"], "实践导师", "面谈",
                          "实践指导、生活关心", "谈村集体经济项目推进情况", "多走访农户",
                          "整理走访记录", "未确认"):  # fmt: skip
                assert value in text, value
    refused(client_as(base, other_town(api, trainee["town_id"])), f"/print/talk/{talk['id']}")
    page = html_of(client_as(base, mentor).get(f"/talks/{talk['id']}"))
    assert f'href="/print/talk/{talk["id"]}.pdf"' in page
    assert f'href="/print/talk/{talk["id"]}.docx"' in page


def test_an_assessment_prints_its_ranking(base, api):
    city = client_as(base, "city")
    listed = api.items("/reporting/assessments?party_kind=town")
    if not listed:
        dashboard = html_of(city.get("/dashboard/"))
        period = re.search(r'id="f-period" name="period" value="([^"]+)"', dashboard).group(1)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', dashboard).group(1)
        computed = city.post(
            "/dashboard/assessments",
            data={"csrf_token": csrf, "party_kind": "town", "period": period},
        )
        assert computed.status_code == 302
        listed = api.items("/reporting/assessments?party_kind=town")
    a = api.get(f"/reporting/assessments/{listed[0]['id']}")
    texts = fetch(city, f"/print/assessment/{a['id']}")
    for text in texts.values():
        for value in ("镇（街道）组织工作考核结果", a["period"], "草稿" if a["status"] == "draft"
                      else "已发布", "排名", "得分"):  # fmt: skip
            assert value in text, value
        for s in a["scores"]:
            assert s["party_name"] in text and str(s["score"]) in text
    refused(client_as(base, "trainee1"), f"/print/assessment/{a['id']}")
    page = html_of(city.get(f"/dashboard/assessments/{a['id']}"))
    assert f'href="/print/assessment/{a["id"]}.pdf"' in page


def test_a_towns_subsidy_roster_has_its_live_subsidies_and_their_total(base, api):
    town = api.items("/roster/towns")[0]  # 石龙镇, where 禾𬌗村 is
    subsidies = api.items(f"/welfare/subsidies?town_id={town['id']}")
    month = max(s["month"] for s in subsidies)
    live = [
        s for s in api.items(f"/welfare/subsidies?town_id={town['id']}&month={month}")
        if s.get("reverses_id") is None and not s.get("reversed")
    ]  # fmt: skip
    assert live
    names = {t["id"]: t["name"] for t in api.items("/roster/trainees")}
    total = sum(s["amount_fen"] for s in live)
    town_user = api.username("town", town["id"])
    texts = fetch(client_as(base, town_user), f"/print/subsidies?month={month}")
    city_texts = fetch(
        client_as(base, "city"), f"/print/subsidies?month={month}&town_id={town['id']}"
    )
    for text in [*texts.values(), *city_texts.values()]:
        for value in ("到村补贴发放花名册", town["name"], month, "序号", "派出单位", "驻村天数",
                      "签收", "合计", f"{len(live)}人", yuan(total), RARE_VILLAGE):  # fmt: skip
            assert value in text, value
        for s in live:
            assert names[s["trainee_id"]] in text
    # a town prints its own roster only; a unit none
    other = api.items("/roster/towns")[1]
    refused_town = client_as(base, town_user).get(
        f"/print/subsidies.pdf?month={month}&town_id={other['id']}"
    )
    assert refused_town.status_code == 403
    assert client_as(base, "unit1").get(f"/print/subsidies.pdf?month={month}").status_code == 403
    page = html_of(client_as(base, town_user).get(f"/welfare/subsidies?month={month}"))
    assert f"/print/subsidies.pdf?month={month}" in page
    assert f"/print/subsidies.docx?month={month}" in page


def test_a_report_page_offers_its_downloads_and_another_format_is_not_found(base, api):
    report = api.items("/reporting/reports?status=approved")[0]
    city = client_as(base, "city")
    page = html_of(city.get(f"/reports/{report['id']}"))
    assert f'href="/print/report/{report["id"]}.pdf"' in page and "打印 PDF" in page
    assert f'href="/print/report/{report["id"]}.docx"' in page and "下载 Word" in page
    assert city.get(f"/print/report/{report['id']}.html").status_code == 404
    english = client_as(base, "city", lang="en")
    assert "Print PDF" in html_of(english.get(f"/reports/{report['id']}"))


def test_without_the_fonts_the_console_answers_503_and_prints_nothing(base, api, monkeypatch):
    report = api.items("/reporting/reports?status=approved")[0]
    city = client_as(base, "city")
    monkeypatch.setattr(printing, "FONTS", ("No Such Font Family",))
    printing._fonts_installed.cache_clear()
    response = city.get(f"/print/report/{report['id']}.pdf")
    monkeypatch.undo()
    printing._fonts_installed.cache_clear()
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "打印所需的字体尚未安装" in html_of(response)
    assert "attachment" not in response.headers.get("Content-Disposition", "")


def test_a_trainees_growth_file_shows_and_prints_every_part_of_the_record(base, api):
    town_id = next(t["id"] for t in api.items("/roster/towns") if t["name"] == "石龙镇")
    town = api.username("town", town_id)
    trainee = api.items(f"/roster/trainees?town_id={town_id}&status=active")[0]
    tid = trainee["id"]
    talks = api.items(f"/mentorship/talks?trainee_id={tid}")
    reports = api.items(f"/reporting/reports?trainee_id={tid}")
    seats = api.items(f"/mentorship/assignments?trainee_id={tid}")
    assert talks and reports and seats
    client = client_as(base, town)
    page = html_of(client.get(f"/trainees/{tid}"))
    assert "成长档案" in page
    for part in ("派驻经历", "导师", "谈心谈话", "报表", "培训学习", "重点项目", "典型事迹",
                 "责任清单", "资金", "住房", "走访慰问", "思想动态与实际需求"):  # fmt: skip
        assert f"{part}" in page, part
    # every talk, not a first page of them, with its true count
    assert f'谈心谈话 <span class="count">({len(talks)})</span>' in page
    assert f'href="/print/growth/{tid}.pdf"' in page
    texts = fetch(client, f"/print/growth/{tid}")
    for text in texts.values():
        flat = squeeze(text)
        assert "选调生成长档案" in flat and squeeze(trainee["name"]) in flat
        assert f"谈心谈话（{len(talks)}）" in flat and f"报表（{len(reports)}）" in flat
        for seat in seats:
            assert squeeze(seat["mentor_name"]) in flat
        assert squeeze(talks[0]["summary"]) in flat
        assert reports[0]["period"] in flat
    refused(client_as(base, other_town(api, town_id)), f"/print/growth/{tid}")
