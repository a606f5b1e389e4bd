"""Resource limits (issue 9, item 13), from each committed OpenAPI document:

- every body over the limit (1 MiB for JSON, ``MAX_UPLOAD_LENGTH`` for imports) is a 413
  problem+json and stores nothing;
- every list is paged with ``per_page`` capped at 200 (201 is a 422), except the few
  answers bounded by their object, listed below;
- roster throttles failed logins: after ``LOGIN_MAX_FAILURES`` (5, documented in the
  README) the account is locked, answers 429 with ``Retry-After`` even to the right
  password from an unknown client, and an unknown username behaves the same (so the lock
  reveals no account); the lock lasts 30 s the first time and doubles up to 15 minutes;
- failed logins are limited per client address too (issue 19): spraying one password
  over many accounts from one address is throttled with 429 and ``Retry-After``, and the
  lock it sets on an account never keeps out a client that signed in to it before.
"""

from __future__ import annotations

import uuid

import pytest

from services.roster import domain
from tests.roster.conftest import CLERK_PASSWORD
from tests.security.conftest import SERVICES, changed_tables, snapshot
from tests.security.oas import Document
from tests.security.worlds import CITY

pytestmark = pytest.mark.security

#: JSON arrays that are not paged because their length is bounded by one object or by the
#: city's structure (towns x five kinds), never by the data's growth.
BOUNDED = {
    ("roster", "/trainees/{id}/placements"),  # one trainee's placements
    ("roster", "/trainees/{id}/status"),  # one trainee's status changes
    ("mentorship", "/assignments/{id}/audit"),  # one assignment's audit rows
    ("mentorship", "/trainees/{id}/projects"),  # one trainee's projects
    ("reporting", "/duty-items/completion"),  # one row per party (towns, units)
    ("reporting", "/rectifications/figures"),  # one row per party
    ("reporting", "/reports/{id}/audit"),  # one report's audit rows
    ("welfare", "/facilities"),  # towns x the five kinds
}
MAX_PER_PAGE = 200


def _path(world, path: str) -> str:
    """Any existing object will do: limits come before the object is looked up."""
    for name in ("{id}", "{trainee_id}", "{town_id}", "{follow_up_id}"):
        path = path.replace(name, "1")
    for name, value in (("{code}", world.literals.get("code", "2026-01")), ("{kind}", "canteen")):
        path = path.replace(name, str(value))
    return (
        path.replace("{year}", "2026").replace("{day}", "2026-10-01").replace("{code}", "2026-01")
    )


@pytest.mark.parametrize("service", SERVICES)
def test_every_oversized_body_is_a_413_and_stores_nothing(worlds, table, service):
    world = worlds[service]
    doc = Document(service)
    limit = world.app.config["MAX_CONTENT_LENGTH"]
    upload = world.app.config.get("MAX_UPLOAD_LENGTH", limit)
    sent, wrong, errors = 0, [], 0
    for method, path, op, _params in doc.operations():
        kind, _schema = doc.body_schema(op)
        if kind is None:
            continue
        size = (upload if kind != "application/json" else limit) + 1
        if kind == "application/json":
            data = b'{"x": "' + b"a" * (size - 9) + b'"}'
        else:
            data = b"a," * (size // 2 + 1)
        before = snapshot(world.db)
        # The first role allowed to call it (a refused role never reads the body).
        for headers in (CITY, *world.tokens["A"].values()):
            response = world.client.open(
                f"{doc.prefix}{_path(world, path)}",
                method=method,
                data=data,
                headers={
                    **headers,
                    "Content-Type": kind if kind != "multipart/form-data" else "text/csv",
                },
            )
            sent += 1
            if response.status_code != 403:
                break
        errors += response.status_code >= 500
        if response.status_code != 413 or response.mimetype != "application/problem+json":
            wrong.append(f"{method} {path} ({len(data)} bytes) -> {response.status_code}")
        elif changed_tables(before, snapshot(world.db)):
            wrong.append(f"{method} {path} stored something")
    table.add(
        "13 bodies over the limit", service, requests=sent, failures=len(wrong), **{"5xx": errors}
    )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("service", SERVICES)
def test_every_list_is_paged_and_its_page_size_capped(worlds, table, service):
    world = worlds[service]
    doc = Document(service)
    sent, wrong, errors = 0, [], 0
    for method, path, op, params in doc.operations():
        if method != "GET":
            continue
        content = op.get("responses", {}).get("200", {}).get("content", {})
        schema = doc.resolve(content.get("application/json", {}).get("schema", {}))
        per_page = next((p for p in params if p["name"] == "per_page"), None)
        if schema.get("type") == "array" and (service, path) not in BOUNDED:
            wrong.append(f"{path}: an unpaged list (page it, or explain it in BOUNDED)")
        if "items" in schema.get("properties", {}) and per_page is None:
            wrong.append(f"{path}: items without per_page")
        if per_page is None:
            continue
        if per_page["schema"].get("maximum", 10**9) > MAX_PER_PAGE:
            wrong.append(f"{path}: per_page maximum {per_page['schema'].get('maximum')}")
        url = f"{doc.prefix}{_path(world, path)}"
        required = {
            p["name"]: doc.sample(p.get("schema", {}), lambda k: 1, p["name"])
            for p in params
            if p.get("in") == "query" and p.get("required")
        }
        for size, expected in ((MAX_PER_PAGE + 1, {422}), (10**6, {422}), (MAX_PER_PAGE, None)):
            response = world.client.get(
                url, query_string={**required, "per_page": size}, headers=CITY
            )
            sent += 1
            errors += response.status_code >= 500
            if expected and response.status_code not in expected:
                wrong.append(f"{path}?per_page={size} -> {response.status_code}")
            if expected is None and response.status_code == 200:
                body = response.get_json()
                if isinstance(body, dict) and len(body.get("items", [])) > MAX_PER_PAGE:
                    wrong.append(f"{path}: more than {MAX_PER_PAGE} items in a page")
    table.add("13 page size capped", service, requests=sent, failures=len(wrong), **{"5xx": errors})
    assert not wrong, "\n".join(wrong)


TOKEN = "/api/v1/roster/auth/token"


def _login(world, username: str, password: str, address: str = "127.0.0.1"):
    return world.client.post(
        TOKEN,
        json={"grant_type": "password", "username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failed_logins_are_throttled_and_lock_the_account(worlds, table):
    world = worlds["roster"]
    max_failures = world.app.config["LOGIN_MAX_FAILURES"]
    assert max_failures == 5  # the number the README documents
    sent = 0
    for n in range(max_failures):
        response = _login(world, "clerk", f"wrong-{n}", "192.0.2.11")
        sent += 1
        assert response.status_code == 401, (n, response.get_json())
    for password in ("wrong-again", CLERK_PASSWORD):
        response = _login(world, "clerk", password, "192.0.2.11")
        sent += 1
        assert response.status_code == 429, response.get_json()
        assert response.mimetype == "application/problem+json"
        # the first lock: LOGIN_BACKOFF_SECONDS (30 s)
        assert 0 < int(response.headers["Retry-After"]) <= 30
    table.add("13 login throttle", "roster", requests=sent)


def test_an_unknown_username_is_throttled_alike_so_the_lock_reveals_no_account(worlds, table):
    world = worlds["roster"]
    answers = []
    for username in ("no-such-user", "town-a"):
        statuses = [
            _login(world, username, f"wrong-{n}", f"192.0.2.{20 + n}").status_code for n in range(7)
        ]
        answers.append(statuses)
    table.add("13 login throttle", "roster", requests=14)
    assert answers[0] == answers[1] == [401] * 5 + [429] * 2, answers


def test_client_credentials_are_throttled_too(worlds, table):
    world = worlds["roster"]
    statuses = []
    for n in range(7):
        response = world.client.post(
            TOKEN,
            json={
                "grant_type": "client_credentials",
                "client_id": "no-such-client",
                "client_secret": f"x{n}",
            },
            environ_base={"REMOTE_ADDR": f"192.0.2.{40 + n}"},
        )
        statuses.append(response.status_code)
    table.add("13 login throttle", "roster", requests=7)
    assert statuses == [401] * 5 + [429] * 2, statuses


def test_spraying_from_one_address_is_throttled_and_the_holder_still_signs_in(worlds, table):
    """One address tries one password on many usernames: after ``LOGIN_ADDRESS_LIMIT``
    (10 failures a minute) every further try from it is a 429 with Retry-After, whatever
    the username; an account it then locks stays open to its holder's known address."""
    world = worlds["roster"]
    sprayer, attacker, holder = "198.51.100.77", "198.51.100.78", "10.9.9.9"
    username, password = f"holder-{uuid.uuid4().hex[:8]}", "holder-pass-19"
    with world.db.transaction() as session:
        domain.create_account(session, {"username": username, "password": password, "role": "city"})
    assert _login(world, username, password, holder).status_code == 200  # a known client
    statuses, retry_after = [], None
    for n in range(30):
        response = _login(world, f"user{n:03d}", "Winter2026!", sprayer)
        statuses.append(response.status_code)
        if response.status_code == 429:
            retry_after = int(response.headers["Retry-After"])
            assert response.mimetype == "application/problem+json"
    for _ in range(5):  # then the holder's account itself, from another address
        _login(world, username, "Winter2026!", attacker)
    locked = _login(world, username, password, attacker)
    table.add("19 spraying and lock-out", "roster", requests=len(statuses) + 8)
    assert statuses == [401] * 10 + [429] * 20, statuses
    assert retry_after is not None and 0 < retry_after <= 61
    assert locked.status_code == 429  # a stranger, even with the password: locked out
    assert _login(world, username, password, holder).status_code == 200  # the holder: in
