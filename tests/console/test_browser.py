"""The web console in a real browser (Debian's chromium through Playwright) against the
embedded default: every role signs in and sees what is due; a month is walked (a talk
recorded on a phone, a form filed and submitted, returned by the town, resubmitted,
approved by town and unit, the dashboard changes); a town cannot open another town's
trainee by URL; every form field has a label, the keyboard works, and no page loads
anything from another origin. Screenshots of the main pages go to docs/screenshots/."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest

from shared.clock import city_today
from tests.console.conftest import DESKTOP, PHONE

# One xdist worker runs the console's tests (``--dist loadgroup``): the embedded system and
# the browser they share (session fixtures) start once, not once per worker.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console")]

#: Every URL any page of this module asked for, and every page's HTML, for the last test.
REQUESTS: list[str] = []
PAGES: dict[str, str] = {}

MONTH = f"{city_today('Asia/Shanghai'):%Y-%m}"


class Console:
    """One signed-in browser context."""

    def __init__(self, browser, base: str, shots, viewport=DESKTOP) -> None:
        self.base = base
        self.shots = shots
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.errors: list[str] = []
        self.page.on("request", lambda r: REQUESTS.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def go(self, path: str, status: int = 200):
        response = self.page.goto(self.base + path)
        assert response is not None
        assert response.status == status, (path, response.status, self.page.content()[:2000])
        PAGES[path] = self.page.content()
        return response

    def login(self, username: str, password: str = "demo") -> Console:
        self.go("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        with self.page.expect_navigation():
            self.page.click("form.form button[type=submit]")
        assert urlsplit(self.page.url).path == "/", self.page.url
        return self

    def shot(self, name: str, full: bool = False) -> None:
        self.page.wait_for_timeout(150)
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full)

    def text(self) -> str:
        return self.page.inner_text("main")

    def close(self) -> None:
        assert not self.errors, self.errors
        self.context.close()


@pytest.fixture
def console(browser, base, shots):
    opened: list[Console] = []

    def make(username: str | None = None, viewport=DESKTOP) -> Console:
        c = Console(browser, base, shots, viewport)
        opened.append(c)
        return c.login(username) if username else c

    yield make
    for c in opened:
        c.close()


# -- signing in ----------------------------------------------------------------------------


def test_sign_in_with_the_keyboard_only(console):
    c = console()
    c.go("/login")
    page = c.page
    # the username field has the focus on arrival; Tab moves to the password, Enter submits
    assert page.evaluate("document.activeElement.id") == "username"
    page.keyboard.type("trainee1")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type("demo")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/"
    # the first Tab on a page reaches the skip link, which moves the focus to the content
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_a_wrong_password_is_said_on_the_page(console):
    c = console()
    c.go("/login")
    c.page.fill("#username", "city")
    c.page.fill("#password", "not-the-password")
    c.page.click("form.form button[type=submit]")
    assert "用户名或密码不正确" in c.page.inner_text("#login-error")
    assert urlsplit(c.page.url).path == "/login"


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("city", ["月度数据", "应报学员", "谈心谈话覆盖率"]),
        ("town1", ["未交或被退回的表格", "导师缺位", "超时未办结的需求"]),
        ("unit1", ["未交或被退回的表格", "导师缺位"]),
        ("mentor1", ["本月尚未谈话的学员", "我的学员"]),
        ("trainee1", ["待填报的表格", "待确认的谈心谈话"]),
    ],
)
def test_every_role_has_a_home_page_of_what_is_due(console, username, expected):
    c = console(username)
    text = c.text()
    for words in expected:
        assert words in text, (username, words)
    c.shot(f"home-{username}-desktop")
    phone = console(username, PHONE)
    phone.shot(f"home-{username}-phone")


def test_english_is_one_click_away(console):
    c = console("city")
    c.page.click("text=English")
    assert c.page.get_attribute("html", "lang") == "en"
    assert "Figures for" in c.text()
    c.page.click("text=中文")
    assert c.page.get_attribute("html", "lang") == "zh-CN"


# -- a month ---------------------------------------------------------------------------------


def _dashboard_cell(c: Console, table: str, town: str) -> str:
    c.go("/dashboard/")
    row = (
        c.page.locator(f"#h-{table}")
        .locator("xpath=ancestor::section")
        .locator("tbody tr", has_text=town)
    )
    return row.locator("td").last.inner_text().strip()


def test_walk_the_month(console, api):
    # A trainee without a talk this month, one of their mentors, their town and unit: of
    # 石龙镇 if it has one (the demo leaves about one trainee-month in six without a talk,
    # so early in a month a small town may have none), else of the first town that has.
    owing = {
        o["trainee_id"]
        for o in api.items(f"/reporting/obligations?period={MONTH}&outstanding=true")
        if o["kind"] == "effectiveness" and o["report_id"] is None
    }
    towns = sorted(api.items("/roster/towns"), key=lambda t: t["name"] != "石龙镇")
    town, trainee = next(
        (town, row)
        for town in towns
        for row in api.get(f"/mentorship/compliance?month={MONTH}&town_id={town['id']}")[
            "without_talk"
        ]
        if row["trainee_id"] in owing
    )
    tid = trainee["trainee_id"]
    seats = api.items(f"/mentorship/assignments?trainee_id={tid}&active=true")
    seat = seats[0]
    mentor = api.username("mentor", seat["mentor_id"])
    trainee_user = api.username("trainee", tid)
    unit_user = api.username("unit", trainee["unit_id"])
    town_user = api.username("town", town["id"])

    city = console("city")
    talks_before = _dashboard_cell(city, "talks", town["name"])
    timely_before = _dashboard_cell(city, "timeliness", town["name"])

    # 1. the mentor records the talk on a phone
    m = console(mentor, PHONE)
    assert trainee["name"] in m.text()  # listed as due on the mentor's home page
    m.go(f"/talks/new?trainee_id={tid}&role={seat['role']}")
    page = m.page
    page.select_option("#f-trainee", str(tid))
    page.check("#mode-phone")
    page.check("#aspect-political")
    page.check("#aspect-care")
    page.fill("#f-summary", "谈心谈话：驻村工作进展顺利，𠀾 与群众沟通。")
    page.fill("#f-guidance", "多走访农户。")
    m.shot("talk-new-phone", full=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    with page.expect_navigation():
        page.click("button[type=submit].wide")
    assert "谈话已记录" in m.text()
    assert "𠀾" in m.text()

    # 2. the trainee acknowledges it, then files and submits both monthly forms
    t = console(trainee_user, PHONE)
    assert "谈心谈话：驻村工作进展顺利" in t.text()
    t.page.click("main tr:has-text('谈心谈话：驻村工作进展顺利') a")
    t.page.fill("#f-reflection", "收获很大。")
    with t.page.expect_navigation():
        t.page.click("text=确认 >> nth=-1")
    assert "已确认" in t.text()
    t.go(f"/reports/new?period={MONTH}&kind=effectiveness")
    t.page.fill("#f-days_in_village", "18")
    with t.page.expect_navigation():  # without the work done: the API refuses, the page says why
        t.page.click("button[value=submit]")
    assert "work_done" in t.page.inner_text("main .flash.error")
    assert t.page.input_value("#f-days_in_village") == "18"  # what was typed is kept
    t.page.fill("#f-work_done", "参与百千万工程项目推进。")
    t.page.fill("#f-key_projects", "百千万工程，乡村振兴示范带")
    t.shot("report-form-phone", full=True)
    with t.page.expect_navigation():
        t.page.click("button[value=save]")
    assert "已保存草稿" in t.text()
    assert t.page.inner_text("#report-status") == "草稿"
    with t.page.expect_navigation():
        t.page.click("button[value=submit]")
    assert t.page.inner_text("#report-status") == "已提交"
    effectiveness_url = t.page.url
    t.go(f"/reports/new?period={MONTH}&kind=mentoring")
    assert "驻村工作进展顺利" in t.text()  # the talk is carried into the mentoring form
    t.page.fill("#f-account", "导师指导我做好群众工作。")
    with t.page.expect_navigation():
        t.page.click("button[value=submit]")
    assert t.page.inner_text("#report-status") == "已提交"
    mentoring_url = t.page.url

    # 3. the town returns the effectiveness form with a reason
    tw = console(town_user)
    tw.go(urlsplit(effectiveness_url).path)
    tw.page.fill("#f-reason", "请补充重点项目的具体进展。")
    tw.shot("report-review-desktop", full=True)
    with tw.page.expect_navigation():
        tw.page.click("button:has-text('退回修改')")
    assert "已退回" in tw.text()

    # 4. the trainee sees the reason, edits and resubmits
    t.go(urlsplit(effectiveness_url).path)
    assert "请补充重点项目的具体进展" in t.text()
    t.page.fill("#f-results", "完成重点项目进度表。")
    with t.page.expect_navigation():
        t.page.click("button[value=submit]")
    assert t.page.inner_text("#report-status") == "已提交"

    # 5. the town, then the unit approve both forms
    un = console(unit_user)
    for url in (effectiveness_url, mentoring_url):
        for reviewer in (tw, un):
            reviewer.go(urlsplit(url).path)
            with reviewer.page.expect_navigation():
                reviewer.page.click("button:has-text('审核通过')")
            assert "已审核通过" in reviewer.text()
    assert un.page.inner_text("#report-status") == "已审核"

    # 6. the city's dashboard changes (it is fed by events: give it a moment)
    def changed() -> bool:
        return (
            _dashboard_cell(city, "talks", town["name"]) != talks_before
            and _dashboard_cell(city, "timeliness", town["name"]) != timely_before
        )

    for _ in range(40):
        if changed():
            break
        city.page.wait_for_timeout(500)
    talks_after = _dashboard_cell(city, "talks", town["name"])
    timely_after = _dashboard_cell(city, "timeliness", town["name"])
    done, total = map(int, talks_before.split("/"))
    assert talks_after == f"{done + 1}/{total}", (talks_before, talks_after)
    # The month's forms are not yet due: the trainee, who had filed nothing (not judged),
    # has now filed everything and is on time; the others have nothing due yet.
    done, total = (0, 0) if timely_before == "未到期" else map(int, timely_before.split("/"))
    assert timely_after == f"{done + 1}/{total + 1}", (timely_before, timely_after)
    city.page.wait_for_timeout(300)
    city.shot("dashboard-desktop", full=True)


def test_a_chart_drills_down_to_its_list(console):
    c = console("city")
    c.go("/dashboard/")
    c.page.wait_for_function(
        "window.echarts && echarts.getInstanceByDom(document.getElementById('chart-talks'))"
    )
    point = c.page.evaluate(
        """() => {
          const el = document.getElementById('chart-talks');
          const chart = echarts.getInstanceByDom(el);
          const option = chart.getOption();
          const last = option.xAxis[0].data.length - 1;
          // a point no other town's point covers (close values draw on top of each other)
          const values = option.series.map(s => s.data[last].value);
          const ys = values.map((v, i) =>
            v === null ? null : chart.convertToPixel({seriesIndex: i}, [last, v])[1]);
          const clear = ys.map((y, i) => y !== null &&
            ys.every((other, j) => j === i || other === null || Math.abs(other - y) > 12));
          // else the last town with a value: drawn last, on top of the others
          const drawn = ys.map((y, i) => (y === null ? -1 : i)).filter(i => i >= 0);
          const index = clear.includes(true) ? clear.indexOf(true) : drawn[drawn.length - 1];
          const [x, y] = chart.convertToPixel({seriesIndex: index}, [last, values[index]]);
          const box = el.getBoundingClientRect();
          return {x: box.left + x, y: box.top + y, url: option.series[index].data[last].url};
        }"""
    )
    with c.page.expect_navigation():
        c.page.mouse.click(point["x"], point["y"])
    assert c.page.url.endswith(point["url"]), (c.page.url, point["url"])
    assert "谈心谈话情况" in c.text()
    c.shot("drill-down-desktop")


def test_every_table_exports_to_xlsx(console):
    from openpyxl import load_workbook

    c = console("city")
    c.go("/dashboard/")
    with c.page.expect_download() as info:
        c.page.click("#h-timeliness >> xpath=ancestor::section >> text=导出 XLSX")
    download = info.value
    with open(download.path(), "rb") as f:
        book = load_workbook(io.BytesIO(f.read()))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "镇（街道）"
    assert "石龙镇" in [r[0] for r in rows[1:]]
    c.go("/trainees/?town_id=1")
    with c.page.expect_download() as info:
        c.page.click("text=导出 XLSX")
    with open(info.value.path(), "rb") as f:
        rows = list(load_workbook(io.BytesIO(f.read())).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("姓名", "届别") and len(rows) > 2


# -- scope -------------------------------------------------------------------------------------


def test_a_town_cannot_open_another_towns_trainee_by_url(console, api):
    towns = {t["name"]: t["id"] for t in api.items("/roster/towns")}
    mine = api.items(f"/roster/trainees?town_id={towns['石龙镇']}")
    theirs = api.items(f"/roster/trainees?town_id={towns['新塘镇']}")
    c = console("town1")
    c.go(f"/trainees/{mine[0]['id']}")
    assert mine[0]["name"] in c.page.inner_text("h1")
    c.shot("trainee-profile-desktop", full=True)
    c.go(f"/trainees/{theirs[0]['id']}", status=404)
    assert "找不到该页面或对象" in c.text()
    assert theirs[0]["name"] not in c.page.content()
    report = api.items(f"/reporting/reports?trainee_id={theirs[0]['id']}")[0]
    c.go(f"/reports/{report['id']}", status=404)
    # the list holds only the town's own
    c.go("/trainees/")
    assert theirs[0]["name"] not in c.text()
    assert mine[0]["name"] in c.text()
    phone = console("town1", PHONE)
    phone.go(f"/trainees/{mine[0]['id']}")
    phone.shot("trainee-profile-phone")


# -- the other pages, screenshots, labels --------------------------------------------------------

MAIN_PAGES = {
    "city": [
        ("/trainees/", "trainees"), ("/mentors/", "mentors"), ("/reports/", "reports"),
        ("/welfare/", "welfare"), ("/welfare/subsidies", "subsidies"), ("/welfare/fees", "fees"),
        ("/welfare/housing", "housing"), ("/welfare/facilities", "facilities"),
        ("/welfare/campaigns", None), ("/welfare/needs", "needs"), ("/import/", "import"),
        ("/notifications/", None), ("/mentors/assign/1", "assign"),
        ("/mentors/compliance", None), ("/calendar/?year=2026", "calendar"),
    ],
    "town1": [("/notifications/subscriptions", "subscriptions"), ("/welfare/subsidies", None),
              ("/reports/", "review-queue")],
    "trainee1": [("/notifications/", "inbox"), ("/welfare/needs/new", "need-new"),
                 ("/reports/", None)],
    "mentor1": [("/talks/", "talks"), ("/workload/mine", "workload-mine")],
    "town2": [("/workload/", "workload")],
}  # fmt: skip

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden')
  .filter(el => {
    if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
    if (el.closest('label')) return false;
    return !(el.id && document.querySelector(`label[for="${el.id}"]`));
  })
  .map(el => el.outerHTML)"""


@pytest.mark.parametrize("username", list(MAIN_PAGES))
def test_main_pages_render_label_every_field_and_fit_a_phone(console, username):
    c = console(username)
    phone = console(username, PHONE)
    for path, name in MAIN_PAGES[username] + [("/", None), ("/login", None)]:
        c.go(path)
        assert c.page.evaluate(UNLABELLED) == [], path
        buttons = c.page.evaluate(
            "[...document.querySelectorAll('[onclick], div[role=button]')].length"
        )
        assert buttons == 0, path  # buttons are real buttons
        if name:
            c.shot(f"{name}-desktop")
            phone.go(path)
            assert phone.page.evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth + 1"
            ), f"{path} scrolls sideways on a phone"
            phone.shot(f"{name}-phone")


def test_import_shows_the_per_row_report(console, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "性别", "出生日期", "身份证号", "手机号", "学历", "届别", "单位编码"])
    sheet.append(["测试甲", "男", "1999-01-01", "123", "13800000000", "硕士研究生", 2026, "U01"])
    sheet.append(["测试乙", "女", "1999-02-02", "", "13800000001", "硕士研究生", 2026, "NOPE"])
    path = tmp_path / "trainees.xlsx"
    book.save(path)
    c = console("city")
    c.go("/import/")
    c.page.check("#k-trainees")
    c.page.set_input_files("#f-file", str(path))
    with c.page.expect_navigation():
        c.page.click("main button[type=submit]")
    errors = c.page.inner_text("#import-errors")
    assert "2 行有错误，未导入任何数据" in errors
    # each row's problem under the file's own column, in Chinese
    assert "身份证号应为18位" in errors and "单位编码" in errors
    c.shot("import-errors-desktop", full=True)


# -- assessment and mentors ------------------------------------------------------------------


def test_the_city_computes_the_ranking_and_a_bar_opens_its_explanation(console):
    c = console("city")
    c.go("/dashboard/")
    with c.page.expect_navigation(timeout=45_000):  # computing takes a while under the CI's load
        c.page.click("button:has-text('计算镇街考核')")
    assert "已计算考核结果" in c.text()
    c.page.wait_for_function(
        "window.echarts && echarts.getInstanceByDom(document.getElementById('chart-ranking'))"
    )
    bar = c.page.evaluate(
        """() => {
          const el = document.getElementById('chart-ranking');
          const chart = echarts.getInstanceByDom(el);
          const first = chart.getOption().series[0].data[0];
          const [x, y] = chart.convertToPixel({seriesIndex: 0}, [first.value / 2, 0]);
          const box = el.getBoundingClientRect();
          return {x: box.left + x, y: box.top + y, url: first.url};
        }"""
    )
    with c.page.expect_navigation():
        c.page.mouse.click(bar["x"], bar["y"])
    assert c.page.url.endswith(bar["url"])
    assert "报表按时报送率" in c.text()  # each indicator explained
    with c.page.expect_navigation():
        c.page.click("#publish")  # the confirmation says what is published
    assert "个对象的得分和排名" in c.text()
    with c.page.expect_navigation():
        c.page.click("#confirm-form button[type=submit]")
    assert "已发布" in c.text()
    c.shot("assessment-desktop")


def test_mentor_gaps_are_filled_and_assigned_by_hand(console, api):
    c = console("city")
    c.go("/mentors/")
    with c.page.expect_navigation():  # neither a town nor a unit: the API says what it needs
        c.page.click("button:has-text('自动补齐导师')")
    assert "请选择镇（街）或单位" in c.page.inner_text(".flashes")
    gaps = [t for t in api.get("/mentorship/coverage")["trainees"] if t["missing"]]
    assert gaps, "the demo city has gaps"
    c.page.select_option("#fill-town", str(gaps[0]["town_id"]))
    with c.page.expect_navigation():
        c.page.click("button:has-text('自动补齐导师')")
    assert "仍有" in c.text()  # how many were filled and how many are left
    gaps = [t for t in api.get("/mentorship/coverage")["trainees"] if t["missing"]]
    assert gaps, "the demo city has gaps left for hand assignment"
    trainee = gaps[0]
    c.go(f"/mentors/assign/{trainee['trainee_id']}")
    role = next(
        r for r in trainee["missing"] if c.page.locator(f"#m-{r}").count()
    )  # a missing seat with eligible people
    with c.page.expect_navigation():
        c.page.click(f"#role-{role} >> xpath=.. >> button[type=submit]")
    assert "已配备导师" in c.text()
    after = api.get(f"/mentorship/trainees/{trainee['trainee_id']}/mentors")
    assert role not in after["missing"]


# -- welfare and the inbox ------------------------------------------------------------------------


def test_money_needs_and_the_inbox_act_through_the_api(console, api):
    # the city pays a placement fee
    city = console("city")
    city.go("/welfare/fees")
    city.page.fill("#fee-ref", "ZF-CONSOLE-1")
    with city.page.expect_navigation():
        city.page.click("#pay-fee button[type=submit]")
    assert "发放" in city.page.inner_text("#effect-text")  # the confirmation: whose, how much
    with city.page.expect_navigation():
        city.page.click("#confirm-form button[type=submit]")
    assert "已发放 1 笔" in city.text() and "ZF-CONSOLE-1" in city.text()
    # the city records a care visit to a trainee not visited yet
    campaign = api.items("/welfare/campaigns")[0]
    missed = api.items(f"/welfare/campaigns/{campaign['id']}/not-visited")
    city.go(f"/welfare/campaigns/{campaign['id']}")
    city.page.select_option("#v-trainee", str(missed[0]["id"]))
    city.page.fill("#v-visitor", "市委组织部 测试")
    with city.page.expect_navigation():
        city.page.click("#h-visit >> xpath=.. >> button[type=submit]")
    assert "走访已记录" in city.text()
    assert len(api.items(f"/welfare/campaigns/{campaign['id']}/not-visited")) == len(missed) - 1
    # the town gives a free bed, if it has one, to a trainee without one
    town = console("town1")
    town.go("/welfare/housing")
    if town.page.locator("#a-trainee").count():
        with town.page.expect_navigation():
            town.page.click("#h-allocate >> xpath=.. >> button[type=submit]")
        assert "已分配床位" in town.text()
    # the town handles a need of its own trainees to the end
    town_id = next(t["id"] for t in api.items("/roster/towns") if t["name"] == "石龙镇")
    open_needs = [
        n for n in api.items("/welfare/needs?status=open", "town1")
        if n.get("handler_role") == "town" and n.get("handler_scope_id") == town_id
    ]  # fmt: skip
    if open_needs:
        town.go(f"/welfare/needs/{open_needs[0]['id']}")
        town.page.fill("#f-resolution", "已协调解决。")
        with town.page.expect_navigation():
            town.page.click("button:has-text('办结')")
        assert "已解决" in town.page.inner_text("h1")
    # the trainee reads a notification: the unread count goes down by one
    t = console("trainee1")
    t.go("/notifications/")
    before = int(t.page.inner_text("#unread-count"))
    assert before > 0
    with t.page.expect_navigation():
        t.page.click("ul.inbox li.unread button:has-text('标为已读') >> nth=0")
    t.go("/notifications/")
    assert int(t.page.inner_text("#unread-count")) == before - 1


# -- resource pages: the picker ------------------------------------------------------------------


def test_the_city_places_an_unplaced_trainee_with_the_pickers(console, api):
    """Names are typed and chosen from the suggestions; no id is ever typed."""
    trainee = next(t for t in api.items("/roster/trainees") if t["village_id"] is None)
    towns = {t["id"]: t["name"] for t in api.items("/roster/towns")}
    village = api.items("/roster/villages")[7]
    c = console("city")
    c.go("/roster/")
    with c.page.expect_navigation():
        c.page.click("#tile-trainees")
    assert re.search(r"共 \d+ 条", c.page.inner_text("#total"))
    c.go(f"/trainees/{trainee['id']}")
    with c.page.expect_navigation():
        c.page.click("#trainee-actions a:has-text('派驻到村')")
    assert c.page.input_value("#f-trainee_id").startswith(trainee["name"])
    c.page.fill("#f-trainee_id", trainee["name"][:2])  # the id is cleared until one is chosen
    assert c.page.input_value("input[name=trainee_id]") == ""
    c.page.click(f"#f-trainee_id-list li:has-text('{trainee['name']}')")
    assert c.page.input_value("input[name=trainee_id]") == str(trainee["id"])
    c.page.fill("#f-village_id", village["name"])
    c.page.click(
        f"#f-village_id-list li:has-text('{village['name']}（{towns[village['town_id']]}）')"
    )
    assert c.page.input_value("input[name=village_id]") == str(village["id"])
    assert c.page.get_attribute("#f-village_id", "aria-expanded") == "false"
    c.page.fill("#f-start_date", f"{city_today('Asia/Shanghai')}")
    assert c.page.evaluate(UNLABELLED) == []
    c.shot("placement-new-desktop")
    with c.page.expect_navigation():
        c.page.click("main form button[type=submit]")
    assert trainee["name"] in c.page.inner_text("h1")
    assert "已保存" in c.page.inner_text(".flashes")
    placed = api.get(f"/roster/trainees/{trainee['id']}")
    assert placed["village_id"] == village["id"]
    phone = console("city", PHONE)
    phone.go("/roster/trainees/?sort=-town")
    assert phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.shot("roster-trainees-phone")


# -- last: nothing from another origin ---------------------------------------------------------


def test_no_page_loads_anything_from_another_origin(base):
    assert REQUESTS, "no page was opened"
    foreign = sorted({u for u in REQUESTS if not u.startswith(base) and not u.startswith("data:")})
    assert foreign == [], foreign
    pattern = re.compile(r"""(?:src|href|action)\s*=\s*["']\s*((?:https?:)?//[^"']+)""", re.I)
    for path, html in PAGES.items():
        outside = [u for u in pattern.findall(html) if not u.startswith(base)]
        assert outside == [], (path, outside)
