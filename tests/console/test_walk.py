"""Every page, as every role, on a phone in English and on a desktop in Chinese (the
phone as all but a unit and the desktop as the city in ``make test``, every role in
``make screenshots``).

The walk starts at each role's home page and follows every link of the console, one page
per path (``/trainees/12`` stands for every trainee; a list's filters, sorting and paging
for the list), up to :data:`LIMIT` pages a role. On each page: an answer below 400, no
JavaScript error and no failed request, nothing wider than a 390 px phone, and in English
no text of the console left in Chinese: a text of its catalogue or a code's name shown as
it is (outside table cells, descriptions and the page's heading, which hold the city's
data, names above all), or any Chinese in a column heading, a button, a legend or the
menu. The desktop pass keeps a picture of each page (var/screenshots/walk/), from which
``python -m tests.console.gallery`` makes docs/console.md's list of every page."""

from __future__ import annotations

import json
import os
import re
from urllib.parse import urlsplit

import pytest

from services.console import catalogue
from tests.console.conftest import DESKTOP, PHONE

# Its own xdist group (and so, on another worker, its own embedded system): the slowest of
# the console's tests run beside the others instead of after them.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console-walk")]

EVERY_ROLE = os.environ.get("WALK_EVERY_ROLE") == "1"
ALL_ROLES = ["city", "town1", "unit1", "mentor1", "trainee1"]
#: The phone pass (English): every kind of page once in make test — a unit's pages are a
#: town's with another scope, so the unit walks with WALK_EVERY_ROLE=1 (make screenshots).
ROLES = ALL_ROLES if EVERY_ROLE else ["city", "town1", "mentor1", "trainee1"]
#: The desktop pass (Chinese, a picture of each page): the city in make test, which reaches
#: nearly every page (the town's own pages are walked on the phone); every role with
#: WALK_EVERY_ROLE=1 (make screenshots).
DESKTOP_ROLES = ALL_ROLES if EVERY_ROLE else ["city"]
LIMIT = 70
#: Links the walk does not follow: files (printed documents and evidence too), signing out,
#: the language switch, the API, assets, pickers' JSON.
SKIP = re.compile(
    r"export=|/print/|/logout|/lang/|/static/|/api/|/pick/|\.(xlsx|docx|pdf)$|/template"
    r"|/content$"
)
CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")

#: Every text node (trimmed) and the Chinese in the page's chrome, the language switch
#: (marked with its own lang) excepted.
TEXTS = """() => {
  const out = {nodes: [], chrome: []};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode;
    if (n.parentElement.closest('script, style, [lang]:not(html)')) continue;
    // a cell of a table or a description holds data (a name, a title typed by a clerk)
    if (n.parentElement.closest('td, dd, h1')) continue;  // (a heading names its object)
    const t = n.textContent.trim();
    if (t) out.nodes.push(t);
  }
  for (const el of document.querySelectorAll('thead th, button, legend, caption, nav a')) {
    if (el.closest('[lang]:not(html)')) continue;
    out.chrome.push(el.innerText.trim());
  }
  return out;
}"""
WIDE = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def shape(url: str) -> str:
    """``/trainees/12?page=2&q=张`` -> ``/trainees/<id>``."""
    return re.sub(r"/\d+(?=/|$)", "/<id>", urlsplit(url).path)


@pytest.fixture(scope="module")
def ui_texts() -> set[str]:
    """The console's own Chinese texts (no placeholders), to be found untranslated."""
    out = set()
    for message in catalogue.texts():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in ids:
            if text and "{" not in text and CJK.search(text):
                out.add(text.strip())
    return out


class Walker:
    def __init__(self, browser, base: str, username: str, viewport, lang: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.page = self.context.new_page()
        self.page.set_default_timeout(45000)  # (a loaded machine)
        self.problems: list[str] = []
        self.here = "/login"
        self.page.on("pageerror", lambda e: self.problems.append(f"{self.here}: JS {e}"))
        # A request the browser itself gave up on as the walk moved on (the favicon of a
        # page just left: net::ERR_ABORTED) is no fault of the page; a missing file still
        # shows as its 4xx below, a refused connection as its own failure.
        self.page.on(
            "requestfailed",
            lambda r: (
                "ERR_ABORTED" not in (r.failure or "")
                and self.problems.append(f"{self.here}: failed {r.url} {r.failure}")
            ),
        )
        self.page.on(
            "response",
            lambda r: (
                r.status >= 400
                and r.url.startswith(base)
                and self.problems.append(f"{self.here}: {r.status} {r.url}")
            ),
        )
        self.page.goto(f"{base}/login")
        self.page.fill("#username", username)
        self.page.fill("#password", "demo")
        with self.page.expect_navigation():
            self.page.click("form.form button[type=submit]")
        self.page.wait_for_load_state()
        self.page.goto(f"{base}/lang/{lang}?next=/")
        expected = "en" if lang == "en" else "zh-CN"
        assert self.page.get_attribute("html", "lang") == expected

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        out = []
        for href in hrefs:
            if not href.startswith(self.base):
                continue
            path = href[len(self.base) :].split("#")[0]
            if path and not SKIP.search(path):
                out.append(path)
        return out

    def walk(self, visit) -> list[str]:
        """Visit every shape of page reachable from home (breadth first); ``visit(path)``
        checks each. Returns the paths visited."""
        seen, queue, visited = set(), [("/", "sign-in")], []
        while queue and len(visited) < LIMIT:
            path, came_from = queue.pop(0)
            if shape(path) in seen:
                continue
            seen.add(shape(path))
            self.here = f"{path} (a link on {came_from})"
            response = self.page.goto(self.base + path)
            if response is None or response.status >= 400:
                continue  # recorded by the response listener
            visited.append(path)
            visit(path)
            queue += [(p, path) for p in self.links() if shape(p) not in seen]
        return visited

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("username", ROLES)
def test_every_page_on_a_phone_in_english(browser, base, username, ui_texts):
    w = Walker(browser, base, username, PHONE, "en")
    try:

        def check(path: str) -> None:
            if not w.page.evaluate(WIDE):
                w.problems.append(f"{path}: wider than the phone")
            texts = w.page.evaluate(TEXTS)
            left = {t for t in texts["nodes"] if t.rstrip("：:") in ui_texts}
            left |= {t for t in texts["chrome"] if CJK.search(t)}
            if left:
                w.problems.append(f"{path}: Chinese in English: {sorted(left)[:8]}")

        visited = w.walk(check)
        assert len(visited) >= 3, visited
        assert w.problems == [], "\n".join(w.problems)
    finally:
        w.close()


@pytest.mark.parametrize("username", DESKTOP_ROLES)
def test_every_page_on_a_desktop_in_chinese(browser, base, username, shots):
    w = Walker(browser, base, username, DESKTOP, "zh")
    folder = shots / "walk"
    folder.mkdir(exist_ok=True)
    for old in folder.glob(f"{username}--*.jpg"):
        old.unlink()  # (a page no longer reached leaves no picture)
    pages: dict[str, str] = {}
    try:

        def keep(path: str) -> None:
            # one picture per page (its filters and paging aside), small enough to keep
            name = re.sub(r"[^a-z0-9]+", "-", shape(path).lower()).strip("-")
            picture = folder / f"{username}--{name or 'home'}.jpg"
            if not picture.exists():
                w.page.screenshot(path=str(picture), type="jpeg", quality=50)
                pages[picture.name] = shape(path)

        visited = w.walk(keep)
        (folder / f"{username}.json").write_text(json.dumps(pages, ensure_ascii=False))
        assert len(visited) >= 3, visited
        assert w.problems == [], "\n".join(w.problems)
    finally:
        w.close()
