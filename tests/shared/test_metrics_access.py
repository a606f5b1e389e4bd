"""``/metrics`` is not open to whoever reaches a published port (issue 19): it answers
only ``Authorization: Bearer <METRICS_TOKEN>``, and not at all when no token is set.
The same rule holds in every service, since ``shared.http.build_app`` serves it."""

from __future__ import annotations

import pytest

from shared.config import BaseConfig
from shared.http import build_app
from tests.conftest import auth

TOKEN = "m3trics-Token-of-the-test"


class ProbeConfig(BaseConfig):
    SERVICE = "probe"


def client(**overrides):
    app, _api = build_app("probe", ProbeConfig(**overrides), title="probe", description="")
    return app.test_client()


def test_without_a_configured_token_metrics_is_not_served():
    response = client(METRICS_TOKEN=None).get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "grassroots_" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": "Bearer 令牌"},
        auth("city"),  # a user's JWT, even the city's, is not the metrics token
    ],
    ids=["none", "wrong", "basic", "longer", "shorter", "non-ascii", "city-jwt"],
)
def test_without_the_token_metrics_is_refused(headers):
    response = client(METRICS_TOKEN=TOKEN).get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "grassroots_" not in response.get_data(as_text=True)


def test_with_the_token_metrics_is_the_prometheus_text():
    probe = client(METRICS_TOKEN=TOKEN)
    probe.get("/healthz")
    response = probe.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert 'grassroots_http_requests_total{endpoint="healthz"' in response.get_data(as_text=True)


def test_the_token_may_come_from_a_file(tmp_path, monkeypatch):
    secret = tmp_path / "metrics_token"
    secret.write_text(f"{TOKEN}\n", encoding="utf-8")
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    monkeypatch.setenv("METRICS_TOKEN_FILE", str(secret))
    assert ProbeConfig().METRICS_TOKEN == TOKEN
    monkeypatch.setenv("METRICS_TOKEN", f" {TOKEN} ")
    assert ProbeConfig().METRICS_TOKEN == TOKEN
    monkeypatch.setenv("METRICS_TOKEN", "")
    monkeypatch.delenv("METRICS_TOKEN_FILE")
    assert ProbeConfig().METRICS_TOKEN is None
