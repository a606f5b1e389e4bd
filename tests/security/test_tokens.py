"""Tokens (issue 9, item 12; issue 19): every service refuses with 401 a token that is
unsigned (``alg: none``), HMAC-signed with roster's public key, signed by another key,
expired by one second, without expiry, not yet valid, for another issuer or audience, or
whose scope was edited after signing; a properly signed token opens the same endpoint (so
each forgery fails for its own flaw). A genuine token issued before its account was
revoked (``account.revoked``: deactivated, new password, trainee gone) is a 401 on every
service too, and one issued after the revocation is not."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
import sqlalchemy as sa

from shared.auth_keys import generate_keypair
from shared.clock import utcnow
from tests.conftest import KEYS, make_token, now_seconds
from tests.security.conftest import SERVICES

pytestmark = pytest.mark.security

#: One endpoint of each service that a town may read, and one change it may attempt.
ENDPOINTS = {
    "roster": [("GET", "/trainees"), ("PATCH", "/trainees/1")],
    "mentorship": [("GET", "/assignments"), ("POST", "/assignments")],
    "reporting": [("GET", "/reports"), ("POST", "/duty-items")],
    "welfare": [("GET", "/needs"), ("POST", "/housing")],
    "notifier": [("GET", "/notifications"), ("PUT", "/preferences")],
}
OTHER_KEY = generate_keypair()[0]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides) -> dict:
    now = now_seconds()
    base = {
        "sub": "1",
        "role": "town",
        "scope": 1,
        "name": "",
        "iss": "grassroots-roster",
        "aud": "grassroots",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def signed(**overrides) -> str:
    return jwt.encode(claims(**overrides), KEYS[0], algorithm="RS256")


def unsigned(alg: str = "none") -> str:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{b64url(json.dumps(claims()).encode())}."


def hs256_with_public_key() -> str:
    """The classic key-confusion forgery: HMAC with the RSA public key as the secret."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims()).encode())
    mac = hmac.new(KEYS[1].encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(mac)}"


def edited_scope() -> str:
    """A genuine town-1 token whose payload was changed to town 2, signature kept."""
    header, _payload, signature = signed().split(".")
    payload = b64url(json.dumps(claims(scope=2)).encode())
    return f"{header}.{payload}.{signature}"


def edited_role() -> str:
    header, _payload, signature = signed().split(".")
    payload = b64url(json.dumps(claims(role="city", scope=None)).encode())
    return f"{header}.{payload}.{signature}"


FORGERIES = {
    "alg none": lambda: unsigned("none"),
    "alg None": lambda: unsigned("None"),
    "HS256 signed with the public key": hs256_with_public_key,
    "signed by another key": lambda: jwt.encode(claims(), OTHER_KEY, algorithm="RS256"),
    "expired by one second": lambda: signed(exp=now_seconds() - 1),
    "no expiry": lambda: signed(exp=...),
    "no issued-at": lambda: signed(iat=...),
    "not valid yet": lambda: signed(nbf=now_seconds() + 60),
    "wrong issuer": lambda: signed(iss="someone-else"),
    "no issuer": lambda: signed(iss=...),
    "wrong audience": lambda: signed(aud="other-system"),
    "no audience": lambda: signed(aud=...),
    "edited scope": edited_scope,
    "edited role": edited_role,
    "unknown role": lambda: signed(role="admin"),
    "scope missing": lambda: signed(scope=...),
    "scope as text": lambda: signed(scope="1"),
    "garbage": lambda: "not.a.token",
    "empty": lambda: "",
}


@pytest.mark.parametrize("service", SERVICES)
def test_every_forged_or_stale_token_is_a_401_on_every_service(worlds, table, service):
    world = worlds[service]
    prefix = f"/api/v1/{service}"
    sent = 0
    wrong = []
    for method, path in ENDPOINTS[service]:
        good = world.client.open(
            prefix + path, method=method, headers={"Authorization": f"Bearer {signed()}"}, json={}
        )
        sent += 1
        assert good.status_code != 401, (path, good.get_json())
        for name, make in FORGERIES.items():
            response = world.client.open(
                prefix + path,
                method=method,
                headers={"Authorization": f"Bearer {make()}"},
                json={},
            )
            sent += 1
            if response.status_code != 401:
                wrong.append(f"{name}: {method} {path} -> {response.status_code}")
            elif response.mimetype != "application/problem+json":
                wrong.append(f"{name}: {method} {path} answered {response.mimetype}")
        for headers in ({}, {"Authorization": signed()}, {"Authorization": "Basic eDp5"}):
            response = world.client.open(prefix + path, method=method, headers=headers, json={})
            sent += 1
            if response.status_code != 401:
                wrong.append(f"header {headers}: {method} {path} -> {response.status_code}")
    table.add("12 tokens", service, requests=sent, leaks=len(wrong), failures=1 if wrong else 0)
    assert not wrong, "\n".join(wrong)


#: An account of its own (no world token carries this subject), revoked in every world.
REVOKED_SUBJECT = "777"


@pytest.mark.parametrize("service", SERVICES)
def test_a_token_issued_before_its_account_was_revoked_is_a_401_on_every_service(
    worlds, table, service
):
    world = worlds[service]
    prefix = f"/api/v1/{service}"
    before = make_token("town", 1, subject=REVOKED_SUBJECT)
    time.sleep(0.002)
    not_before = utcnow()
    with world.db.engine.begin() as conn:  # as the consumer (or roster itself) writes it
        conn.execute(
            sa.text("DELETE FROM token_revocation WHERE subject = :s"), {"s": REVOKED_SUBJECT}
        )
        conn.execute(
            sa.text(
                "INSERT INTO token_revocation (subject, role, not_before, reason, recorded_at)"
                " VALUES (:s, 'town', :nb, 'account_inactive', :nb)"
            ),
            {"s": REVOKED_SUBJECT, "nb": not_before},
        )
    checker = world.app.extensions["token_revocations"]
    if hasattr(checker, "refresh"):
        checker.refresh(force=True)  # what the next second's read would bring
    time.sleep(0.002)
    after = make_token("town", 1, subject=REVOKED_SUBJECT)
    sent, wrong = 0, []
    for method, path in ENDPOINTS[service]:
        for token, revoked in ((before, True), (after, False)):
            response = world.client.open(
                prefix + path,
                method=method,
                headers={"Authorization": f"Bearer {token}"},
                json={},
            )
            sent += 1
            if revoked and response.status_code != 401:
                wrong.append(f"revoked: {method} {path} -> {response.status_code}")
            if not revoked and response.status_code == 401:
                wrong.append(f"issued after: {method} {path} -> 401")
    table.add("19 revoked tokens", service, requests=sent, leaks=len(wrong))
    assert not wrong, "\n".join(wrong)
