"""The console's tests: one embedded default per test session (``python -m embedded`` as a
subprocess on a free port with a fresh var directory), Debian's chromium through
Playwright, and helpers to read the demo city over the API."""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from journey.embedded import embedded

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
#: Kept after the run (var/ is not committed; docs/screenshots holds a chosen few): the main
#: pages, phone-sized and desktop.
SCREENSHOTS = Path(
    os.environ.get("CONSOLE_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "var" / "screenshots"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _missing(what: str):
    if IN_CI:
        pytest.fail(f"{what} (CI=true: a missing dependency is a failure)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def base(tmp_path_factory) -> str:
    with embedded(tmp_path_factory.mktemp("console")) as url:
        yield url


class Api:
    """Reads the demo city over the public API (to find whom the test acts as)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.tokens: dict[str, str] = {}
        self.taken: dict[str, float] = {}

    def token(self, username: str) -> str:
        # access tokens live 15 minutes: sign in again after 10
        if username not in self.tokens or time.monotonic() - self.taken[username] > 600:
            self.taken[username] = time.monotonic()
            body = json.dumps(
                {"grant_type": "password", "username": username, "password": "demo"}
            ).encode()
            req = urllib.request.Request(
                f"{self.base}/api/v1/roster/auth/token", body,
                {"Content-Type": "application/json"},
            )  # fmt: skip
            with urllib.request.urlopen(req, timeout=20) as r:
                self.tokens[username] = json.load(r)["access_token"]
        return self.tokens[username]

    def get(self, path: str, username: str = "city"):
        req = urllib.request.Request(
            f"{self.base}/api/v1{path}", headers={"Authorization": f"Bearer {self.token(username)}"}
        )
        with urllib.request.urlopen(req, timeout=20) as r:
            return json.load(r)

    def items(self, path: str, username: str = "city") -> list[dict]:
        out, page = [], 1
        sep = "&" if "?" in path else "?"
        while True:
            body = self.get(f"{path}{sep}per_page=200&page={page}", username)
            out += body["items"]
            if page * 200 >= body["total"]:
                return out
            page += 1

    def username(self, role: str, scope_id: int) -> str:
        for account in self.items(f"/roster/accounts?role={role}"):
            if account.get("scope_id") == scope_id:
                return account["username"]
        raise LookupError(f"no {role} account for {scope_id}")


@pytest.fixture(scope="session")
def api(base) -> Api:
    return Api(base)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        _missing(f"no chromium at {CHROMIUM} (make chromium installs Debian's)")
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
