"""Tokens live on ``shared.clock``, not on the real clock: roster issues them with its
time, and every service checks ``iat``, ``nbf`` and ``exp`` against the same clock, so a
system whose clock is moved (the journey, the calendar matrix) keeps working, and a token
is refused as soon as that clock says so."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from shared import auth, clock
from tests.conftest import KEYS

ISSUER, AUDIENCE = "grassroots-roster", "grassroots"
A_YEAR = 366 * 24 * 3600


@pytest.fixture
def clock_file(monkeypatch, tmp_path):
    """A clock file of this test's own (the environment's is restored after it)."""
    path = tmp_path / "clock"
    monkeypatch.setenv(clock.CLOCK_FILE_ENV, str(path))
    monkeypatch.setattr(auth, "_VERIFIED", {})
    return path


def issue(ttl_seconds: int = 3600) -> str:
    return auth.issue_token(
        KEYS[0],
        subject="7",
        role="trainee",
        scope_id=7,
        issuer=ISSUER,
        audience=AUDIENCE,
        ttl_seconds=ttl_seconds,
    )


def verify(raw: str) -> auth.Principal:
    return auth.verify_token(raw, KEYS[1], issuer=ISSUER, audience=AUDIENCE)


def verify_cached(raw: str) -> auth.Principal:
    return auth.verify_token_cached(raw, KEYS[1], issuer=ISSUER, audience=AUDIENCE)


TRAINEE_7 = auth.Principal(subject="7", role="trainee", scope_id=7)


def test_a_token_issued_a_year_ahead_is_valid_on_that_clock_and_not_on_the_real_one(clock_file):
    clock.set_offset(clock_file, A_YEAR)
    raw = issue()
    issued = jwt.decode(raw, options={"verify_signature": False})["iat"]
    real_now = dt.datetime.now(dt.UTC).timestamp()
    assert issued > real_now + A_YEAR - 60  # stamped with the moved clock
    assert verify(raw) == verify_cached(raw) == TRAINEE_7
    clock.set_offset(clock_file, 0)  # the real clock again
    with pytest.raises(jwt.ImmatureSignatureError):
        verify(raw)
    with pytest.raises(jwt.ImmatureSignatureError):
        verify_cached(raw)  # remembered, but not before the time it was issued


def test_a_token_of_the_real_clock_has_expired_once_the_clock_is_a_year_ahead(clock_file):
    clock.set_offset(clock_file, 0)
    raw = issue()
    assert verify(raw) == verify_cached(raw) == TRAINEE_7
    clock.set_offset(clock_file, A_YEAR)
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(raw)
    with pytest.raises(jwt.ExpiredSignatureError):
        verify_cached(raw)


def test_a_token_expires_on_the_second_of_its_exp_on_the_moved_clock(clock_file):
    clock.set_offset(clock_file, A_YEAR)
    raw = issue(ttl_seconds=600)
    exp = jwt.decode(raw, options={"verify_signature": False})["exp"]
    clock.travel_to(clock_file, dt.datetime.fromtimestamp(exp - 2, dt.UTC))
    assert verify(raw) == TRAINEE_7
    clock.travel_to(clock_file, dt.datetime.fromtimestamp(exp, dt.UTC))
    with pytest.raises(jwt.ExpiredSignatureError, match="Signature has expired"):
        verify(raw)


@pytest.mark.parametrize(
    ("claim", "value", "error"),
    [
        ("iat", "soon", jwt.InvalidIssuedAtError),
        ("nbf", "soon", jwt.DecodeError),
        ("exp", "never", jwt.DecodeError),
    ],
)
def test_times_that_are_not_numbers_are_refused_as_pyjwt_refuses_them(claim, value, error):
    now = int(clock.utcnow().timestamp())
    claims = {"sub": "7", "role": "trainee", "scope": 7, "iss": ISSUER, "aud": AUDIENCE,
              "iat": now, "nbf": now, "exp": now + 600} | {claim: value}  # fmt: skip
    with pytest.raises(error):
        verify(jwt.encode(claims, KEYS[0], algorithm="RS256"))
