"""The console's own logic through Flask's test client: CSRF, sign-in redirects, error
pages, the security headers, the messages; and, against the embedded default, an API
refusal shown on the page and another's object answered with the 404 page."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import pytest
import requests
from flask import session

from services.console import catalogue, i18n
from services.console.app import create_app, yuan
from services.console.client import ApiError
from services.console.codes import CODES
from services.console.config import SERVICES, Config

CONSOLE = Path(__file__).resolve().parents[2] / "services" / "console"
# With the browser tests on one xdist worker (``--dist loadgroup``): the embedded system
# some of these tests use (a session fixture) starts once.
pytestmark = pytest.mark.xdist_group("console")


def make_app(base: str = "http://127.0.0.1:9"):
    """A console whose APIs are at ``base`` (port 9, discard: nothing answers)."""
    app = create_app(Config(SECRET_KEY="test", API_URLS={s: base for s in SERVICES}))
    app.testing = True
    return app


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username: str) -> None:
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "username": username, "password": "demo"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


# -- without the services ------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused():
    client = make_app().test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "city", "password": "demo"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": "forged", "username": "city"})
    assert response.status_code == 400


def test_signed_out_pages_redirect_to_sign_in_with_the_way_back():
    client = make_app().test_client()
    response = client.get("/trainees/5?x=1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "trainees/5" in response.headers["Location"]
    assert client.get("/").status_code == 302
    assert client.get("/login").status_code == 200


def test_the_session_cookie_is_httponly_and_samesite_lax():
    client = make_app().test_client()
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers_allow_only_this_origin():
    client = make_app().test_client()
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_an_unknown_page_is_an_html_404_and_health_answers():
    client = make_app().test_client()
    assert client.get("/no/such/page").status_code in (302, 404)
    assert client.get("/healthz").get_json() == {"status": "ok"}
    echarts = client.get("/static/vendor/echarts/echarts.common.min.js")
    assert echarts.status_code == 200 and b"echarts" in echarts.data[:2000]
    echarts.close()


def test_services_that_do_not_answer_give_a_502_page_not_a_500():
    client = make_app().test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "username": "a", "password": "b"})
    assert response.status_code == 502
    assert "服务暂时不可用" in response.get_data(as_text=True)


@pytest.mark.integration
def test_an_api_whose_database_is_away_gives_a_503_page_with_retry_after(pg_url):
    """Roster's real app on PostgreSQL through a proxy the test cuts, served over HTTP:
    sign-in and pages say the database is away (503, Retry-After), not 502 or 500."""
    import threading

    from werkzeug.serving import make_server

    from services.roster.domain.accounts import create_account
    from tests.shared.test_unavailable import Proxied

    roster = Proxied(pg_url)
    with roster.direct.transaction() as s:
        create_account(s, {"username": "clerk", "password": "clerk-secret-1", "role": "city"})
    server = make_server("127.0.0.1", 0, roster.app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = make_app(f"http://127.0.0.1:{server.server_port}").test_client()
        token = csrf_of(client.get("/login").get_data(as_text=True))
        login = {"csrf_token": token, "username": "clerk", "password": "clerk-secret-1"}
        assert client.post("/login", data=login).status_code == 302
        assert client.get("/trainees/").status_code == 200
        roster.proxy.cut()
        page = client.get("/trainees/")
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "5"
        assert "服务暂时不可用" in page.get_data(as_text=True)
        signed_out = make_app(f"http://127.0.0.1:{server.server_port}").test_client()
        token = csrf_of(signed_out.get("/login").get_data(as_text=True))
        refused = signed_out.post("/login", data={**login, "csrf_token": token})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "5"
        assert "数据库暂时无法访问" in refused.get_data(as_text=True)
    finally:
        server.shutdown()
        roster.close()


def test_every_text_of_the_pages_has_its_english():
    """The catalogue check of ``make translations`` (every text of the templates and views,
    every code name), and the catalogue is what the pages show."""
    template = catalogue.texts()
    assert len(template) > 400
    assert catalogue.untranslated(catalogue.read(), template) == []
    assert catalogue.bare_texts() == []  # no Chinese literal the catalogue cannot see
    assert catalogue.main(["--check"]) == 0
    for kind, codes in CODES.items():
        for code, name in codes.items():
            assert name and re.search(r"[\u4e00-\u9fff]", name), (kind, code)


def test_english_comes_from_the_catalogue_with_plural_forms_and_code_contexts():
    nowhere = {s: "http://127.0.0.1:9" for s in SERVICES}
    app = create_app(Config(SECRET_KEY="test", API_URLS=nowhere))
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert i18n.gettext("登录") == "Sign in"
        assert i18n.label("role", "city") == "City"
        assert i18n.label("report_status", "no-such-code") == "no-such-code"
        one = i18n.ngettext("已导入 {n} 行。", "已导入 {n} 行。", 1)
        many = i18n.ngettext("已导入 {n} 行。", "已导入 {n} 行。", 12)
        assert (one, many) == ("1 row imported.", "12 rows imported.")
        session["lang"] = "zh"
        assert i18n.gettext("登录") == "登录"
        assert i18n.label("role", "city") == "市委组织部"
        assert i18n.ngettext("已导入 {n} 行。", "已导入 {n} 行。", 12) == "已导入 12 行。"


def test_an_api_refusal_reads_in_the_pages_language_detail_and_fields_alike():
    """The services write each refusal ``中文 / English``; a page shows one half."""
    refusal = ApiError(
        422,
        "Rule violated",
        "谈话日期不能晚于今天 / a talk cannot be dated in the future",
        {"talk_date": ["晚于今天 / after today"], "aspects": ["必填 / required"]},
    )
    nowhere = {s: "http://127.0.0.1:9" for s in SERVICES}
    app = create_app(Config(SECRET_KEY="test", API_URLS=nowhere))
    with app.test_request_context("/"):
        session["lang"] = "zh"
        assert refusal.messages() == [
            "谈话日期不能晚于今天", "talk_date: 晚于今天", "aspects: 必填"
        ]  # fmt: skip
        session["lang"] = "en"
        assert refusal.messages() == [
            "a talk cannot be dated in the future", "talk_date: after today", "aspects: required"
        ]  # fmt: skip
    assert refusal.messages()[0] == "谈话日期不能晚于今天"  # no request: the default, Chinese


def test_money_is_shown_from_integer_fen():
    assert yuan(54839) == "548.39"
    assert yuan(-5) == "-0.05"
    assert yuan(17400000) == "174,000.00"
    assert yuan(None) == "—"


# -- against the embedded default ---------------------------------------------------------------


@pytest.mark.e2e
def test_an_api_refusal_is_shown_on_the_page_and_the_input_kept(base, api):
    client = make_app(base).test_client()
    mentor = api.username(
        "mentor", api.items("/mentorship/assignments?active=true")[0]["mentor_id"]
    )
    sign_in(client, mentor)
    page = client.get("/talks/new").get_data(as_text=True)
    trainee = re.search(r'<option value="(\d+)"', page.split('id="f-trainee"')[1]).group(1)
    response = client.post(
        "/talks/new",
        data={
            "csrf_token": csrf_of(page), "trainee_id": trainee, "mode": "phone",
            "talk_date": "2026-01-01", "summary": "没有勾选方面 𬌗",
        },
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "aspects" in html
    assert "没有勾选方面 𬌗" in html


@pytest.mark.e2e
def test_another_towns_trainee_is_the_404_page(base, api):
    towns = {t["name"]: t["id"] for t in api.items("/roster/towns")}
    theirs = api.items(f"/roster/trainees?town_id={towns['新塘镇']}")[0]
    client = make_app(base).test_client()
    sign_in(client, "town1")
    response = client.get(f"/trainees/{theirs['id']}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "找不到该页面或对象" in html and theirs["name"] not in html
    assert client.get("/talks/999999").status_code == 404


@pytest.mark.e2e
def test_sign_in_never_redirects_to_another_site(base):
    client = make_app(base).test_client()
    for target in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)"):
        token = csrf_of(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login?next=" + target,
            data={"csrf_token": token, "username": "city", "password": "demo"},
        )
        assert response.headers["Location"] == "/", target


@pytest.mark.e2e
def test_the_embedded_default_keeps_its_apis_health_and_docs_beside_the_console(base):
    import urllib.error
    import urllib.request

    def get(path: str) -> tuple[int, str, str]:
        with urllib.request.urlopen(base + path, timeout=20) as r:
            return (
                r.status,
                r.headers.get("Content-Type", ""),
                r.read(3000).decode("utf-8", "replace"),
            )

    assert get("/healthz")[0] == 200
    assert get("/readyz")[0] == 200
    with pytest.raises(urllib.error.HTTPError) as refused:  # no METRICS_TOKEN set: off
        get("/metrics")
    assert refused.value.code == 404
    status, kind, body = get("/api/v1/roster/openapi.json")
    assert status == 200 and "json" in kind
    assert get("/api/v1/welfare/docs")[0] == 200
    status, kind, body = get("/login")
    assert status == 200 and "text/html" in kind and "选调生导师制管理系统" in body
    assert get("/static/console.css")[0] == 200


@pytest.mark.e2e
def test_everyone_reads_the_calendar_and_only_the_city_changes_it(base):
    town = make_app(base).test_client()
    sign_in(town, "town1")
    html = town.get("/calendar/?year=2026").get_data(as_text=True)
    assert "国庆节调休上班" in html and "2026-10-10" in html and "星期六" in html
    assert 'id="calendar-day"' not in html and 'id="calendar-import"' not in html
    assert "暂定" in town.get("/calendar/?year=2027").get_data(as_text=True)
    assert town.post("/calendar/day", data={"csrf_token": csrf_of(html)}).status_code == 403

    city = make_app(base).test_client()
    sign_in(city, "city")
    page = city.get("/calendar/?year=2030").get_data(as_text=True)
    assert 'id="calendar-day"' in page and "这一年还没有载入节假日" in page
    token = csrf_of(page)
    added = city.post(
        "/calendar/day",
        data={"csrf_token": token, "year": "2030", "day": "2030/6/7", "kind": "holiday",
              "name": "市假日"},
    )  # fmt: skip
    assert added.status_code == 302
    listed = city.get("/calendar/?year=2030").get_data(as_text=True)
    assert "2030-06-07" in listed and "市假日" in listed and "已保存 2030-06-07" in listed
    refused = city.post(
        "/calendar/day",
        data={"csrf_token": token, "year": "2030", "day": "2030-06-05", "kind": "workday"},
    )  # a Wednesday cannot be a swapped working day
    assert refused.status_code == 302
    assert "本来就上班" in city.get("/calendar/?year=2030").get_data(as_text=True)
    removed = city.post("/calendar/day/2030-06-07/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    after = city.get("/calendar/?year=2030").get_data(as_text=True)
    assert "已删除 2030-06-07" in after and "这一年还没有载入节假日" in after


@pytest.mark.e2e
def test_the_city_loads_a_year_from_a_sheet_and_a_bad_sheet_stores_nothing(base):
    import io

    city = make_app(base).test_client()
    sign_in(city, "city")
    token = csrf_of(city.get("/calendar/?year=2031").get_data(as_text=True))

    def upload(text: str):
        data = {"csrf_token": token, "year": "2031",
                "file": (io.BytesIO(text.encode("utf-8")), "2031.csv")}  # fmt: skip
        return city.post("/calendar/import", data=data, content_type="multipart/form-data")

    bad = upload("日期,类型,名称\n2031/1/1,放假,元旦\n2031-02-30,放假,春节\n2031-01-01,上班,重复\n")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="calendar-errors"' in html
    assert "不存在的日期" in html and "与第 2 行是同一天" in html
    assert "这一年还没有载入节假日" in html
    good = upload("日期,类型,名称\n２０３１／１／１,放假,元旦\n2031.1.25,上班,春节调休上班\n")
    assert good.status_code == 302
    listed = city.get("/calendar/?year=2031").get_data(as_text=True)
    assert "2031-01-01" in listed and "2031-01-25" in listed and "调休上班" in listed
    assert "已载入 2031 年" in listed
    sheet = city.get("/calendar/?year=2031&export=calendar")
    assert sheet.status_code == 200 and sheet.mimetype.endswith("spreadsheetml.sheet")


@pytest.mark.e2e
def test_the_import_page_offers_the_templates_and_shows_each_rows_problems_in_chinese(base):
    import io

    from openpyxl import Workbook, load_workbook

    city = make_app(base).test_client()
    sign_in(city, "city")
    page = city.get("/import/").get_data(as_text=True)
    assert 'id="import-templates"' in page and "/import/template/trainees" in page
    template = city.get("/import/template/trainees")
    assert template.status_code == 200 and template.mimetype.endswith("spreadsheetml.sheet")
    assert list(load_workbook(io.BytesIO(template.data)).active.values)[0][0] == "姓名"

    book = Workbook()
    book.active.append(["2026年选调生名单"])
    book.active.append(["姓名", "身份证号码", "届别", "单位编码"])
    book.active.append(["\u3000", "44010619950501005x", 2026, "U01"])
    book.active.append(["合计", "1人"])
    out = io.BytesIO()
    book.save(out)
    response = city.post(
        "/import/",
        data={"csrf_token": csrf_of(page), "kind": "trainees", "dry_run": "1",
              "file": (io.BytesIO(out.getvalue()), "名单.xlsx")},
        content_type="multipart/form-data",
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "名称不能为空" in html and "the name is blank" not in html  # in the page's language
    assert "<td>姓名</td>" in html  # the file's own header
    assert 'id="import-skipped"' in html and "合计行" in html
    town = make_app(base).test_client()
    sign_in(town, "town1")
    assert town.get("/import/template/trainees").status_code == 403


# -- tokens that end (issue 19) -------------------------------------------------------------


def test_a_refused_sign_in_says_why_in_chinese():
    from services.console.client import ApiError
    from services.console.views.auth import refusal_message

    with make_app().test_request_context("/login"):
        for reason, text in (
            ("account_inactive", "该账号已停用"),
            ("trainee_withdrawn", "学员已退出"),
            ("trainee_completed", "学员已结业"),
        ):
            error = ApiError(403, "Sign-in refused", "", {"account": [reason]})
            assert text in refusal_message(error)
        assert refusal_message(ApiError(403, "Forbidden", "", {})) is None


@pytest.mark.e2e
def test_the_console_refreshes_the_token_so_a_clerk_stays_signed_in(base, travel):
    from shared.clock import utcnow

    client = make_app(base).test_client()
    sign_in(client, "town1")
    assert client.get_cookie("grassroots_device") is not None  # known next time
    with client.session_transaction() as session:
        first = dict(session["user"])
    assert first["refresh"] and first["expires_at"] - utcnow().timestamp() <= 900
    # 20 minutes later (the console's clock): past the access token's 15
    travel(utcnow() + dt.timedelta(minutes=20))
    response = client.get("/trainees/")
    assert response.status_code == 200
    with client.session_transaction() as session:
        second = session["user"]
    assert second["token"] != first["token"] and second["refresh"] != first["refresh"]
    assert second["expires_at"] > first["expires_at"]
    # signing out ends the sign-in at roster: the refresh token no longer works
    token = csrf_of(client.get("/trainees/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    refused = requests.post(
        f"{base}/api/v1/roster/auth/token",
        json={"grant_type": "refresh_token", "refresh_token": second["refresh"]},
        timeout=20,
    )
    assert refused.status_code == 401


@pytest.mark.e2e
def test_an_inactive_account_is_told_so_on_the_login_page(base, api):
    city = {"Authorization": f"Bearer {api.token('city')}"}
    created = requests.post(
        f"{base}/api/v1/roster/accounts",
        json={"username": f"gone-{uuid.uuid4().hex[:6]}", "role": "city", "password": "demo"},
        headers=city,
        timeout=20,
    ).json()
    client = make_app(base).test_client()
    sign_in(client, created["username"])
    assert client.get("/").status_code == 200
    requests.patch(
        f"{base}/api/v1/roster/accounts/{created['id']}",
        json={"active": False},
        headers=city,
        timeout=20,
    ).raise_for_status()
    # the signed-in session ends at its next page: the token is revoked
    response = client.get("/trainees/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "登录已失效，请重新登录" in page
    token = csrf_of(page)
    refused = client.post(
        "/login", data={"csrf_token": token, "username": created["username"], "password": "demo"}
    )
    assert refused.status_code == 403
    assert "该账号已停用，无法登录" in refused.get_data(as_text=True)
