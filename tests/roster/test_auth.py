"""Tokens: roster issues RS256 JWTs for a password or a client credential, locks an account
after repeated failures, and accepts only tokens it signed, for its issuer and audience,
unexpired and unedited."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest

from shared.auth import verify_token
from tests.conftest import auth, make_token, now_seconds
from tests.roster.conftest import CLERK_PASSWORD
from tests.roster.helpers import API, assert_problem

TOKEN = f"{API}/auth/token"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_parts(header: dict, claims: dict) -> str:
    return b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())


def claims(**overrides) -> dict:
    now = now_seconds()
    return {
        "sub": "1",
        "role": "city",
        "scope": None,
        "name": "",
        "iss": "grassroots-roster",
        "aud": "grassroots",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        **overrides,
    }


def password_grant(username: str = "clerk", password: str = CLERK_PASSWORD) -> dict:
    return {"grant_type": "password", "username": username, "password": password}


def trainee_list(roster, token: str):
    return roster.client.get(f"{API}/trainees", headers={"Authorization": f"Bearer {token}"})


def test_a_password_in_json_gets_a_city_token_that_opens_the_api(roster):
    response = roster.client.post(TOKEN, json=password_grant())
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["role"] == "city" and body["scope_id"] is None
    assert body["expires_in"] > 0
    listed = trainee_list(roster, body["access_token"])
    assert listed.status_code == 200
    assert listed.get_json()["total"] == 3


def test_a_password_in_a_form_gets_a_token(roster):
    response = roster.client.post(TOKEN, data=password_grant())
    assert response.status_code == 200, response.get_json()
    me = roster.client.get(
        f"{API}/auth/me", headers={"Authorization": f"Bearer {response.get_json()['access_token']}"}
    )
    assert me.get_json()["role"] == "city"
    assert me.get_json()["subject"] == str(roster.clerk)


def test_a_token_request_without_its_credentials_is_a_422_naming_them(roster):
    body = assert_problem(roster.client.post(TOKEN, json={"grant_type": "password"}), 422)
    assert set(body["errors"]) == {"username", "password"}
    body = assert_problem(roster.client.post(TOKEN, json={"grant_type": "magic"}), 422)
    assert "grant_type" in body["errors"]


def test_a_token_request_that_is_neither_json_nor_a_form_is_a_400(roster):
    response = roster.client.post(
        TOKEN, data="grant_type=password", headers={"Content-Type": "text/plain"}
    )
    assert_problem(response, 400)


def create_client(roster, headers: dict, role: str, scope_id: int | None, username: str):
    return roster.client.post(
        f"{API}/accounts",
        headers=headers,
        json={"username": username, "kind": "client", "role": role, "scope_id": scope_id},
    )


def client_token(roster, client_id: str, secret: str):
    return roster.client.post(
        TOKEN,
        json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


def test_the_city_creates_a_client_credential_for_a_towns_system(roster):
    created = create_client(roster, auth("city"), "town", roster.town_a, "town-a-system")
    assert created.status_code == 201, created.get_json()
    secret = created.get_json()["client_secret"]
    assert len(secret) >= 32
    shown_again = roster.client.get(
        f"{API}/accounts/{created.get_json()['id']}", headers=auth("city")
    ).get_json()
    assert "client_secret" not in shown_again and "secret_hash" not in shown_again

    token = client_token(roster, "town-a-system", secret)
    assert token.status_code == 200, token.get_json()
    assert (token.get_json()["role"], token.get_json()["scope_id"]) == ("town", roster.town_a)
    listed = trainee_list(roster, token.get_json()["access_token"]).get_json()["items"]
    assert [t["id"] for t in listed] == [roster.in_a]
    assert roster.events("account.created")[-1]["payload"]["username"] == "town-a-system"


def test_a_town_creates_a_client_credential_for_itself(roster):
    created = create_client(
        roster, auth("town", roster.town_a), "town", roster.town_a, "town-a-own"
    )
    assert created.status_code == 201, created.get_json()
    token = client_token(roster, "town-a-own", created.get_json()["client_secret"])
    assert token.get_json()["scope_id"] == roster.town_a


@pytest.mark.parametrize(
    ("role", "scope_key", "kind"),
    [
        ("town", "town_b", "client"),
        ("city", None, "client"),
        ("unit", "unit_x", "client"),
        ("town", "town_a", "user"),
    ],
)
def test_a_town_creates_no_credential_but_a_client_for_itself(roster, role, scope_key, kind):
    before = roster.count("account")
    response = roster.client.post(
        f"{API}/accounts",
        headers=auth("town", roster.town_a),
        json={
            "username": "sneaky",
            "kind": kind,
            "password": "pass-word-1",
            "role": role,
            "scope_id": roster.ids[scope_key] if scope_key else None,
        },
    )
    assert_problem(response, 403)
    assert roster.count("account") == before


def test_a_client_secret_is_no_password(roster):
    created = create_client(roster, auth("city"), "town", roster.town_a, "town-a-system")
    secret = created.get_json()["client_secret"]
    assert_problem(roster.client.post(TOKEN, json=password_grant("town-a-system", secret)), 401)


def test_a_wrong_password_and_an_unknown_user_get_the_same_401(roster):
    wrong = assert_problem(roster.client.post(TOKEN, json=password_grant(password="nope")), 401)
    unknown = assert_problem(roster.client.post(TOKEN, json=password_grant("ghost", "nope")), 401)
    assert wrong["detail"] == unknown["detail"]
    assert "access_token" not in wrong


def test_five_failures_lock_the_account_even_against_the_right_password(roster):
    for _ in range(5):
        assert_problem(roster.client.post(TOKEN, json=password_grant(password="nope")), 401)
    locked = roster.client.post(TOKEN, json=password_grant())
    assert_problem(locked, 429)
    retry_after = int(locked.headers["Retry-After"])
    assert 0 < retry_after <= roster.app.config["LOGIN_LOCK_SECONDS"] + 1
    assert_problem(roster.client.post(TOKEN, data=password_grant()), 429)


def test_four_failures_do_not_lock_and_a_success_resets_the_count(roster):
    for _ in range(4):
        assert_problem(roster.client.post(TOKEN, json=password_grant(password="nope")), 401)
    assert roster.client.post(TOKEN, json=password_grant()).status_code == 200
    for _ in range(4):
        assert_problem(roster.client.post(TOKEN, json=password_grant(password="nope")), 401)
    assert roster.client.post(TOKEN, json=password_grant()).status_code == 200


def forged_tokens(roster) -> dict[str, str]:
    public_key = roster.app.config["JWT_PUBLIC_KEY"]
    hs256_head = unsigned_parts({"alg": "HS256", "typ": "JWT"}, claims())
    hs256_sig = hmac.new(public_key.encode(), hs256_head.encode(), hashlib.sha256).digest()
    town_token = make_token("town", roster.town_a)
    head, _, signature = town_token.split(".")
    edited = json.loads(base64.urlsafe_b64decode(town_token.split(".")[1] + "=="))
    edited["scope"] = roster.town_b
    return {
        "alg none": unsigned_parts({"alg": "none", "typ": "JWT"}, claims()) + ".",
        "HS256 keyed with the public key": hs256_head + "." + b64url(hs256_sig),
        "expired": make_token("city", ttl_seconds=-5),
        "wrong issuer": make_token("city", issuer="someone-else"),
        "wrong audience": make_token("city", audience="another-system"),
        "edited payload": head + "." + b64url(json.dumps(edited).encode()) + "." + signature,
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize(
    "kind",
    [
        "alg none",
        "HS256 keyed with the public key",
        "expired",
        "wrong issuer",
        "wrong audience",
        "edited payload",
        "garbage",
    ],
)
def test_a_forged_or_stale_token_is_refused_with_401(roster, kind):
    response = trainee_list(roster, forged_tokens(roster)[kind])
    assert_problem(response, 401)
    assert "items" not in response.get_json()


def test_a_properly_signed_token_still_works_so_the_forgeries_fail_for_their_flaw(roster):
    assert trainee_list(roster, make_token("city")).status_code == 200
    assert trainee_list(roster, make_token("town", roster.town_a)).status_code == 200


@pytest.mark.parametrize(
    ("role", "scope"), [("admin", None), ("town", None), ("unit", 0), ("trainee", "1")]
)
def test_a_signed_token_with_a_bad_role_or_scope_is_refused(roster, role, scope):
    private_key = roster.app.config["JWT_PRIVATE_KEY"]
    token = jwt.encode(claims(role=role, scope=scope), private_key, algorithm="RS256")
    assert_problem(trainee_list(roster, token), 401)


def test_a_request_without_bearer_is_a_401(roster):
    response = roster.client.get(
        f"{API}/trainees", headers={"Authorization": f"Token {make_token('city')}"}
    )
    assert_problem(response, 401)


def test_me_tells_the_role_and_scope_of_the_token(roster):
    me = roster.client.get(f"{API}/auth/me", headers=auth("town", roster.town_b))
    assert me.status_code == 200
    assert me.get_json()["role"] == "town"
    assert me.get_json()["scope_id"] == roster.town_b
    assert_problem(roster.client.get(f"{API}/auth/me"), 401)


def test_the_public_key_verifies_an_issued_token(roster):
    issued = roster.client.post(TOKEN, json=password_grant()).get_json()["access_token"]
    published = roster.client.get(f"{API}/auth/public-key").get_json()
    assert published["algorithm"] == "RS256"
    assert published["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in json.dumps(published)
    # as every service verifies it: the signature with the public key, the times on
    # shared.clock (the clock that issued it)
    principal = verify_token(
        issued, published["public_key"], issuer=published["issuer"], audience=published["audience"]
    )
    assert (principal.role, principal.subject) == ("city", str(roster.clerk))
    with pytest.raises(jwt.InvalidSignatureError):
        verify_token(
            issued[:-4] + ("AAAA" if not issued.endswith("AAAA") else "BBBB"),
            published["public_key"],
            issuer=published["issuer"],
            audience=published["audience"],
        )


def test_the_city_creates_a_login_that_works_and_whose_phone_is_masked(roster):
    created = roster.client.post(
        f"{API}/accounts",
        headers=auth("city"),
        json={
            "username": "town-a-clerk",
            "password": "pass-word-1",
            "role": "town",
            "scope_id": roster.town_a,
            "display_name": "甲镇组织委员",
            "phone": "13812345678",
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["phone"] == "138****5678"
    assert "client_secret" not in body and "password" not in body
    token = roster.client.post(TOKEN, json=password_grant("town-a-clerk", "pass-word-1"))
    assert (token.get_json()["role"], token.get_json()["scope_id"]) == ("town", roster.town_a)


def test_an_account_for_a_scope_that_does_not_exist_is_a_422(roster):
    before = roster.count("account")
    response = roster.client.post(
        f"{API}/accounts",
        headers=auth("city"),
        json={
            "username": "ghost-town",
            "password": "pass-word-1",
            "role": "town",
            "scope_id": 999999,
        },
    )
    assert "scope_id" in assert_problem(response, 422)["errors"]
    assert roster.count("account") == before
