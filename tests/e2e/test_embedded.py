"""The embedded default as `make run` starts it: one process, one port, SQLite, the
in-process broker and the demo city, answering the API to the demo accounts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.e2e.processes import free_port, http_json, wait_ready

pytestmark = pytest.mark.e2e


@pytest.fixture
def embedded(tmp_path):
    port = free_port()
    env = {**os.environ, "GRASSROOTS_VAR_DIR": str(tmp_path / "var"), "PORT": str(port)}
    for key in ("ROSTER_DATABASE_URL", "BROKER_URL", "JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY"):
        env.pop(key, None)
    log = open(tmp_path / "embedded.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "embedded"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, timeout=240)  # (minutes on a loaded machine)
        yield base, tmp_path
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _token(base, username):
    status, body = http_json(
        "POST",
        f"{base}/api/v1/roster/auth/token",
        {"grant_type": "password", "username": username, "password": "demo"},
    )
    assert status == 200, body
    return body["access_token"]


def test_the_embedded_default_serves_the_demo_city_to_the_demo_accounts(embedded):
    base, tmp_path = embedded
    api = f"{base}/api/v1/roster"
    city = _token(base, "city")
    _, towns = http_json("GET", f"{api}/towns", token=city)
    _, villages = http_json("GET", f"{api}/villages?per_page=100", token=city)
    _, units = http_json("GET", f"{api}/units", token=city)
    _, trainees = http_json("GET", f"{api}/trainees?per_page=200", token=city)
    _, people = http_json("GET", f"{api}/people?per_page=200", token=city)
    assert (towns["total"], villages["total"], units["total"]) == (6, 30, 8)
    assert trainees["total"] == 40 and people["total"] >= 40
    assert (tmp_path / "var" / "roster.db").exists()

    town = _token(base, "town1")
    _, mine = http_json("GET", f"{api}/trainees?per_page=200", token=town)
    assert mine["total"] > 0
    assert {t["town_id"] for t in mine["items"]} == {1}
    trainee = _token(base, "trainee3")
    _, me = http_json("GET", f"{api}/trainees", token=trainee)
    assert [t["id"] for t in me["items"]] == [3]
    _ = _token(base, "unit8"), _token(base, "mentor1")

    status, _ = http_json("GET", f"{base}/healthz")
    assert status == 200
