"""What the security suites found, kept found: every route is in the OpenAPI document
(so the generated suites see it), ids beyond the database's integers are a 404, a NUL in
a query argument is a 400 naming it, errors are documented as they are sent."""

from __future__ import annotations

import re

import pytest

from tests.security.conftest import SERVICES, openapi
from tests.security.worlds import CITY

pytestmark = pytest.mark.security

#: Routes every service has outside its API (health, metrics, the docs and their files).
INFRASTRUCTURE = {"/healthz", "/readyz", "/metrics"}


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_is_in_the_openapi_document(worlds, service):
    """roster's places were routed with add_url_rule, which flask-smorest does not
    document: POST and PATCH of towns, villages and units were in no document and so in
    no generated test."""
    app = worlds[service].app
    prefix = f"/api/v1/{service}"
    documented = {
        (method.upper(), path)
        for path, item in openapi(service)["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    missing = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        if path in INFRASTRUCTURE or not path.startswith(prefix):
            continue
        if path.startswith(f"{prefix}/docs") or path == f"{prefix}/openapi.json":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, path) not in documented:
                missing.append(f"{method} {path}")
    assert not missing, missing


@pytest.mark.parametrize("service", SERVICES)
def test_an_id_beyond_the_databases_integers_is_a_404(worlds, service):
    world = worlds[service]
    doc = openapi(service)
    path = next(p for p in doc["paths"] if p.endswith("/{id}") and "get" in doc["paths"][p])
    for value in (2**31, 10**30):
        response = world.client.get(path.replace("{id}", str(value)), headers=CITY)
        assert response.status_code == 404, (path, value, response.get_data(as_text=True))
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("service", SERVICES)
def test_a_nul_in_a_query_argument_is_a_400_naming_it(worlds, service):
    world = worlds[service]
    doc = openapi(service)
    path = next(
        p
        for p, item in doc["paths"].items()
        if "{" not in p and "get" in item and "per_page" in str(item["get"].get("parameters"))
    )
    response = world.client.get(path, query_string={"sort": "id\x00"}, headers=CITY)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["errors"] == {"sort": ["contains a NUL character"]}


@pytest.mark.parametrize("service", SERVICES)
def test_errors_are_documented_as_problem_json(service):
    doc = openapi(service)
    default = doc["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(default) == ["application/problem+json"]
    problem = doc["components"]["schemas"]["Problem"]
    assert {"title", "status"} <= set(problem["required"])


def test_exports_neither_fail_on_control_characters_nor_run_formulas(own_worlds):
    """schemathesis's stateful run stored a duty item whose title held a control character;
    its XLSX export was a 500 (openpyxl refuses them). The door now refuses such a title
    (422, nothing stored); one stored before is still exported, without the characters.
    Text a spreadsheet would run as a formula is exported quoted."""
    from io import BytesIO

    from openpyxl import load_workbook

    from services.reporting.models import DutyItem

    world = own_worlds["reporting"]
    title = '=HYPERLINK("http://127.0.0.1/x","点我")\x01\x1f'
    body = {
        "party_kind": "town",
        "party_id": 1,
        "title": title,
        "due_date": "2026-12-31",
        "year": 2026,
    }
    refused = world.call("POST", "/duty-items", CITY, body, expect=(422,))
    assert list(refused["errors"]) == ["title"]
    clean = world.call("POST", "/duty-items", CITY, body | {"title": title[:-2]}, expect=(201,))
    with world.db.transaction() as s:  # stored as it was before the door refused it
        s.get(DutyItem, clean["id"]).title = title
    response = world.client.get("/api/v1/reporting/duty-items?format=xlsx", headers=CITY)
    assert response.status_code == 200, response.get_data(as_text=True)
    cells = [
        c
        for row in load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True)
        for c in row
        if isinstance(c, str) and "HYPERLINK" in c
    ]
    assert cells == ["'" + title[:-2]]
    response = world.client.get("/api/v1/reporting/duty-items?format=csv", headers=CITY)
    assert response.status_code == 200
    assert "'=HYPERLINK" in response.get_data(as_text=True)
    assert "\x01" not in response.get_data(as_text=True)


def test_a_person_patched_with_a_position_without_its_kind_is_a_422(own_worlds):
    """Found by schemathesis's stateful run: PATCH /people/{id} with ``positions:
    [{"village_id": 4}]`` was a 500 (the patch schema's ``partial`` reached the positions)."""
    world = own_worlds["roster"]
    person = world.literals["ids"]["cadre_b1"]
    response = world.client.patch(
        f"/api/v1/roster/people/{person}",
        json={"positions": [{"village_id": world.literals["ids"]["village_b1"]}]},
        headers=CITY,
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["errors"] == {"positions": {"0": {"kind": ["必填 / required"]}}}
    response = world.client.patch(
        f"/api/v1/roster/people/{person}", json={"name": "改名"}, headers=CITY
    )
    assert response.status_code == 200, response.get_data(as_text=True)
