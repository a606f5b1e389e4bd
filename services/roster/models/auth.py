"""Roster's sign-in tables: the login throttle of unknown usernames, token
revocations, refresh tokens and known clients."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.roster.models.base import Base
from shared.revocation import TokenRevocationMixin


class LoginThrottle(Base):
    """Failed logins of a username that has no account, counted like an account's so that
    the lock (429) tells nobody which usernames exist."""

    __tablename__ = "login_throttle"

    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    lock_level: Mapped[int] = mapped_column(default=0)


class TokenRevocation(TokenRevocationMixin, Base):
    """Tokens of an account issued before ``not_before`` are refused (the source of
    ``account.revoked``; roster checks it directly)."""


class RefreshToken(Base):
    """A refresh token (stored as its SHA-256 only). Each use rotates it: the token is
    marked used and a new one of the same ``family`` (one sign-in) is issued, expiring
    when the family does. A used token presented again after the grace period is taken
    for a stolen one: the whole family is revoked."""

    __tablename__ = "refresh_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    family: Mapped[str] = mapped_column(sa.String(36), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class KnownClient(Base):
    """A client that signed in to an account with its password: an address (as the web
    process sees it, see ``TRUSTED_PROXY_HOPS``) or a device id (its SHA-256). A correct
    password from a known client opens a locked account, so that a lock set by someone
    else never keeps the account's holder out."""

    __tablename__ = "known_client"

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)  # address | device
    value: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_seen: Mapped[dt.datetime]
