"""The service's own pages: an OpenAPI 3 document, a docs page that works offline, and the
health, readiness and metrics endpoints."""

from __future__ import annotations

import re

from shared.db import make_engine
from tests.conftest import auth
from tests.roster.helpers import API

METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def test_the_openapi_document_is_openapi_3_with_every_path_under_the_prefix(roster):
    response = roster.client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["paths"], "no paths documented"
    for path, operations in spec["paths"].items():
        assert path.startswith(f"{API}/"), path
        for method, operation in operations.items():
            if method in METHODS:
                assert "responses" in operation, (path, method)
    for expected in (
        "/trainees",
        "/trainees/{id}",
        "/trainees/{id}/placements",
        "/trainees/{id}/status",
        "/auth/token",
        "/imports/trainees",
        "/people",
        "/accounts",
        "/towns",
    ):
        assert f"{API}{expected}" in spec["paths"], expected


def test_the_openapi_document_declares_bearer_tokens_and_problem_errors(roster):
    spec = roster.client.get(f"{API}/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    token = spec["paths"][f"{API}/auth/token"]["post"]
    assert token["security"] == []
    assert {"401", "429"} <= set(token["responses"])


def test_every_schema_reference_resolves(roster):
    spec = roster.client.get(f"{API}/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    references = re.findall(
        r'"\$ref": "#/components/schemas/([^"]+)"',
        roster.client.get(f"{API}/openapi.json").get_data(as_text=True),
    )
    assert references
    assert set(references) <= set(schemas)


def test_the_docs_page_uses_only_local_assets(roster):
    response = roster.client.get(f"{API}/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assets = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert assets, "the page loads no assets"
    for url in assets:
        assert not re.match(r"(?i)(https?:)?//", url), url
        assert url.startswith(f"{API}/docs-assets/"), url
    assert "http://" not in html and "https://" not in html


def test_the_docs_assets_are_served(roster):
    html = roster.client.get(f"{API}/docs").get_data(as_text=True)
    for url in re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html):
        assert roster.client.get(url).status_code == 200, url
    bundle = roster.client.get(f"{API}/docs-assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert b"SwaggerUIBundle" in bundle.get_data()
    assert roster.client.get(f"{API}/docs-assets/../../../../etc/passwd").status_code == 404


def test_healthz_and_readyz_answer_200(roster):
    health = roster.client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok", "service": "roster"}
    ready = roster.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_answers_503_when_the_database_is_unreachable(roster, tmp_path):
    roster.db.engine = make_engine(f"sqlite:///{tmp_path}/no/such/dir/roster.db")
    ready = roster.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["status"] == "unavailable"
    assert ready.get_json()["checks"]["database"].startswith("error")
    assert ready.get_json()["checks"]["broker"] == "ok"


def test_metrics_count_requests_in_prometheus_text(roster):
    roster.app.config["METRICS_TOKEN"] = "metrics-token"
    roster.client.get(f"{API}/trainees", headers=auth("city"))
    assert roster.client.get("/metrics", headers=auth("city")).status_code == 401
    response = roster.client.get("/metrics", headers={"Authorization": "Bearer metrics-token"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "grassroots_http_requests_total" in text
    assert re.search(r'grassroots_http_requests_total\{[^}]*service="roster"[^}]*\} \d', text)
    assert 'grassroots_outbox_backlog{service="roster"}' in text
