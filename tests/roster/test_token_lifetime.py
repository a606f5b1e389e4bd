"""Tokens end with the account (issue 19): short access tokens with a refresh token that
rotates on every use; deactivating an account, a new password, or a trainee completing or
withdrawing revokes every token issued before (roster refuses them at once and announces
``account.revoked``); such an account cannot sign in nor refresh, and is told why."""

from __future__ import annotations

import datetime as dt

from services.roster.domain.trainees import change_status
from services.roster.models import Trainee
from shared.clock import utcnow
from tests.conftest import make_token
from tests.roster.conftest import CLERK_PASSWORD
from tests.roster.helpers import API, assert_problem

TOKEN = f"{API}/auth/token"
#: a city clerk other than the seeded ``clerk`` (whose own tokens the tests revoke)
CITY = {"Authorization": f"Bearer {make_token('city', subject='999')}"}


def login(roster, username="clerk", password=CLERK_PASSWORD, **extra):
    return roster.client.post(
        TOKEN, json={"grant_type": "password", "username": username, "password": password, **extra}
    )


def refresh(roster, token: str):
    return roster.client.post(TOKEN, json={"grant_type": "refresh_token", "refresh_token": token})


def me(roster, access: str):
    return roster.client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {access}"})


def trainee_login(roster, trainee_key: str = "in_a") -> tuple[int, str]:
    """A login for one of the seeded trainees; (account id, username)."""
    username = f"t-{trainee_key}"
    created = roster.client.post(
        f"{API}/accounts",
        json={
            "username": username,
            "role": "trainee",
            "scope_id": roster.ids[trainee_key],
            "password": "trainee-pass-1",
        },
        headers=CITY,
    )
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"], username


def test_an_access_token_lives_15_minutes_and_comes_with_a_refresh_token(roster):
    body = login(roster).get_json()
    assert body["expires_in"] == 900 == roster.app.config["JWT_TTL_SECONDS"]
    assert body["refresh_token"] and body["refresh_expires_in"] == 8 * 3600
    assert len(body["device_id"]) >= 16


def test_a_refresh_rotates_and_the_old_refresh_token_is_refused(roster):
    first = login(roster).get_json()
    second = refresh(roster, first["refresh_token"])
    assert second.status_code == 200, second.get_json()
    body = second.get_json()
    assert body["refresh_token"] != first["refresh_token"]
    assert me(roster, body["access_token"]).status_code == 200
    # the sign-in keeps its end: refreshing does not extend it
    assert body["refresh_expires_in"] <= first["refresh_expires_in"]
    again = assert_problem(refresh(roster, first["refresh_token"]), 401)
    assert again["errors"] == {"refresh_token": ["rotated"]}  # within the grace: a race
    assert refresh(roster, body["refresh_token"]).status_code == 200


def test_a_rotated_token_used_after_the_grace_revokes_the_whole_sign_in(roster, travel):
    first = login(roster).get_json()
    second = refresh(roster, first["refresh_token"]).get_json()
    travel(utcnow() + dt.timedelta(seconds=roster.app.config["REFRESH_REUSE_GRACE_SECONDS"] + 5))
    stolen = assert_problem(refresh(roster, first["refresh_token"]), 401)
    assert stolen["errors"] == {"refresh_token": ["reused"]}
    # the holder's current refresh token is revoked with it
    assert_problem(refresh(roster, second["refresh_token"]), 401)
    # a new password login starts a new sign-in
    assert refresh(roster, login(roster).get_json()["refresh_token"]).status_code == 200


def test_a_sign_in_ends_after_its_refresh_lifetime(roster, travel):
    first = login(roster).get_json()
    travel(utcnow() + dt.timedelta(seconds=first["refresh_expires_in"] + 1))
    assert_problem(refresh(roster, first["refresh_token"]), 401)


def test_signing_out_revokes_the_refresh_token(roster):
    body = login(roster).get_json()
    assert (
        roster.client.post(f"{API}/auth/revoke", json={"token": body["refresh_token"]}).status_code
        == 200
    )
    assert_problem(refresh(roster, body["refresh_token"]), 401)
    # an unknown token gets the same answer (RFC 7009)
    assert roster.client.post(f"{API}/auth/revoke", data={"token": "nonsense"}).status_code == 200


def test_client_credentials_get_an_access_token_only(roster):
    created = roster.client.post(
        f"{API}/accounts",
        json={"username": "ta-system", "role": "town", "scope_id": roster.town_a, "kind": "client"},
        headers=CITY,
    ).get_json()
    body = roster.client.post(
        TOKEN,
        json={
            "grant_type": "client_credentials",
            "client_id": "ta-system",
            "client_secret": created["client_secret"],
        },
    ).get_json()
    assert body["access_token"] and "refresh_token" not in body and "device_id" not in body


def test_deactivating_an_account_revokes_its_tokens_and_it_cannot_sign_in(roster):
    body = login(roster).get_json()
    assert me(roster, body["access_token"]).status_code == 200
    before = roster.last_outbox_id()
    response = roster.client.patch(
        f"{API}/accounts/{roster.clerk}", json={"active": False}, headers=CITY
    )
    assert response.status_code == 200, response.get_json()
    # roster checks its own table: refused at once
    assert assert_problem(me(roster, body["access_token"]), 401)["title"] == "Token revoked"
    refused = assert_problem(refresh(roster, body["refresh_token"]), 401)
    assert refused["errors"] == {"refresh_token": ["invalid"]}
    denied = assert_problem(login(roster), 403)
    assert denied["errors"] == {"account": ["account_inactive"]}
    assert "该账号已停用" in denied["detail"]
    # a wrong password still gets the plain 401: the reason is only for the holder
    assert_problem(login(roster, password="wrong"), 401)
    events = [e for e in roster.events_since(before) if e["type"] == "account.revoked"]
    assert len(events) == 1
    payload = events[0]["payload"]
    assert payload["id"] == roster.clerk and payload["role"] == "city"
    assert payload["reason"] == "account_inactive"
    # active again: a new login works, the old token stays refused
    roster.client.patch(f"{API}/accounts/{roster.clerk}", json={"active": True}, headers=CITY)
    fresh = login(roster).get_json()
    assert me(roster, fresh["access_token"]).status_code == 200
    assert me(roster, body["access_token"]).status_code == 401


def test_a_new_password_revokes_the_tokens_issued_before_it(roster):
    body = login(roster).get_json()
    roster.client.patch(
        f"{API}/accounts/{roster.clerk}", json={"password": "new-pass-2"}, headers=CITY
    )
    assert me(roster, body["access_token"]).status_code == 401
    assert_problem(refresh(roster, body["refresh_token"]), 401)
    fresh = login(roster, password="new-pass-2").get_json()  # at once, the same second
    assert me(roster, fresh["access_token"]).status_code == 200
    reasons = [e["payload"]["reason"] for e in roster.events("account.revoked")]
    assert reasons == ["password_changed"]


def test_a_withdrawn_trainee_cannot_sign_in_or_refresh_and_is_told_why(roster):
    account_id, username = trainee_login(roster)
    body = login(roster, username, "trainee-pass-1").get_json()
    assert me(roster, body["access_token"]).status_code == 200
    changed = roster.client.post(
        f"{API}/trainees/{roster.in_a}/status",
        json={"status": "withdrawn", "effective_date": "2026-06-01", "reason": "辞职"},
        headers=CITY,
    )
    assert changed.status_code == 201, changed.get_json()
    assert me(roster, body["access_token"]).status_code == 401
    assert_problem(refresh(roster, body["refresh_token"]), 401)
    denied = assert_problem(login(roster, username, "trainee-pass-1"), 403)
    assert denied["errors"] == {"account": ["trainee_withdrawn"]}
    assert "学员已退出" in denied["detail"]
    revoked = roster.events("account.revoked")
    assert [(e["payload"]["id"], e["payload"]["reason"]) for e in revoked] == [
        (account_id, "trainee_withdrawn")
    ]


def test_a_completed_trainees_refresh_is_refused_with_the_reason(roster):
    _account_id, username = trainee_login(roster, "in_b")
    body = login(roster, username, "trainee-pass-1").get_json()
    with roster.db.transaction() as session:
        trainee = session.get(Trainee, roster.in_b)
        change_status(session, trainee, "completed", dt.date(2026, 9, 1), "", "test")
    assert_problem(refresh(roster, body["refresh_token"]), 401)  # revoked with the account
    denied = assert_problem(login(roster, username, "trainee-pass-1"), 403)
    assert denied["errors"] == {"account": ["trainee_completed"]}
