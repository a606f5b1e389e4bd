"""Roster's rules: logins and their locks, refresh tokens and revocation."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from services.roster.domain.common import emit
from services.roster.models import (
    Account,
    KnownClient,
    LoginThrottle,
    RefreshToken,
    TokenRevocation,
    Trainee,
)
from shared.db import utcnow
from shared.errors import DomainError, TooManyAttempts
from shared.normalize import message
from shared.revocation import record_revocation

PASSWORD_METHOD = {"value": "scrypt"}


def hash_secret(secret: str) -> str:
    return generate_password_hash(secret, method=PASSWORD_METHOD["value"])


@dataclass(frozen=True)
class LoginPolicy:
    """How failed logins lock an account (see the README and docs/security.md)."""

    max_failures: int = 5  # consecutive failures that lock
    backoff_seconds: int = 30  # the first lock; each next one twice as long ...
    lock_seconds: int = 900  # ... up to this; after this long without a lock, 30 s again
    known_days: int = 180  # a client that signed in within this many days is known


@dataclass(frozen=True)
class LoginClient:
    """Where a login comes from: the client address and the device id it sent."""

    address: str | None = None
    device_id: str | None = None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _client_keys(client: LoginClient) -> list[tuple[str, str]]:
    keys = []
    if client.address:
        keys.append(("address", client.address[:64]))
    if client.device_id:
        keys.append(("device", _digest(client.device_id)))
    return keys


def is_known_client(
    session: Session, account: Account, client: LoginClient, policy: LoginPolicy
) -> bool:
    """Whether ``client`` signed in to ``account`` with its password before (recently)."""
    keys = _client_keys(client)
    if not keys:
        return False
    since = utcnow() - dt.timedelta(days=policy.known_days)
    return (
        session.scalar(
            sa.select(KnownClient.kind).where(
                KnownClient.account_id == account.id,
                sa.tuple_(KnownClient.kind, KnownClient.value).in_(keys),
                KnownClient.last_seen >= since,
            )
        )
        is not None
    )


def _remember_client(
    session: Session, account: Account, client: LoginClient, policy: LoginPolicy
) -> None:
    now = utcnow()
    for kind, value in _client_keys(client):
        row = session.get(KnownClient, (account.id, kind, value))
        if row is None:
            session.add(KnownClient(account_id=account.id, kind=kind, value=value, last_seen=now))
        else:
            row.last_seen = now
    session.execute(
        sa.delete(KnownClient).where(
            KnownClient.account_id == account.id,
            KnownClient.last_seen < now - dt.timedelta(days=policy.known_days),
        )
    )


def login_refusal(session: Session, account: Account) -> str | None:
    """Why a holder of the right password may not sign in (nor refresh), or None: the
    account is inactive, or its trainee completed or withdrew."""
    if not account.active:
        return "account_inactive"
    if account.role == "trainee" and account.scope_id is not None:
        status = session.scalar(sa.select(Trainee.status).where(Trainee.id == account.scope_id))
        if status in ("completed", "withdrawn"):
            return f"trainee_{status}"
    return None


REFUSALS = {
    "account_inactive": "该账号已停用，无法登录 (the account is inactive)",
    "trainee_withdrawn": "学员已退出，无法登录 (the trainee has withdrawn)",
    "trainee_completed": "学员已结业，无法登录 (the trainee has completed training)",
}


class AccountRefused(DomainError, status=403, title="Sign-in refused"):
    """The right credentials, but the account may not sign in: 403 naming why
    (``errors.account``: ``account_inactive``, ``trainee_withdrawn``, ``trainee_completed``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(REFUSALS[reason], {"account": [reason]})
        self.reason = reason


def authenticate(
    session: Session,
    username: str,
    secret: str,
    kind: str,
    policy: LoginPolicy,
    client: LoginClient = LoginClient(),  # noqa: B008 - frozen
) -> Account:
    """Check a username and password (or client id and secret).

    ``policy.max_failures`` consecutive failures lock the account: 30 s the first time,
    twice as long each next time (at most ``policy.lock_seconds``), back to 30 s once a
    lock is that long past. While locked, a login is refused (429) without its password
    being looked at, unless it comes from a known client (an address or device that signed
    in to the account before): its right password opens the account and clears the lock,
    so that a stranger's failures never keep the holder out. Every failure gives the same
    message. An unknown username is counted and locked alike (in ``login_throttle``), so
    that neither the answer nor the lock tells whether an account exists. The right
    password of an inactive account, or of a trainee who left, is a 403 saying so."""
    account = session.scalar(
        sa.select(Account).where(Account.username == username, Account.kind == kind)
    )
    counter = account
    if counter is None:
        counter = session.get(LoginThrottle, (kind, username)) or LoginThrottle(
            kind=kind, username=username, failed_logins=0, lock_level=0
        )
    now = utcnow()
    if counter.locked_until and counter.locked_until > now:
        if account is None or not is_known_client(session, account, client, policy):
            wait = max(1, math.ceil((counter.locked_until - now).total_seconds()))
            raise TooManyAttempts(
                message(
                    "登录失败次数过多，请稍后再试", "too many failed attempts; try again later"
                ),
                wait,
            )
    # An unknown username costs a hash check too, so timing tells nothing either.
    valid = check_password_hash(account.secret_hash if account else _DUMMY_HASH(), secret)
    if account is None or not valid:
        if counter.locked_until and now - counter.locked_until > dt.timedelta(
            seconds=policy.lock_seconds
        ):
            counter.lock_level = 0  # a long quiet time since the last lock
        counter.failed_logins = (counter.failed_logins or 0) + 1
        if counter.failed_logins >= policy.max_failures:
            level = counter.lock_level or 0
            seconds = min(policy.backoff_seconds * 2 ** min(level, 20), policy.lock_seconds)
            counter.locked_until = now + dt.timedelta(seconds=seconds)
            counter.lock_level = level + 1
            counter.failed_logins = 0
        if account is None:
            session.merge(counter)
        raise _BadCredentials()
    refusal = login_refusal(session, account)
    if refusal:
        raise AccountRefused(refusal)
    account.failed_logins = 0
    account.locked_until = None
    account.lock_level = 0
    if kind == "user":
        _remember_client(session, account, client, policy)
    return account


# -- refresh tokens and revocation ----------------------------------------------------


def _ms(moment: dt.datetime) -> dt.datetime:
    """``moment`` to the millisecond (below), as tokens carry their issue time."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def issue_refresh_token(
    session: Session,
    account: Account,
    ttl_seconds: int,
    family: str | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[str, dt.datetime]:
    """A new refresh token (the raw value, returned once; its SHA-256 is kept) and when it
    expires: a new sign-in's family lives ``ttl_seconds``, a rotated token keeps its
    family's end."""
    raw = secrets.token_urlsafe(32)
    now = _ms(utcnow())
    row = RefreshToken(
        token_hash=_digest(raw),
        family=family or str(uuid.uuid4()),
        account_id=account.id,
        issued_at=now,
        expires_at=expires_at or now + dt.timedelta(seconds=ttl_seconds),
    )
    session.add(row)
    session.flush()
    return raw, row.expires_at


class BadRefreshToken(DomainError, status=401, title="Invalid refresh token"):
    """A refresh token that cannot be used (401); the caller signs in again."""

    def __init__(self, why: str = "invalid") -> None:
        super().__init__(
            message(
                "登录已失效（刷新令牌无效、已过期、已撤销或已使用），请重新登录",
                "the refresh token is unknown, expired, revoked or already used; sign in again",
            ),
            {"refresh_token": [why]},
        )


def _revoke_family(session: Session, family: str, now: dt.datetime) -> None:
    session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def use_refresh_token(
    session: Session, raw: str, reuse_grace_seconds: int
) -> tuple[Account, str, dt.datetime]:
    """Rotate a refresh token: the account, a new refresh token of the same family and its
    expiry. Refused (401) when unknown, expired, revoked, issued before the account's
    revocation, or used already: used more than ``reuse_grace_seconds`` ago, it is taken
    for stolen and its whole family is revoked (the caller commits that); used within the
    grace (two requests of one client refreshing at once) only this call is refused. The
    account's holder no longer allowed in is a 403 (:class:`AccountRefused`)."""
    row = session.scalar(
        sa.select(RefreshToken).where(RefreshToken.token_hash == _digest(raw)).with_for_update()
    )
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise BadRefreshToken()
    if row.used_at is not None:
        if now - row.used_at > dt.timedelta(seconds=reuse_grace_seconds):
            _revoke_family(session, row.family, now)
            raise BadRefreshToken(why="reused")
        raise BadRefreshToken(why="rotated")
    account = session.get(Account, row.account_id)
    revocation = session.get(TokenRevocation, (str(account.id), account.role))
    if revocation is not None and row.issued_at < revocation.not_before:
        raise BadRefreshToken(why="revoked")
    refusal = login_refusal(session, account)
    if refusal:
        raise AccountRefused(refusal)
    row.used_at = now
    new, expires_at = issue_refresh_token(
        session, account, 0, family=row.family, expires_at=row.expires_at
    )
    return account, new, expires_at


def revoke_refresh_token(session: Session, raw: str) -> bool:
    """Sign out: revoke the sign-in (family) of a refresh token; False if unknown."""
    row = session.scalar(sa.select(RefreshToken).where(RefreshToken.token_hash == _digest(raw)))
    if row is None:
        return False
    _revoke_family(session, row.family, utcnow())
    return True


def revoke_tokens(session: Session, account: Account, reason: str) -> dt.datetime:
    """Every token of ``account`` issued until now stops working: its refresh tokens are
    revoked here, its access tokens by every service from ``account.revoked`` (roster
    from its own ``token_revocation`` at once). Returns the ``not_before``."""
    not_before = _ms(utcnow())
    record_revocation(session, TokenRevocation, str(account.id), account.role, not_before, reason)
    session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.account_id == account.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=not_before)
    )
    emit(
        session,
        "account.revoked",
        {
            "id": account.id,
            "role": account.role,
            "scope_id": account.scope_id,
            "not_before": not_before,
            "reason": reason,
        },
    )
    return not_before


def _DUMMY_HASH() -> str:  # noqa: N802 - a constant made on first use
    method = PASSWORD_METHOD["value"]
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash("no-such-account", method=method)
    return _DUMMY[method]


_DUMMY: dict[str, str] = {}


class _BadCredentials(DomainError, status=401, title="Invalid credentials"):
    """A wrong username or password (401), the same answer for either."""

    def __init__(self) -> None:
        super().__init__(message("用户名或密码错误", "wrong username or password"))


BadCredentials = _BadCredentials
