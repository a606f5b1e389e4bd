"""Verified tokens are remembered per process (shared.auth.verify_token_cached), but a
remembered token is refused from the second it expires, a forged one is never
remembered, and one key's verification is never taken for another's."""

from __future__ import annotations

import time

import jwt
import pytest

from shared import auth, clock
from shared.auth_keys import generate_keypair
from tests.conftest import KEYS, now_seconds

ISSUER, AUDIENCE = "grassroots-roster", "grassroots"


def token(private_key: str = KEYS[0], **overrides) -> str:
    now = now_seconds()
    claims = {"sub": "7", "role": "trainee", "scope": 7, "iss": ISSUER, "aud": AUDIENCE,
              "iat": now, "nbf": now, "exp": now + 600} | overrides  # fmt: skip
    return jwt.encode(claims, private_key, algorithm="RS256")


def verify(raw: str, public_key: str = KEYS[1], audience: str = AUDIENCE) -> auth.Principal:
    return auth.verify_token_cached(raw, public_key, issuer=ISSUER, audience=audience)


@pytest.fixture
def decodes(monkeypatch):
    """Counts the signature checks that really run."""
    calls = []
    real = jwt.decode

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(auth.jwt, "decode", counting)
    monkeypatch.setattr(auth, "_VERIFIED", {})
    return calls


def test_a_token_seen_again_is_not_verified_again(decodes):
    raw = token()
    first, second = verify(raw), verify(raw)
    assert first == second == auth.Principal(subject="7", role="trainee", scope_id=7)
    assert len(decodes) == 1


def test_a_remembered_token_is_refused_from_the_second_it_expires(decodes):
    exp = now_seconds() + 3  # at least two seconds to verify it twice first
    raw = token(exp=exp)
    verify(raw)
    verify(raw)
    assert len(decodes) == 1
    time.sleep(max(0.0, exp - clock.utcnow().timestamp()))  # exp reached: refused when exp <= now
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(raw)
    assert raw not in {key[0] for key in auth._VERIFIED}


def test_a_forged_token_is_refused_every_time_and_never_remembered(decodes):
    forged = token(private_key=generate_keypair()[0])
    for _ in range(2):
        with pytest.raises(jwt.InvalidSignatureError):
            verify(forged)
    assert len(decodes) == 2 and not auth._VERIFIED


def test_a_token_verified_for_one_key_or_audience_is_checked_afresh_for_another(decodes):
    raw = token()
    verify(raw)
    with pytest.raises(jwt.InvalidSignatureError):
        verify(raw, public_key=generate_keypair()[1])
    with pytest.raises(jwt.InvalidAudienceError):
        verify(raw, audience="other-system")
    assert len(decodes) == 3


def test_the_memory_is_bounded(decodes, monkeypatch):
    monkeypatch.setattr(auth, "VERIFIED_MAX", 3)
    raws = [token(sub=str(n)) for n in range(5)]
    for raw in raws:
        verify(raw)
    assert [key[0] for key in auth._VERIFIED] == raws[2:]
